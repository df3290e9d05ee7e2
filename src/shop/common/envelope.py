"""The contract's response envelope, as plain dicts usable from any framework."""

from __future__ import annotations

from typing import Any


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
