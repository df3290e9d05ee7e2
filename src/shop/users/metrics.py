"""The user service's business metrics."""

from __future__ import annotations

from prometheus_client import Counter

USERS_REGISTERED = Counter("shop_users_registered_total", "Accounts created")
LOGINS = Counter("shop_logins_total", "Login attempts by outcome", ["result"])
for _result in ("ok", "failed"):
    LOGINS.labels(_result)
