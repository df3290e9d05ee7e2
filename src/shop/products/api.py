"""REST routes: translate HTTP to use cases and back; no business rule lives here."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from shop.common.envelope import page_meta, success
from shop.common.http_app import CurrentAdmin
from shop.products import service
from shop.products.domain import ProductQuery
from shop.products.schemas import (
    ProductCreate,
    ProductUpdate,
    StockChange,
    attribute_filters,
    product_out,
)
from shop.products.store import ProductStore

router = APIRouter(prefix="/products", tags=["products"])


def get_store(request: Request) -> ProductStore:
    store: ProductStore = request.app.state.store
    return store


Store = Annotated[ProductStore, Depends(get_store)]


@router.get("")
async def list_products(
    request: Request,
    store: Store,
    search_term: Annotated[str | None, Query(alias="searchTerm", max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    min_price: Annotated[int | None, Query(alias="minPrice", ge=0)] = None,
    max_price: Annotated[int | None, Query(alias="maxPrice", ge=0)] = None,
    in_stock: Annotated[bool | None, Query(alias="inStock")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    sort_by: Annotated[Literal["price", "name", "createdAt"], Query(alias="sortBy")] = "createdAt",
    sort_order: Annotated[Literal["asc", "desc"], Query(alias="sortOrder")] = "desc",
) -> dict[str, Any]:
    """The public catalog; filter on attributes with `attr.<name>=<value>`."""
    query = ProductQuery(
        search=search_term or None,
        category=category or None,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        attributes=attribute_filters(list(request.query_params.multi_items())),
        page=page,
        limit=limit,
        sort_by=sort_by,
        descending=sort_order == "desc",
    )
    items, total = await service.list_products(store=store, query=query)
    return success(
        [product_out(p) for p in items], meta=page_meta(page=page, limit=limit, total=total)
    )


@router.get("/{product_id}")
async def get_product(product_id: str, store: Store) -> dict[str, Any]:
    product = await service.get_product(store=store, product_id=product_id)
    return success(product_out(product))


@router.post("", status_code=201)
async def create_product(body: ProductCreate, store: Store, _: CurrentAdmin) -> dict[str, Any]:
    product = await service.create_product(store=store, new=body.to_domain())
    return success(product_out(product), "Product created")


@router.patch("/{product_id}")
async def update_product(
    product_id: str, body: ProductUpdate, store: Store, _: CurrentAdmin
) -> dict[str, Any]:
    product = await service.update_product(
        store=store, product_id=product_id, changes=body.changes()
    )
    return success(product_out(product), "Product updated")


@router.delete("/{product_id}")
async def delete_product(product_id: str, store: Store, _: CurrentAdmin) -> dict[str, Any]:
    await service.delete_product(store=store, product_id=product_id)
    return success({"id": product_id}, "Product deleted")


@router.patch("/{product_id}/stock")
async def change_stock(
    product_id: str, body: StockChange, store: Store, _: CurrentAdmin
) -> dict[str, Any]:
    product = await service.change_stock(
        store=store, product_id=product_id, delta=body.delta, stock=body.stock
    )
    return success(product_out(product), "Stock updated")
