"""The payment port: a charge, its statuses, and what a provider must offer.

Every operation is keyed by order id, as real providers' idempotency keys are: a retried
charge returns the first result, so an order is never charged twice. `void` is the fence
the recovery loop and cancellation use: once an order's charge slot is voided, a late
charge attempt for it (from a request still in flight somewhere) cannot succeed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class ChargeStatus(enum.StrEnum):
    SUCCEEDED = "SUCCEEDED"
    DECLINED = "DECLINED"
    VOIDED = "VOIDED"
    REFUNDED = "REFUNDED"


@dataclass(frozen=True, slots=True)
class Charge:
    charge_id: str
    order_id: str
    amount: int
    status: ChargeStatus

    @property
    def succeeded(self) -> bool:
        return self.status is ChargeStatus.SUCCEEDED


class PaymentProvider(Protocol):
    name: str

    def check_token(self, method: str, token: str) -> None:
        """Raises ValidationFailed for a payment this provider cannot take (before any I/O)."""

    async def charge(self, *, order_id: str, amount: int, token: str) -> Charge:
        """Charges once per order id; a repeat returns the first result."""

    async def lookup(self, order_id: str) -> Charge | None:
        """The order's charge, if any attempt reached the provider."""

    async def void(self, order_id: str) -> Charge:
        """Fences the order: returns its existing charge, else records a void that makes
        every later charge attempt for it fail."""

    async def refund(self, order_id: str) -> Charge | None:
        """Refunds a succeeded charge (idempotent); None when there was none."""
