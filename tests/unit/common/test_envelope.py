import dataclasses
from typing import ClassVar

from shop.common.context import accept_request_id
from shop.common.envelope import (
    Envelope,
    ErrorDetail,
    ErrorEnvelope,
    PageEnvelope,
    error,
    error_responses,
    page_meta,
    success,
)
from shop.common.events import DomainEvent, cloud_event


def test_success_and_list_shapes() -> None:
    assert success({"a": 1}, "done") == {"success": True, "message": "done", "data": {"a": 1}}
    body = success([], meta=page_meta(page=2, limit=10, total=31))
    assert body["meta"] == {"page": 2, "limit": 10, "total": 31}


def test_error_shape_names_fields_and_request_id() -> None:
    body = error("Validation failed", request_id="r1", errors=[{"path": "email", "message": "bad"}])
    assert body == {
        "success": False,
        "message": "Validation failed",
        "errors": [{"path": "email", "message": "bad"}],
        "requestId": "r1",
    }


def test_models_serialise_as_the_dict_builders() -> None:
    # Routes return the models, the fast paths and error handlers the dicts: one shape.
    one = Envelope[dict[str, int]](data={"a": 1}, message="done")
    assert one.model_dump(mode="json") == success({"a": 1}, "done")
    page = PageEnvelope[int].of([1], page=2, limit=10, total=31)
    assert page.model_dump(mode="json") == success([1], meta=page_meta(page=2, limit=10, total=31))
    failure = ErrorEnvelope(
        message="bad", errors=[ErrorDetail(path="email", message="x")], request_id="r1"
    )
    assert failure.model_dump(by_alias=True) == error(
        "bad", request_id="r1", errors=[{"path": "email", "message": "x"}]
    )


def test_error_responses_document_the_envelope_and_no_422() -> None:
    documented = error_responses(400, 404)
    assert set(documented) == {400, 404, "default"}
    assert all(r["model"] is ErrorEnvelope for r in documented.values())


def test_request_id_is_echoed_only_when_safe() -> None:
    assert accept_request_id("abc-123") == "abc-123"
    for unsafe in (None, "", "a" * 129, "x\r\nSet-Cookie: y", "<script>"):
        fresh = accept_request_id(unsafe)
        assert fresh != unsafe and len(fresh) == 32


@dataclasses.dataclass(frozen=True)
class _Registered(DomainEvent):
    type: ClassVar[str] = "user.registered"
    user_id: str
    email: str


def test_cloud_event_structured_mode() -> None:
    event = _Registered(user_id="u1", email="a@b.c")
    envelope = cloud_event(
        event_type=event.type, source="/shop/users", data=event.data(), request_id="req-1"
    )
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "user.registered"
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["data"] == {"userId": "u1", "email": "a@b.c"}
    assert envelope["requestid"] == "req-1"
    assert {"id", "source", "time"} <= envelope.keys()
