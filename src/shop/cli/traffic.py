"""`shop demo-traffic`: shoppers browsing, signing up, ordering and cancelling through the
gateway, so dashboards and mail have something to show. Bounded in time and rate, and
refuses anything but this machine."""

from __future__ import annotations

import contextlib
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shop.cli.client import Client, is_loopback

MAX_MINUTES = 60
MAX_RATE = 20.0
_MAX_SHOPPERS = 8  # sign-ups count against the gateway's auth limit (30/minute per IP)


@dataclass
class Shopper:
    client: Client
    address_id: str
    orders: list[str] = field(default_factory=list)


class DemoTraffic:
    """One simulated crowd; `step()` does one weighted-random action."""

    def __init__(self, gateway: str, *, seed: int | None = None) -> None:
        if not is_loopback(gateway):
            raise ValueError(f"demo traffic only goes to this machine, not {gateway}")
        self.gateway = gateway
        self.browser = Client(gateway)
        self.rng = random.Random(seed)
        self.shoppers: list[Shopper] = []
        self.product_ids: list[str] = []
        self.outcomes: Counter[str] = Counter()

    def _count(self, action: str, status: int) -> None:
        self.outcomes[f"{action} {status}"] += 1

    def browse(self) -> None:
        query: dict[str, Any] = {"limit": 20, "page": self.rng.randint(1, 2)}
        if self.rng.random() < 0.3:
            query["sortBy"] = self.rng.choice(["price", "name", "createdAt"])
        reply = self.browser.get("/products", **query)
        self._count("browse", reply.status)
        if reply.status == 200 and reply.data:
            self.product_ids = [p["id"] for p in reply.data if p.get("stock", 0) > 0]

    def view(self) -> None:
        if not self.product_ids:
            return self.browse()
        reply = self.browser.get(f"/products/{self.rng.choice(self.product_ids)}")
        self._count("view", reply.status)

    def search(self) -> None:
        term = self.rng.choice(["mug", "book", "lamp", "shoes", "kite", "python"])
        self._count("search", self.browser.get("/products", searchTerm=term).status)

    def sign_up(self) -> None:
        client = Client(self.gateway)
        email = f"demo-{secrets.token_hex(5)}@example.com"
        password = secrets.token_urlsafe(12)
        body = {"email": email, "password": password, "name": "Demo Visitor"}
        reply = client.post("/auth/register", body)
        self._count("register", reply.status)
        if reply.status != 201:
            return
        login = client.post("/auth/login", {"email": email, "password": password})
        if login.status != 200:
            return
        client.token = login.data["accessToken"]
        address = {"line1": "1 Demo Road", "city": "Springfield", "postalCode": "97477",
                   "country": "US", "isDefault": True}  # fmt: skip
        made = client.post("/users/me/addresses", address)
        if made.status == 201:
            self.shoppers.append(Shopper(client, made.data["id"]))

    def order(self) -> None:
        if not self.shoppers or not self.product_ids:
            return self.sign_up() if len(self.shoppers) < _MAX_SHOPPERS else self.browse()
        shopper = self.rng.choice(self.shoppers)
        picks = self.rng.sample(self.product_ids, k=min(len(self.product_ids), 2))
        token = "tok_declined" if self.rng.random() < 0.1 else "tok_ok"
        body = {
            "items": [{"productId": p, "quantity": 1} for p in picks],
            "shippingAddressId": shopper.address_id,
            "payment": {"method": "card", "token": token},
        }
        reply = shopper.client.post(
            "/orders", body, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        self._count("order", reply.status)
        if reply.status == 201:
            shopper.orders.append(reply.data["id"])

    def cancel(self) -> None:
        with_orders = [s for s in self.shoppers if s.orders]
        if not with_orders:
            return self.order()
        shopper = self.rng.choice(with_orders)
        order_id = shopper.orders.pop(self.rng.randrange(len(shopper.orders)))
        self._count("cancel", shopper.client.post(f"/orders/{order_id}/cancel").status)

    def step(self) -> None:
        actions = [self.browse, self.view, self.search, self.order, self.cancel, self.sign_up]
        weights = [30, 30, 10, 20, 5, 5 if len(self.shoppers) < _MAX_SHOPPERS else 0]
        self.rng.choices(actions, weights)[0]()


def run(gateway: str, *, minutes: float, rate: float, say: Any = print) -> Counter[str]:
    """Drives traffic for `minutes` at about `rate` actions a second; what it got back."""
    minutes = min(max(minutes, 0.0), MAX_MINUTES)
    rate = min(max(rate, 0.1), MAX_RATE)
    crowd = DemoTraffic(gateway)
    deadline = time.monotonic() + minutes * 60
    say(f"demo traffic to {gateway} for {minutes:g} min at ~{rate:g} actions/s (Ctrl-C stops)")
    try:
        with contextlib.suppress(OSError):
            crowd.browse()  # a visit starts on the catalog, and the crowd learns what is there
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                crowd.step()
            except OSError as exc:
                crowd.outcomes[f"no answer ({type(exc).__name__})"] += 1
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    for outcome, count in sorted(crowd.outcomes.items()):
        say(f"  {outcome:<28}{count}")
    return crowd.outcomes
