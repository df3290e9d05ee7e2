"""REST shapes: camelCase JSON in and out, integer cents, strict integers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field, StrictInt, field_serializer, model_validator
from pydantic.alias_generators import to_camel

from shop.common.errors import ValidationFailed
from shop.common.rest_models import CamelIn, CamelOut
from shop.products.domain import NewProduct, Product

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
ATTRIBUTE_PREFIX = "attr."
_ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_ATTRIBUTE_FILTERS = 5


class ProductCreate(CamelIn):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    price: StrictInt = Field(ge=0)
    category: str = Field(min_length=1, max_length=100)
    sku: str = Field(min_length=1, max_length=100, pattern=SKU_PATTERN)
    stock: StrictInt = Field(ge=0)
    low_stock_threshold: StrictInt = Field(default=0, ge=0)
    attributes: dict[str, Any] = Field(default_factory=dict)

    def to_domain(self) -> NewProduct:
        return NewProduct(**self.model_dump())


class ProductUpdate(CamelIn):
    """Catalog fields only; stock moves through PATCH /products/{id}/stock."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    price: StrictInt | None = Field(default=None, ge=0)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    sku: str | None = Field(default=None, min_length=1, max_length=100, pattern=SKU_PATTERN)
    low_stock_threshold: StrictInt | None = Field(default=None, ge=0)
    attributes: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ProductUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{to_camel(name)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class StockChange(CamelIn):
    """Exactly one of `delta` (add or remove units) or `stock` (set on-hand units)."""

    delta: StrictInt | None = None
    stock: StrictInt | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> StockChange:
        if (self.delta is None) == (self.stock is None):
            raise ValueError("give exactly one of delta or stock")
        return self


class CatalogParams(BaseModel):
    """GET /products query parameters; `attr.<name>` filters are read apart."""

    search_term: str | None = Field(default=None, alias="searchTerm", max_length=200)
    category: str | None = Field(default=None, max_length=100)
    min_price: int | None = Field(default=None, alias="minPrice", ge=0)
    max_price: int | None = Field(default=None, alias="maxPrice", ge=0)
    in_stock: bool | None = Field(default=None, alias="inStock")
    page: int = Field(default=1, ge=1, le=100_000)
    limit: int = Field(default=20, ge=1, le=100)
    sort_by: Literal["price", "name", "createdAt"] = Field(default="createdAt", alias="sortBy")
    sort_order: Literal["asc", "desc"] = Field(default="desc", alias="sortOrder")

    @classmethod
    def openapi_parameters(cls) -> list[dict[str, Any]]:
        """The fields as OpenAPI query parameters."""
        schema = cls.model_json_schema(by_alias=True)
        return [
            {"name": name, "in": "query", "required": False, "schema": field}
            for name, field in schema["properties"].items()
        ]


class ProductRead(CamelOut):
    """The contract's product shape (plus reserved and updatedAt) in every product route."""

    id: str
    name: str
    description: str
    price: int = Field(description="integer cents")
    category: str
    sku: str
    stock: int = Field(description="units on hand and free to reserve")
    reserved: int = Field(description="units held by live reservations")
    low_stock_threshold: int
    attributes: dict[str, Any]
    created_at: datetime = Field(json_schema_extra={"format": "date-time"})
    updated_at: datetime = Field(json_schema_extra={"format": "date-time"})

    @field_serializer("created_at", "updated_at")
    def _iso(self, value: datetime) -> str:
        return value.isoformat()  # as product_out writes it


class ProductDeleted(CamelOut):
    id: str


def product_out(product: Product) -> dict[str, Any]:
    """`ProductRead`'s JSON written by hand for the read path: no model built per row.

    A unit test holds the two to the same output; the OpenAPI test holds both to the schema.
    """
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price": product.price,
        "category": product.category,
        "sku": product.sku,
        "stock": product.stock,
        "reserved": product.reserved,
        "lowStockThreshold": product.low_stock_threshold,
        "attributes": product.attributes,
        "createdAt": product.created_at.isoformat(),
        "updatedAt": product.updated_at.isoformat(),
    }


def attribute_filters(params: list[tuple[str, str]]) -> dict[str, list[Any]]:
    """`attr.<name>=<value>` query parameters as exact-match filters.

    A value matches the attribute equal to it as a string or, when it parses as a JSON
    scalar, equal to that scalar (`attr.size=42` finds 42 and "42"). Names are restricted
    to [A-Za-z0-9_-] so no filter can smuggle an operator or a path into either store.
    """
    filters: dict[str, list[Any]] = {}
    for key, value in params:
        if not key.startswith(ATTRIBUTE_PREFIX):
            continue
        name = key[len(ATTRIBUTE_PREFIX) :]
        if not _ATTRIBUTE_KEY.match(name):
            raise ValidationFailed(
                "Invalid attribute filter",
                errors=[{"path": key, "message": "attribute names use letters, digits, _ and -"}],
            )
        filters[name] = _candidates(value)
    if len(filters) > MAX_ATTRIBUTE_FILTERS:
        raise ValidationFailed(f"At most {MAX_ATTRIBUTE_FILTERS} attribute filters")
    return filters


def _candidates(value: str) -> list[Any]:
    candidates: list[Any] = [value]
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return candidates
    if isinstance(parsed, bool | int | float):
        candidates.append(parsed)
    return candidates
