"""Shopping through the containerised gateway: register, log in, order, its event (and
mail), cancel."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from typing import Any

import httpx

from tests.containers.conftest import Running
from tests.containers.deployment import settings_class
from tests.containers.podman import podman
from tests.support.events import bound_queue, first_matching


def mail_is_sent() -> bool:
    """The worker delivers mail (SMTP_URL, else DATA_DIR/mail/<event id>.eml) once it reads
    SMTP_URL, as the contract's notification worker does."""
    return "smtp_url" in settings_class("notifications").model_fields


async def _mail_for(running: Running, event_id: str, within: float = 20) -> email.message.Message:
    container = running.platform.container("notifications")
    path = f"{running.platform.envs['notifications']['DATA_DIR']}/mail/{event_id}.eml"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        found = podman("exec", container, "cat", path, check=False)
        if found.returncode == 0:
            return email.message_from_string(found.stdout, policy=email.policy.default)
        await asyncio.sleep(0.5)
    raise AssertionError(f"no mail {path}:\n{running.platform.logs('notifications')[-3000:]}")


async def test_register_login_order_then_cancel_through_the_containerised_gateway(
    running: Running,
) -> None:
    async with httpx.AsyncClient(base_url=running.gateway, timeout=30) as client:
        await _order_then_cancel(running, client)


async def _login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    login = await client.post("/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['data']['accessToken']}"}


async def _order_then_cancel(running: Running, client: httpx.AsyncClient) -> None:
    shopper, password = f"shopper-{uuid.uuid4().hex[:10]}@example.com", "pa55word!x"
    account = {"email": shopper, "password": password, "name": "Shopper"}
    registered = await client.post("/auth/register", json=account)
    assert registered.status_code == 201, registered.text
    user = await _login(client, shopper, password)
    admin = await _login(client, *running.admin)
    product = await client.post("/products", headers=admin, json=_product())
    assert product.status_code == 201, product.text
    product_id = product.json()["data"]["id"]
    address = await client.post("/users/me/addresses", headers=user, json=_address())
    assert address.status_code == 201, address.text
    body = {
        "items": [{"productId": product_id, "quantity": 2}],
        "shippingAddressId": address.json()["data"]["id"],
        "payment": {"method": "card", "token": "tok_ok"},
    }
    async with bound_queue("order.*") as events:
        placed = await client.post("/orders", headers=user, json=body)
        assert placed.status_code == 201, placed.text
        order = placed.json()["data"]
        assert (order["status"], order["total"]) == ("CONFIRMED", 2 * 1250)
        created = await _event(events, "order.created", order["id"])
        if mail_is_sent():
            mail = await _mail_for(running, created["id"])
            assert mail["Message-ID"] == f"<{created['id']}@shop>"
            assert mail["X-Shop-Event-Id"] == created["id"] and shopper in mail["To"]
        cancelled = await client.post(f"/orders/{order['id']}/cancel", headers=user)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["data"]["status"] == "CANCELLED"
        await _event(events, "order.cancelled", order["id"])
    stock = (await client.get(f"/products/{product_id}")).json()["data"]["stock"]
    assert stock == 5, "cancelling returned the stock"


async def _event(events: Any, kind: str, order_id: str) -> dict[str, Any]:
    found = await first_matching(
        events, lambda e: e["type"] == kind and e["data"].get("orderId") == order_id, within=20
    )
    assert found is not None, f"no {kind} event for order {order_id}"
    return found[0]


def _product() -> dict[str, Any]:
    sku = f"CT-{uuid.uuid4().hex[:12]}"
    return {"name": "Container test mug", "price": 1250, "category": "ct", "sku": sku, "stock": 5}


def _address() -> dict[str, Any]:
    return {"line1": "1 Image Road", "city": "Podville", "postalCode": "10001", "country": "US"}
