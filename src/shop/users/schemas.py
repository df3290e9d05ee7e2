"""REST shapes: camelCase JSON in and out; unknown input fields are refused (400)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_serializer,
    field_validator,
)

from shop.common.clock import as_utc
from shop.common.rest_models import CamelIn, CamelOut
from shop.users.passwords import MAX_LENGTH, MIN_LENGTH
from shop.users.store.models import EMAIL_MAX

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ()./-]{2,31}$")
]
Password = Annotated[str, StringConstraints(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=512)]


def normalize_email(email: str) -> str:
    """The stored form of an email: trimmed and lowercased (uniqueness ignores case)."""
    return email.strip().lower()


class _Patch(CamelIn):
    # Fields that may be cleared with null; every other field refuses an explicit null.
    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _no_nulls(cls, value: Any, info: ValidationInfo) -> Any:
        # Defaults are not validated, so this sees only nulls the client sent explicitly.
        if value is None and info.field_name not in cls.nullable_fields:
            raise ValueError("cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class RegisterRequest(CamelIn):
    email: EmailStr = Field(max_length=EMAIL_MAX)
    password: Password
    name: Name

    @field_validator("email")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return normalize_email(value)


class LoginRequest(CamelIn):
    # Not EmailStr: a malformed email simply matches no account (401, like a wrong one),
    # and operator-chosen admin emails such as admin@shop.local still log in.
    email: Annotated[str, StringConstraints(min_length=1, max_length=EMAIL_MAX)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LENGTH)]

    @field_validator("email")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        return normalize_email(value)


class RefreshRequest(CamelIn):
    refresh_token: Token


class UserUpdate(_Patch):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"phone"})
    name: Name | None = None
    phone: Phone | None = None


class AddressCreate(CamelIn):
    line1: Line
    line2: Line | None = None
    city: Short
    state: Short | None = None
    postal_code: PostalCode
    country: Short
    is_default: bool = False


class AddressUpdate(_Patch):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"line2", "state"})
    line1: Line | None = None
    line2: Line | None = None
    city: Short | None = None
    state: Short | None = None
    postal_code: PostalCode | None = None
    country: Short | None = None
    is_default: bool | None = None


class PageQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=1_000_000)
    limit: int = Field(default=20, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class _Out(CamelOut):
    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


class UserRead(_Out):
    id: str
    email: str
    name: str
    role: str
    phone: str | None
    created_at: datetime

    @field_serializer("created_at")
    def _utc(self, value: datetime) -> str:
        return as_utc(value).isoformat()


class AddressRead(_Out):
    id: str
    line1: str
    line2: str | None
    city: str
    state: str | None
    postal_code: str
    country: str
    is_default: bool
    created_at: datetime

    @field_serializer("created_at")
    def _utc(self, value: datetime) -> str:
        return as_utc(value).isoformat()


class RegisteredRead(_Out):
    user: UserRead


class SessionRead(_Out):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user: UserRead
