"""Input validation of the REST shapes: what is accepted, normalised and refused."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from shop.users.schemas import (
    AddressCreate,
    AddressUpdate,
    LoginRequest,
    PageQuery,
    RefreshRequest,
    RegisterRequest,
    UserRead,
    UserUpdate,
)


def _paths(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


def _register(**overrides: Any) -> dict[str, Any]:
    return {"email": "Ann@Example.COM", "password": "correct horse", "name": "Ann", **overrides}


def test_register_lowercases_the_whole_email_and_trims_the_name() -> None:
    body = RegisterRequest.model_validate(_register(email=" Ann.Lee@Example.COM ", name=" Ann "))
    assert body.email == "ann.lee@example.com"
    assert body.name == "Ann"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", ""),
        ("password", "1234567"),  # 7 characters
        ("password", "x" * 129),
        ("name", ""),
        ("name", "   "),
        ("name", "n" * 101),
    ],
)
def test_register_refuses_bad_fields_naming_them(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        RegisterRequest.model_validate(_register(**{field: value}))
    assert _paths(info.value) == {field}


def test_register_password_bounds_are_inclusive() -> None:
    RegisterRequest.model_validate(_register(password="x" * 8))
    RegisterRequest.model_validate(_register(password="x" * 128))


def test_register_refuses_unknown_fields_such_as_role() -> None:
    with pytest.raises(ValidationError) as info:
        RegisterRequest.model_validate(_register(role="admin"))
    assert _paths(info.value) == {"role"}


def test_login_accepts_any_email_shape_but_lowercases_it() -> None:
    # Reserved domains (admin@shop.local) must still be able to log in.
    assert LoginRequest.model_validate({"email": "Admin@Shop.Local", "password": "p"}).email == (
        "admin@shop.local"
    )


def test_refresh_request_is_camel_case() -> None:
    assert RefreshRequest.model_validate({"refreshToken": "abc"}).refresh_token == "abc"
    with pytest.raises(ValidationError) as info:
        RefreshRequest.model_validate({"refreshToken": ""})
    assert _paths(info.value) == {"refreshToken"}


def test_user_update_changes_only_what_was_sent_and_phone_may_be_cleared() -> None:
    assert UserUpdate.model_validate({"name": "Bo"}).changes() == {"name": "Bo"}
    assert UserUpdate.model_validate({"phone": None}).changes() == {"phone": None}
    assert UserUpdate.model_validate({"phone": "+44 20 7946 0958"}).changes() == {
        "phone": "+44 20 7946 0958"
    }


@pytest.mark.parametrize("body", [{"name": None}, {"phone": "call me"}, {"email": "x@y.com"}])
def test_user_update_refuses_nulls_bad_phones_and_unknown_fields(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        UserUpdate.model_validate(body)


def test_address_create_camel_case_and_defaults() -> None:
    body = AddressCreate.model_validate(
        {"line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}
    )
    assert body.model_dump() == {
        "line1": "1 Main St",
        "line2": None,
        "city": "Springfield",
        "state": None,
        "postal_code": "12345",
        "country": "US",
        "is_default": False,
    }


def test_address_create_names_the_missing_field_in_camel_case() -> None:
    with pytest.raises(ValidationError) as info:
        AddressCreate.model_validate({"line1": "1 Main St", "city": "X", "country": "US"})
    assert _paths(info.value) == {"postalCode"}


def test_address_update_allows_clearing_optional_fields_only() -> None:
    assert AddressUpdate.model_validate({"line2": None}).changes() == {"line2": None}
    with pytest.raises(ValidationError):
        AddressUpdate.model_validate({"city": None})


@pytest.mark.parametrize("query", [{"page": 0}, {"limit": 0}, {"limit": 101}])
def test_page_query_bounds(query: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        PageQuery.model_validate(query)


def test_page_query_offset() -> None:
    assert PageQuery(page=3, limit=20).offset == 40


def test_user_read_is_camel_case_utc_and_has_no_hash() -> None:
    row = SimpleNamespace(
        id="u1",
        email="a@example.com",
        name="A",
        role="user",
        phone=None,
        created_at=datetime(2024, 1, 2, 3, 4, 5),  # naive, as SQLite returns it
        password_hash="$argon2id$secret",
    )
    out = UserRead.model_validate(row).dump()
    assert out == {
        "id": "u1",
        "email": "a@example.com",
        "name": "A",
        "role": "user",
        "phone": None,
        "createdAt": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC).isoformat(),
    }
