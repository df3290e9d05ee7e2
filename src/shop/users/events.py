"""Events the user service publishes (through its outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shop.common.events import DomainEvent

SOURCE = "shop/users"


@dataclass(frozen=True)
class UserRegistered(DomainEvent):
    """A new account exists; carries no secret (no password, no hash)."""

    type: ClassVar[str] = "user.registered"
    user_id: str
    email: str
    name: str
    role: str
