"""The store contract: every ProductStore implementation passes these same tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.common.clock import utcnow
from shop.common.errors import AlreadyExists, Conflict
from shop.common.ids import new_id
from shop.products.domain import (
    Line,
    OutOfStock,
    ProductNotFound,
    ProductQuery,
    ReservationClosed,
    ReservationNotFound,
    ReservationStatus,
)
from shop.products.stores.protocol import ProductStore
from tests.integration.products.conftest import assert_balanced, new_product, outbox_events

LATER = timedelta(minutes=15)


async def test_create_and_read_back_with_attributes_as_given(store: ProductStore) -> None:
    attributes = {"color": "red", "size": 42, "tags": ["a", "b"], "dims": {"w": 1.5}}
    created = await store.create_product(new_product(attributes=attributes, price=1999))
    fetched = await store.get_product(created.id)
    assert fetched is not None
    assert fetched.attributes == attributes
    assert (fetched.price, fetched.stock, fetched.stocked) == (1999, 10, 10)
    assert fetched.created_at.tzinfo is not None


async def test_duplicate_sku_is_refused(store: ProductStore) -> None:
    first = await store.create_product(new_product())
    with pytest.raises(AlreadyExists):
        await store.create_product(new_product(sku=first.sku))
    other = await store.create_product(new_product())
    with pytest.raises(AlreadyExists):
        await store.update_product(other.id, {"sku": first.sku})


async def test_unknown_ids_are_not_found(store: ProductStore) -> None:
    for weird in [new_id(), "not-an-id", "", '{"$gt": ""}', "0" * 500]:
        assert await store.get_product(weird) is None
    with pytest.raises(ProductNotFound):
        await store.update_product(new_id(), {"name": "x"})
    with pytest.raises(ProductNotFound):
        await store.delete_product(new_id())
    with pytest.raises(ProductNotFound):
        await store.change_stock(new_id(), delta=1)


async def test_update_and_delete(store: ProductStore) -> None:
    product = await store.create_product(new_product())
    updated = await store.update_product(product.id, {"name": "Renamed", "price": 5})
    assert (updated.name, updated.price, updated.stock) == ("Renamed", 5, 10)
    await store.delete_product(product.id)
    assert await store.get_product(product.id) is None


async def test_catalog_filters(store: ProductStore) -> None:
    cat = new_product().category
    cheap = await store.create_product(
        new_product(category=cat, name="Blue Kettle", price=500, attributes={"color": "blue"})
    )
    dear = await store.create_product(
        new_product(category=cat, name="Red Lamp", price=5000, attributes={"color": "red"})
    )
    empty = await store.create_product(
        new_product(
            category=cat,
            description="KETTLE spare part",
            price=900,
            stock=0,
            attributes={"size": 42},
        )
    )

    async def ids(**kwargs: object) -> list[str]:
        items, _ = await store.list_products(ProductQuery(category=cat, **kwargs))  # type: ignore[arg-type]
        return [p.id for p in items]

    assert set(await ids(search="kettle")) == {cheap.id, empty.id}  # name or description
    assert await ids(min_price=600, sort_by="price", descending=False) == [empty.id, dear.id]
    assert await ids(max_price=900, sort_by="price", descending=True) == [empty.id, cheap.id]
    assert set(await ids(in_stock=True)) == {cheap.id, dear.id}
    assert await ids(in_stock=False) == [empty.id]
    assert await ids(attributes={"color": ["red"]}) == [dear.id]
    assert await ids(attributes={"size": ["42", 42]}) == [empty.id]
    assert await ids(sort_by="name", descending=False) == [cheap.id, dear.id, empty.id]


async def test_search_matches_substrings_across_words(store: ProductStore) -> None:
    cat = new_product().category
    lamp = await store.create_product(
        new_product(category=cat, name="Brass Desk LAMP 123456", description="made in batch 77-b")
    )

    async def found(term: str) -> bool:
        items, total = await store.list_products(ProductQuery(category=cat, search=term))
        assert total == len(items)
        return [p.id for p in items] == [lamp.id]

    # Inside words at both ends, whole words between, any case, either field.
    for term in ("esk lamp 1234", "lamp 123456", "BRASS DESK", "sk lamp", "in batch 77-b"):
        assert await found(term), term
    # One more character, another separator, or name and description run together: no.
    for term in ("lamp 1234567", "desk  lamp", "desk-lamp", "batch 77-c", "123456 made"):
        assert not await found(term), term


async def test_pagination_and_total(store: ProductStore) -> None:
    cat = new_product().category
    for price in range(5):
        await store.create_product(new_product(category=cat, price=price))
    page, total = await store.list_products(
        ProductQuery(category=cat, page=2, limit=2, sort_by="price", descending=False)
    )
    assert total == 5
    assert [p.price for p in page] == [2, 3]


async def test_query_values_are_values_not_operators(store: ProductStore) -> None:
    cat = new_product().category
    await store.create_product(new_product(category=cat, name="100% cotton_shirt"))
    for term in ['{"$gt": ""}', "%", "_", ".*", "\\", "'; DROP TABLE products; --"]:
        items, total = await store.list_products(ProductQuery(category=cat, search=term))
        if term in {"%", "_"}:
            assert total == 1  # the literal character, which the name does contain
        else:
            assert (items, total) == ([], 0)
    _, total = await store.list_products(ProductQuery(category='{"$ne": null}'))
    assert total == 0
    _, total = await store.list_products(
        ProductQuery(category=cat, attributes={"color": ['{"$ne": null}']})
    )
    assert total == 0


async def test_stock_adjust_and_set(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=3))
    assert (await store.change_stock(product.id, delta=4)).stock == 7
    assert (await store.change_stock(product.id, delta=-2)).stock == 5
    with pytest.raises(OutOfStock):
        await store.change_stock(product.id, delta=-6)
    after = await store.change_stock(product.id, set_to=1)
    assert (after.stock, after.stocked) == (1, 1)
    assert_balanced(after)


async def test_reserve_is_all_or_none(store: ProductStore) -> None:
    plenty = await store.create_product(new_product(stock=10))
    scarce = await store.create_product(new_product(stock=1))
    lines = [Line(plenty.id, 3), Line(scarce.id, 2)]
    with pytest.raises(OutOfStock) as short:
        await store.reserve(order_id=new_id(), lines=lines, expires_at=utcnow() + LATER)
    assert scarce.id in short.value.message
    with pytest.raises(ProductNotFound):
        await store.reserve(
            order_id=new_id(),
            lines=[Line(plenty.id, 1), Line(new_id(), 1)],
            expires_at=utcnow() + LATER,
        )
    for p in (plenty, scarce):
        current = await store.get_product(p.id)
        assert current is not None and current.reserved == 0 and current.stock == p.stock


async def test_reserve_again_returns_the_same_reservation(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=5))
    order_id = new_id()
    first = await store.reserve(
        order_id=order_id, lines=[Line(product.id, 2)], expires_at=utcnow() + LATER
    )
    again = await store.reserve(
        order_id=order_id, lines=[Line(product.id, 2)], expires_at=utcnow() + LATER
    )
    assert again.id == first.id and again.status is ReservationStatus.RESERVED
    current = await store.get_product(product.id)
    assert current is not None and (current.stock, current.reserved) == (3, 2)


async def test_reserve_priced_answers_the_held_products(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=5))
    order_id = new_id()
    for held in (3, 3):  # the second call finds the reservation and reads them back
        reservation, products = await store.reserve_priced(
            order_id=order_id, lines=[Line(product.id, 2)], expires_at=utcnow() + LATER
        )
        assert reservation.order_id == order_id and list(products) == [product.id]
        got = products[product.id]
        assert (got.price, got.name, got.stock) == (product.price, product.name, held)


async def test_commit_is_idempotent_and_release_returns_sold_units(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=5))
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 2)], expires_at=utcnow() + LATER)
    for _ in range(2):
        committed = await store.commit_reservation(order_id, now=utcnow())
        assert committed.status is ReservationStatus.COMMITTED
    sold = await store.get_product(product.id)
    assert sold is not None and (sold.stock, sold.reserved, sold.sold) == (3, 0, 2)
    for _ in range(2):
        released = await store.release_reservation(order_id)
        assert released.status is ReservationStatus.RELEASED
    back = await store.get_product(product.id)
    assert back is not None and (back.stock, back.reserved, back.sold) == (5, 0, 0)
    with pytest.raises(ReservationClosed):
        await store.commit_reservation(order_id, now=utcnow())


async def test_release_is_idempotent(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=5))
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 4)], expires_at=utcnow() + LATER)
    await store.release_reservation(order_id)
    await store.release_reservation(order_id)
    current = await store.get_product(product.id)
    assert current is not None and (current.stock, current.reserved) == (5, 0)
    with pytest.raises(ReservationNotFound):
        await store.release_reservation(new_id())
    with pytest.raises(ReservationNotFound):
        await store.commit_reservation(new_id(), now=utcnow())


async def test_expired_reservations_return_units_and_cannot_commit(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=5))
    order_id = new_id()
    expires = utcnow() + timedelta(seconds=30)
    await store.reserve(order_id=order_id, lines=[Line(product.id, 3)], expires_at=expires)
    later = expires + timedelta(seconds=1)
    with pytest.raises(ReservationClosed):  # past its time, not yet swept
        await store.commit_reservation(order_id, now=later)
    assert await store.expire_due(now=later) >= 1
    current = await store.get_product(product.id)
    assert current is not None and (current.stock, current.reserved) == (5, 0)
    reservation = await store.get_reservation(order_id)
    assert reservation is not None and reservation.status is ReservationStatus.EXPIRED
    with pytest.raises(ReservationClosed):
        await store.commit_reservation(order_id, now=utcnow())
    assert (await store.release_reservation(order_id)).status is ReservationStatus.EXPIRED


async def test_low_stock_event_once_per_crossing(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=10, low_stock_threshold=5))
    await store.change_stock(product.id, delta=-4)  # 6: still above
    await store.reserve(order_id=new_id(), lines=[Line(product.id, 2)], expires_at=utcnow() + LATER)
    await store.reserve(order_id=new_id(), lines=[Line(product.id, 1)], expires_at=utcnow() + LATER)
    assert len(await outbox_events(store, product.id)) == 1  # 6 -> 4 crossed; 4 -> 3 did not
    await store.change_stock(product.id, delta=10)  # back above
    await store.change_stock(product.id, set_to=2)  # crosses again
    events = await outbox_events(store, product.id)
    assert len(events) == 2
    assert events[0]["type"] == "product.low_stock"
    assert events[0]["data"]["lowStockThreshold"] == 5


async def test_delete_refused_while_units_are_held(store: ProductStore) -> None:
    product = await store.create_product(new_product(stock=5))
    order_id = new_id()
    await store.reserve(order_id=order_id, lines=[Line(product.id, 1)], expires_at=utcnow() + LATER)
    with pytest.raises(Conflict):
        await store.delete_product(product.id)
    await store.release_reservation(order_id)
    await store.delete_product(product.id)
