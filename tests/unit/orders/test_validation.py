"""Input rules of an order: schema limits, token check, merged lines, request digest."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shop.common.errors import ValidationFailed
from shop.orders.domain import Line, PricedLine, merge_lines, order_total
from shop.orders.payments.mock_provider import MockPaymentProvider
from shop.orders.placement.request import PlaceOrder, request_hash
from shop.orders.schemas import OrderCreate
from shop.orders.settings import OrderSettings


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "items": [{"productId": "p1", "quantity": 1}],
        "shippingAddressId": "a1",
        "payment": {"method": "card", "token": "tok_ok"},
    }
    data.update(overrides)
    return data


def test_a_valid_body_parses() -> None:
    parsed = OrderCreate.model_validate(body())
    assert parsed.items[0].product_id == "p1" and parsed.payment.token == "tok_ok"


@pytest.mark.parametrize(
    "overrides",
    [
        {"items": []},
        {"items": [{"productId": "p1", "quantity": 0}]},
        {"items": [{"productId": "", "quantity": 1}]},
        {"items": [{"productId": "p1", "quantity": "many"}]},
        {"shippingAddressId": ""},
        {"payment": {"method": "card"}},
    ],
)
def test_bad_bodies_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OrderCreate.model_validate(body(**overrides))


def test_mock_provider_accepts_only_known_card_tokens() -> None:
    provider = MockPaymentProvider(engine=None)  # type: ignore[arg-type]
    provider.check_token("card", "tok_ok")
    provider.check_token("card", "tok_declined")
    for method, token in [("card", "tok_other"), ("card", ""), ("cash", "tok_ok")]:
        with pytest.raises(ValidationFailed):
            provider.check_token(method, token)


def test_duplicate_products_are_merged() -> None:
    lines = merge_lines([Line("b", 1), Line("a", 2), Line("b", 3)])
    assert lines == (Line("a", 2), Line("b", 4))
    assert order_total((PricedLine("a", 2, 150), PricedLine("b", 4, 25))) == 400


def _req(*lines: Line, token: str = "tok_ok") -> PlaceOrder:
    return PlaceOrder("u", tuple(lines), "a1", "card", token, "k")


def test_request_hash_sees_the_body_not_its_spelling() -> None:
    same = request_hash(_req(Line("a", 1), Line("a", 1)))
    assert same == request_hash(_req(Line("a", 2)))
    assert same != request_hash(_req(Line("a", 3)))
    assert same != request_hash(_req(Line("a", 2), token="tok_declined"))


def test_fault_injection_is_refused_in_production() -> None:
    with pytest.raises(ValidationError):
        OrderSettings(
            shop_env="production",
            jwt_secret="x" * 40,
            gateway_secret="a-real-gateway-secret-value",
            order_fault_inject="after_reserve",
        )
    assert OrderSettings(order_fault_inject="after_payment").order_fault_inject == "after_payment"


def test_blank_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_FAULT_INJECT", "")
    monkeypatch.setenv("POSTGRESQL_URI", "")
    settings = OrderSettings()
    assert settings.order_fault_inject is None and settings.postgresql_uri is None
