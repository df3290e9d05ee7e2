"""The contract's response envelope: plain dicts for any framework, models for the OpenAPI."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


def success(data: Any, message: str = "OK", meta: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "message": message, "data": data}
    if meta is not None:
        body["meta"] = meta
    return body


def page_meta(*, page: int, limit: int, total: int) -> dict[str, int]:
    return {"page": page, "limit": limit, "total": total}


def error(
    message: str,
    *,
    request_id: str | None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "success": False,
        "message": message,
        "errors": errors or [],
        "requestId": request_id or "",
    }


class _Body(BaseModel):
    # Defaults are always sent, so the documented (serialization) schema lists them required.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class PageMeta(_Body):
    page: int
    limit: int
    total: int


class Envelope(_Body, Generic[T]):
    """`{"success": true, "message", "data"}`: the body of every successful call."""

    success: Literal[True] = True
    message: str = "OK"
    data: T

    def json_bytes(self) -> bytes:
        """The body as FastAPI would send it for this model (camelCase aliases, JSON types)."""
        return self.__pydantic_serializer__.to_json(self, by_alias=True)


class PageEnvelope(_Body, Generic[T]):
    """A list's envelope: one page of `data` and its `meta`."""

    success: Literal[True] = True
    message: str = "OK"
    data: list[T]
    meta: PageMeta

    @classmethod
    def of(cls, data: list[T], *, page: int, limit: int, total: int) -> PageEnvelope[T]:
        return cls(data=data, meta=PageMeta(page=page, limit=limit, total=total))


class ErrorDetail(_Body):
    path: str
    message: str


class ErrorEnvelope(_Body):
    """`{"success": false, ...}`: the body of every failure, whoever answers it."""

    model_config = ConfigDict(populate_by_name=True)

    success: Literal[False] = False
    message: str
    errors: list[ErrorDetail]
    request_id: str = Field(alias="requestId")


_MEANINGS = {
    400: "Invalid input; each entry of `errors` names the offending field in `path`",
    401: "Missing or invalid credentials, token or gateway secret",
    402: "Payment declined; the order ended FAILED",
    403: "The caller's role may not do this",
    404: "No such resource (or not the caller's to see)",
    409: "Conflicts with the current state",
    503: "A service this call needs is unavailable",
    504: "A service this call needs timed out",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` documenting these statuses, and any other failure, as the error envelope."""
    documented: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorEnvelope, "description": _MEANINGS[code]} for code in codes
    }
    # "default" also stops FastAPI documenting a 422 that the services never send (they
    # answer validation failures with 400).
    documented["default"] = {"model": ErrorEnvelope, "description": "Any other failure"}
    return documented
