"""Persistence: the deliveries table, its Alembic migrations, and the store over it."""

from __future__ import annotations

from pathlib import Path

from shop.notifications.store.deliveries import Claim, DeliveryStore

MIGRATIONS = Path(__file__).parent / "migrations"

__all__ = ["MIGRATIONS", "Claim", "DeliveryStore"]
