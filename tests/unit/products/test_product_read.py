"""The read path's hand-written product JSON and the documented ProductRead are one shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shop.products.domain import Product
from shop.products.schemas import ProductRead, product_out


def _product(created_at: datetime) -> Product:
    return Product(
        id="p1",
        name="Desk Lamp",
        description="",
        price=3499,
        category="home",
        sku="HOME-LAMP-01",
        stock=22,
        reserved=1,
        sold=2,
        stocked=25,
        low_stock_threshold=5,
        attributes={"color": "brass", "watts": 40.5, "tags": ["a"], "none": None},
        created_at=created_at,
        updated_at=datetime(2024, 6, 2, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "created_at",
    [datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=UTC), datetime(2024, 6, 1), datetime.now(UTC)],
)
def test_product_out_writes_exactly_what_product_read_serialises(created_at: datetime) -> None:
    product = _product(created_at)
    documented = ProductRead.model_validate(product).model_dump(mode="json", by_alias=True)
    written = product_out(product)
    assert written == documented
    assert list(written) == list(documented)  # same key order, so the same bytes
