"""Pure rules of the product service: no I/O."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shop.common.errors import ValidationFailed
from shop.products.domain import Line, ProductQuery, crossed_below
from shop.products.schemas import ProductCreate, ProductUpdate, StockChange, attribute_filters
from shop.products.service import merge_lines
from shop.products.settings import ProductSettings
from shop.products.stores.mongo.documents import catalog_filter


@pytest.mark.parametrize(
    ("before", "after", "threshold", "crossed"),
    [
        (5, 4, 5, True),
        (10, 0, 5, True),
        (4, 3, 5, False),
        (6, 5, 5, False),
        (3, 8, 5, False),
        (1, 0, 0, False),
    ],
)
def test_low_stock_is_a_crossing(before: int, after: int, threshold: int, crossed: bool) -> None:
    assert crossed_below(before=before, after=after, threshold=threshold) is crossed


def test_lines_are_merged_and_validated() -> None:
    assert merge_lines([("a", 1), ("b", 2), ("a", 3)]) == [Line("a", 4), Line("b", 2)]
    for bad in ([], [("a", 0)], [("a", -1)], [("", 1)]):
        with pytest.raises(ValidationFailed):
            merge_lines(bad)


def test_attribute_filters_accept_strings_and_scalars() -> None:
    params = [("attr.color", "red"), ("attr.size", "42"), ("attr.new", "true"), ("page", "1")]
    assert attribute_filters(params) == {
        "color": ["red"],
        "size": ["42", 42],
        "new": ["true", True],
    }


@pytest.mark.parametrize("key", ["attr.$where", "attr.a.b", "attr.", "attr.x y"])
def test_attribute_filter_names_cannot_carry_operators(key: str) -> None:
    with pytest.raises(ValidationFailed):
        attribute_filters([(key, "1")])


def test_mongo_filter_keeps_values_as_values() -> None:
    query = ProductQuery(search='{"$gt": ""}', category='{"$ne": null}', min_price=0)
    selector = catalog_filter(query)
    assert selector["category"] == {"$eq": '{"$ne": null}'}
    assert selector["$or"][0]["name"]["$regex"] == '\\{"\\$gt":\\ ""\\}'
    assert selector["price"] == {"$gte": 0}


def test_money_and_counts_are_strict_integers() -> None:
    base = {"name": "n", "price": 1, "category": "c", "sku": "S-1", "stock": 0}
    assert ProductCreate.model_validate(base).price == 1
    for field, value in [("price", 1.5), ("price", "1"), ("stock", -1), ("sku", "a b")]:
        with pytest.raises(ValidationError):
            ProductCreate.model_validate({**base, field: value})
    with pytest.raises(ValidationError):
        ProductCreate.model_validate({**base, "extra": 1})


def test_update_refuses_nulls_and_stock() -> None:
    assert ProductUpdate.model_validate({"lowStockThreshold": 3}).changes() == {
        "low_stock_threshold": 3
    }
    for payload in ({"name": None}, {"stock": 3}):
        with pytest.raises(ValidationError):
            ProductUpdate.model_validate(payload)


def test_stock_change_needs_exactly_one() -> None:
    assert StockChange.model_validate({"delta": -2}).delta == -2
    for payload in ({}, {"delta": 1, "stock": 2}):
        with pytest.raises(ValidationError):
            StockChange.model_validate(payload)


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("PRODUCT_SERVICE_PORT", "PRODUCT_SERVICE_GRPC_PORT", "MONGODB_URI"):
        monkeypatch.delenv(name, raising=False)
    settings = ProductSettings(product_sql_uri="postgresql://x/y")
    assert (settings.product_service_port, settings.product_service_grpc_port) == (3002, 50051)
    assert settings.sql_url() == "postgresql://x/y"
    assert settings.reservation_ttl_seconds == 900
