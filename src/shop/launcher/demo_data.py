"""The demo shopper of `SEED_DEMO_DATA=1`: an account, an address and orders in several
statuses, made through the gateway like any client would (the real order flow: prices,
stock, payment, events, mail). Idempotency keys make a restart add nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shop.cli.client import Client, Reply
from shop.launcher.specs import SERVICES

DEMO_SHOPPER = ("shopper@example.com", "shopper-password-123")
_ADDRESS = {
    "line1": "12 Market Street",
    "city": "Springfield",
    "state": "OR",
    "postalCode": "97477",
    "country": "US",
    "isDefault": True,
}
# (idempotency key, [(sku, quantity)], payment token, statuses to walk after CONFIRMED)
_ORDERS: list[tuple[str, list[tuple[str, int]], str, list[str]]] = [
    (
        "demo-order-1",
        [("BOOK-PYTH-01", 1), ("HOME-MUGS-01", 2)],
        "tok_ok",
        ["SHIPPED", "DELIVERED"],
    ),
    ("demo-order-2", [("ELEC-HEAD-01", 1)], "tok_ok", ["SHIPPED"]),
    ("demo-order-3", [("SPRT-YOGA-01", 1), ("SPRT-BOTL-01", 1)], "tok_ok", []),
    ("demo-order-4", [("ELEC-CHRG-01", 1)], "tok_ok", ["CANCELLED"]),
    ("demo-order-5", [("HOME-LAMP-01", 1)], "tok_declined", []),
]
_PATH = ["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED"]


class SeedError(Exception):
    """One step answered something unexpected."""


def _expect(reply: Reply, step: str, *codes: int) -> Any:
    if reply.status not in codes:
        message = reply.body.get("message") if isinstance(reply.body, dict) else reply.body
        raise SeedError(f"{step} answered {reply.status} ({message})")
    return reply.data


def _login(client: Client, email: str, password: str) -> None:
    data = _expect(client.post("/auth/login", {"email": email, "password": password}), "login", 200)
    client.token = data["accessToken"]


def _address_id(shopper: Client) -> str:
    addresses = _expect(shopper.get("/users/me/addresses"), "list addresses", 200)
    if addresses:
        return str(addresses[0]["id"])
    made = _expect(shopper.post("/users/me/addresses", _ADDRESS), "add address", 201)
    return str(made["id"])


def _product_ids(client: Client) -> dict[str, str]:
    listed = _expect(client.get("/products", limit=100), "list products", 200)
    return {p["sku"]: p["id"] for p in listed}


def _walk(admin: Client | None, shopper: Client, order: dict[str, Any], targets: list[str]) -> None:
    """Moves an order forward to each target it has not reached yet."""
    status = order["status"]
    for target in targets:
        if target == "CANCELLED":
            if status == "CONFIRMED":
                _expect(shopper.post(f"/orders/{order['id']}/cancel"), "cancel", 200)
            return
        if admin is None or status not in _PATH or _PATH.index(status) >= _PATH.index(target):
            continue
        path = f"/orders/{order['id']}/status"
        _expect(admin.patch(path, {"status": target}), f"move to {target}", 200)
        status = target


def seed_demo_shopper(
    env: Mapping[str, str], *, say: Callable[[str], None]
) -> tuple[str, str] | None:
    """Makes sure the demo shopper and their orders exist; their login, or None on failure."""
    base = f"http://127.0.0.1:{SERVICES['gateway'].rest_port(env)}"
    email = env.get("DEMO_SHOPPER_EMAIL") or DEMO_SHOPPER[0]
    password = env.get("DEMO_SHOPPER_PASSWORD") or DEMO_SHOPPER[1]
    shopper = Client(base, timeout=30)
    try:
        signup = {"email": email, "password": password, "name": "Demo Shopper"}
        _expect(shopper.post("/auth/register", signup), "register the demo shopper", 201, 409)
        _login(shopper, email, password)
        address = _address_id(shopper)
        admin: Client | None = None
        if env.get("ADMIN_EMAIL") and env.get("ADMIN_PASSWORD"):
            admin = Client(base, timeout=30)
            _login(admin, env["ADMIN_EMAIL"], env["ADMIN_PASSWORD"])
        products = _product_ids(shopper)
        for key, lines, token, targets in _ORDERS:
            items = [
                {"productId": products[sku], "quantity": n} for sku, n in lines if sku in products
            ]
            if not items:
                continue
            body = {
                "items": items,
                "shippingAddressId": address,
                "payment": {"method": "card", "token": token},
            }
            reply = shopper.post("/orders", body, headers={"Idempotency-Key": key})
            order = _expect(reply, f"order {key}", 201, 402, 409)
            if isinstance(order, dict) and "status" in order:
                _walk(admin, shopper, order, targets)
    except (SeedError, OSError, KeyError) as exc:
        say(f"demo shopper not (fully) seeded: {exc}")
        return (email, password) if shopper.token else None
    return email, password
