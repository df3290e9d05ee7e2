"""Every branch of the placement saga, on fakes (no I/O): what is stored, held, charged
and published at each end."""

from __future__ import annotations

from typing import Any

import pytest

from shop.common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PaymentRequired,
    ServiceUnavailable,
    UpstreamTimeout,
    ValidationFailed,
)
from shop.common.ids import new_id
from shop.orders.domain import Order, OrderStatus, Price
from shop.orders.payments.charges import ChargeStatus
from shop.orders.placement.saga import place_order
from shop.orders.recovery import recover_once
from tests.unit.orders.conftest import World, place

S = OrderStatus
C = ChargeStatus


def only_order(w: World) -> Order:
    [order] = w.uow.orders.orders.values()
    return order


async def test_happy_path_confirms_with_server_prices(world: World) -> None:
    w = world
    user = w.users.new_user()
    a, b = w.products.new_product(price=1250, stock=5), w.products.new_product(price=99)
    order = await place_order(ctx=w.ctx, request=place(user, (a, 2), (b, 1), (a, 1)))
    assert order.status is S.CONFIRMED and order.total == 3 * 1250 + 99
    assert order == w.uow.orders.orders[order.id]  # the answer is what a read would give
    assert [h.to_status for h in order.history] == [S.PENDING, S.CONFIRMED]
    assert w.products.products[a].sold == 3 and w.products.products[a].reserved == 0
    assert w.payments.status_of(order.id) is C.SUCCEEDED
    assert w.uow.payments.records == {order.id: C.SUCCEEDED}
    assert w.uow.event_types(order.id) == ["order.created"]
    assert w.ctx.in_flight == set()


async def test_invalid_user_is_refused_and_nothing_is_stored(world: World) -> None:
    w = world
    a = w.products.new_product()
    with pytest.raises(Forbidden):
        await place_order(ctx=w.ctx, request=place((new_id(), new_id()), (a, 1)))
    assert w.uow.orders.orders == {} and "reserve" not in w.products.calls


async def test_missing_address_is_a_404(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product()
    with pytest.raises(NotFound) as raised:
        await place_order(ctx=w.ctx, request=place((user[0], new_id()), (a, 1)))
    assert raised.value.errors[0]["path"] == "shippingAddressId"
    assert w.uow.orders.orders == {}


async def test_unknown_product_is_a_404(world: World) -> None:
    w = world
    with pytest.raises(NotFound):
        await place_order(ctx=w.ctx, request=place(w.users.new_user(), (new_id(), 1)))
    assert w.uow.orders.orders == {}


async def test_short_stock_is_refused_before_any_order_row(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=1)
    b = w.products.new_product(stock=5)
    with pytest.raises(Conflict) as raised:
        await place_order(ctx=w.ctx, request=place(user, (b, 1), (a, 2)))
    # The body a stock check gives: every short line and what is available of it.
    assert raised.value.message == "Insufficient stock"
    assert raised.value.errors == [{"path": "items", "message": f"{a}: 1 available"}]
    assert w.uow.orders.orders == {} and w.products.held() == {}
    assert w.products.calls == ["reserve", "check"] and w.payments.ledger == {}
    assert w.products.products[b].stock == 5


async def test_unknown_product_is_refused_before_any_order_row(world: World) -> None:
    w = world
    user, a, gone = w.users.new_user(), w.products.new_product(), new_id()
    with pytest.raises(NotFound) as raised:
        await place_order(ctx=w.ctx, request=place(user, (a, 1), (gone, 1)))
    assert raised.value.message == "Product not found"
    assert raised.value.errors == [{"path": "items.productId", "message": gone}]
    assert w.uow.orders.orders == {} and w.products.held() == {}
    assert w.products.products[a].stock == 10


async def test_refused_but_in_stock_again_keeps_the_reservations_word(world: World) -> None:
    """Units came back between the refusal and the check: still a 409, nothing held."""
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.products.errors["reserve"] = Conflict("Insufficient stock for product x")
    with pytest.raises(Conflict) as raised:
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    assert raised.value.errors == [{"path": "items", "message": "Insufficient stock for product x"}]
    assert w.uow.orders.orders == {} and w.products.products[a].stock == 3


async def test_prices_come_from_the_reservation_not_a_check(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(price=777, stock=2)
    order = await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    assert order.total == 2 * 777 and order.items[0].name == f"Product {a[:6]}"
    assert "check" not in w.products.calls


async def test_a_product_service_without_prices_in_reserve_is_checked(world: World) -> None:
    w = world
    w.products.prices_in_reserve = False
    user, a = w.users.new_user(), w.products.new_product(price=250, stock=2)
    order = await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    assert order.total == 500 and order.items[0].name == f"Product {a[:6]}"
    assert w.products.calls[:2] == ["reserve", "check"]


async def test_prices_check_failing_releases_the_reservation(world: World) -> None:
    w = world
    w.products.prices_in_reserve = False
    w.products.errors["check"] = ServiceUnavailable("down")
    user, a = w.users.new_user(), w.products.new_product(stock=2)
    with pytest.raises(ServiceUnavailable):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    assert w.uow.orders.orders == {} and w.products.held() == {}
    assert w.products.products[a].stock == 2


async def test_bad_token_is_refused_before_any_call(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product()
    with pytest.raises(ValidationFailed):
        await place_order(ctx=w.ctx, request=place(user, (a, 1), token="tok_bogus"))
    assert w.products.calls == []


@pytest.mark.parametrize("down", ["users", "products"])
async def test_a_peer_down_at_the_checks_stores_nothing(world: World, down: str) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product()
    if down == "users":
        w.users.error = ServiceUnavailable("user service unavailable")
    else:
        w.products.errors["reserve"] = ServiceUnavailable("product service unavailable")
    with pytest.raises(ServiceUnavailable):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    assert w.uow.orders.orders == {}


@pytest.mark.parametrize("error", [ServiceUnavailable("down"), UpstreamTimeout("slow")])
async def test_reserve_unknown_outcome_is_released_and_nothing_stored(
    world: World, error: Exception
) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.products.errors["reserve"] = error  # type: ignore[assignment]
    with pytest.raises(ServiceUnavailable, match="reservation failed"):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    assert w.uow.orders.orders == {} and w.payments.ledger == {}
    assert w.products.calls == ["reserve", "release"]  # whatever it may hold goes back
    assert w.products.products[a].stock == 3


async def test_reserve_taken_but_reply_lost_is_given_back(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    original = w.products.reserve

    async def reserve_then_time_out(**kwargs: Any) -> list[Price]:
        await original(**kwargs)
        raise UpstreamTimeout("reply lost")

    w.products.reserve = reserve_then_time_out  # type: ignore[method-assign]
    with pytest.raises(ServiceUnavailable):
        await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    assert w.uow.orders.orders == {} and w.products.held() == {}
    assert w.products.products[a].stock == 3


async def test_reserve_in_doubt_and_release_failing_is_recorded_for_recovery(
    world: World,
) -> None:
    # The product service took the units, then died: neither the reply nor the release
    # gets through. A FAILED order (prices unknown) is the record recovery settles from.
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    original = w.products.reserve

    async def reserve_then_die(**kwargs: Any) -> list[Price]:
        await original(**kwargs)
        w.products.errors["release"] = ServiceUnavailable("down")
        raise ServiceUnavailable("connection reset")

    w.products.reserve = reserve_then_die  # type: ignore[method-assign]
    with pytest.raises(ServiceUnavailable, match="reservation failed"):
        await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    order = only_order(w)
    assert (order.status, order.failure_code, order.total) == (S.FAILED, 503, 0)
    assert w.products.held() == {order.id: "reserved"} and order.id not in w.uow.orders.settled
    w.products.errors.clear()
    await recover_once(w.ctx)
    assert w.products.held() == {} and w.products.products[a].stock == 3
    assert order.id in w.uow.orders.settled and w.payments.ledger[order.id].status is C.VOIDED


async def test_declined_payment_is_a_402_and_releases_stock(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=4)
    with pytest.raises(PaymentRequired):
        await place_order(ctx=w.ctx, request=place(user, (a, 3), token="tok_declined"))
    order = only_order(w)
    assert order.status is S.FAILED and order.failure_code == 402
    assert w.products.products[a].stock == 4 and w.products.products[a].reserved == 0
    assert w.payments.status_of(order.id) is C.DECLINED
    assert w.uow.payments.records == {order.id: C.DECLINED}
    assert w.uow.event_types(order.id) == ["order.status_changed"]
    assert order.id in w.uow.orders.settled


async def test_charge_timeout_leaves_pending_for_recovery(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.payments.charge_error = UpstreamTimeout("payment provider timed out")
    with pytest.raises(UpstreamTimeout):
        await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    order = only_order(w)
    assert order.status is S.PENDING and w.products.products[a].reserved == 2
    w.leases_run_out()
    await recover_once(w.ctx)
    order = only_order(w)
    # The charge never landed: recovery fences it off and gives the stock back.
    assert order.status is S.FAILED and order.failure_code == 503
    assert w.payments.status_of(order.id) is C.VOIDED
    assert w.products.products[a].stock == 3


async def test_charge_taken_but_reply_lost_is_confirmed_by_recovery(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.payments.charge_error, w.payments.lost_reply = UpstreamTimeout("lost"), True
    with pytest.raises(UpstreamTimeout):
        await place_order(ctx=w.ctx, request=place(user, (a, 2)))
    w.leases_run_out()
    await recover_once(w.ctx)
    order = only_order(w)
    assert order.status is S.CONFIRMED and w.products.products[a].sold == 2
    assert w.uow.event_types(order.id) == ["order.created"]


@pytest.mark.parametrize("error", [Conflict("reservation closed"), NotFound("no reservation")])
async def test_stock_commit_refused_refunds_the_charge(world: World, error: Exception) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.products.errors["reduce"] = error  # type: ignore[assignment]
    with pytest.raises(Conflict):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    order = only_order(w)
    assert order.status is S.FAILED and order.failure_code == 409
    assert w.payments.status_of(order.id) is C.REFUNDED
    assert w.uow.payments.records == {order.id: C.REFUNDED}
    assert w.products.products[a].stock == 3


async def test_expired_reservation_refunds_the_charge(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    original = w.payments.charge

    async def charge_then_expire(*, order_id: str, amount: int, token: str) -> object:
        charge = await original(order_id=order_id, amount=amount, token=token)
        w.products.expire(order_id)
        return charge

    w.payments.charge = charge_then_expire  # type: ignore[method-assign,assignment]
    with pytest.raises(Conflict):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    assert only_order(w).status is S.FAILED
    assert w.payments.status_of(only_order(w).id) is C.REFUNDED


async def test_stock_commit_unavailable_is_finished_by_recovery(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.products.errors["reduce"] = ServiceUnavailable("down")
    with pytest.raises(ServiceUnavailable):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    assert only_order(w).status is S.PENDING
    w.products.errors.clear()
    w.leases_run_out()
    await recover_once(w.ctx)
    order = only_order(w)
    assert order.status is S.CONFIRMED and w.products.products[a].sold == 1
    assert w.payments.status_of(order.id) is C.SUCCEEDED


async def test_confirm_commit_failing_leaves_pending_for_recovery(world: World) -> None:
    w = world
    user, a = w.users.new_user(), w.products.new_product(stock=3)
    w.uow.failing_commit = 2  # the first commit stores PENDING, the second confirms
    with pytest.raises(ConnectionError):
        await place_order(ctx=w.ctx, request=place(user, (a, 1)))
    assert only_order(w).status is S.PENDING and w.uow.event_types(only_order(w).id) == []
    w.leases_run_out()
    await recover_once(w.ctx)
    order = only_order(w)
    assert order.status is S.CONFIRMED and w.uow.event_types(order.id) == ["order.created"]
    assert w.products.products[a].sold == 1 and w.payments.status_of(order.id) is C.SUCCEEDED
