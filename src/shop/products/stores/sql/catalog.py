"""The catalog query of the SQL store: filters, sort, page and a bounded total.

Statements are built once per shape and reused with fresh parameters: building a Select
(and its cache key) per request cost more than running the query on PostgreSQL.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB

from shop.products.domain import ProductQuery
from shop.products.stores.sql.models import products
from shop.products.stores.sql.search_words import substring_test, word_query, word_search

_SORT_COLUMNS = {
    "price": products.c.price,
    "name": products.c.name,
    "createdAt": products.c.created_at,
}


def escape_like(term: str) -> str:
    """The term as a literal LIKE pattern fragment ('%' and '_' match themselves)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


CATALOG_TOTAL = "catalog_total"
_CATALOG_SHAPES = 256  # filter combinations kept; attribute names make them unbounded
# Matches are counted up to this many, past it the total is an estimate (catalog_reads.py):
# counting every match of a common word in a million products costs more than the page.
TOTAL_CAP = 1000
# Where PostgreSQL expects this many matches, the page is read without counting them.
ESTIMATE_ONLY = 10 * TOTAL_CAP
_INDEXED_TERM = 3  # the trigram index (FTS5 on SQLite) needs three characters
# How a term is searched: a scan, the trigram index, (PostgreSQL) the word index first, or
# in sort order, for a common term on a page no deeper than SORT_ORDER_DEPTH rows.
_SCAN, _TRIGRAMS, _WORDS, _IN_SORT_ORDER = "scan", "trigrams", "words", "in sort order"
SORT_ORDER_DEPTH = 200


def catalog_params(query: ProductQuery, *, dialect: str) -> dict[str, Any]:
    """The values bound into `catalog_statement(catalog_shape(query), ...)`."""
    params: dict[str, Any] = {"limit": query.limit, "offset": (query.page - 1) * query.limit}
    if query.search:
        params["search"] = f"%{escape_like(query.search.lower())}%"
        # An FTS5 phrase: with the trigram tokenizer, a substring match, case-insensitive.
        params["fts"] = '"' + query.search.replace('"', '""') + '"'
        params["term"] = query.search.lower()
        params["words"] = word_query(query.search)
    if query.category is not None:
        params["category"] = query.category
    if query.min_price is not None:
        params["min_price"] = query.min_price
    if query.max_price is not None:
        params["max_price"] = query.max_price
    for i, (key, values) in enumerate(query.attributes.items()):
        for j, value in enumerate(values):
            # PostgreSQL matches by JSONB containment of the one-key document.
            params[f"attr_{i}_{j}"] = {key: value} if dialect == "postgresql" else value
    return params


def catalog_shape(query: ProductQuery) -> tuple[Any, ...]:
    """What decides the SQL text of a catalog query (not the values bound into it)."""
    search = None
    if query.search:
        search = _SCAN if len(query.search) < _INDEXED_TERM else _TRIGRAMS
        if word_query(query.search) is not None:
            search = _WORDS
    return (
        search,  # None: no search, else how the term is searched
        query.category is not None,
        query.min_price is not None,
        query.max_price is not None,
        query.in_stock,
        tuple((key, len(values)) for key, values in query.attributes.items()),
        query.sort_by,
        query.descending,
    )


def in_sort_order(shape: tuple[Any, ...]) -> tuple[Any, ...]:
    """A common term's search, read by walking the sort index: the trigram index would hand
    PostgreSQL all its matches to sort for one page (~25 ms for a word in 1 in 50 of 1M
    products); strpos, which that index cannot serve, leaves only the walk (~1-3 ms)."""
    return (_IN_SORT_ORDER, *shape[1:]) if shape[0] in (_TRIGRAMS, _WORDS) else shape


def _catalog_filters(shape: tuple[Any, ...], *, dialect: str) -> list[ColumnElement[bool]]:
    """WHERE clauses for a catalog query shape; every value is a bound parameter."""
    search, category, min_price, max_price, in_stock, attributes = shape[:6]
    conditions: list[ColumnElement[bool]] = []
    if search in (_TRIGRAMS, _WORDS) and dialect == "sqlite":
        conditions.append(
            literal_column("products.rowid").in_(
                text("SELECT rowid FROM products_fts WHERE products_fts MATCH :fts")
            )
        )
    elif search == _WORDS:
        conditions.extend(word_search())
    elif search == _IN_SORT_ORDER:
        conditions.append(substring_test())
    elif search is not None:
        pattern: BindParameter[str] = bindparam("search")
        conditions.append(
            or_(
                func.lower(products.c.name).like(pattern, escape="\\"),
                func.lower(products.c.description).like(pattern, escape="\\"),
            )
        )
    if category:
        conditions.append(products.c.category == bindparam("category"))
    if min_price:
        conditions.append(products.c.price >= bindparam("min_price"))
    if max_price:
        conditions.append(products.c.price <= bindparam("max_price"))
    if in_stock is not None:
        conditions.append(products.c.stock > 0 if in_stock else products.c.stock == 0)
    for i, (key, count) in enumerate(attributes):
        names = [f"attr_{i}_{j}" for j in range(count)]
        conditions.append(or_(*(_attribute_equals(key, name, dialect=dialect) for name in names)))
    return conditions


def _attribute_equals(key: str, name: str, *, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # JSONB containment: exact match of one key, served by the GIN index.
        return type_coerce(products.c.attributes, JSONB).contains(bindparam(name, type_=JSONB))
    # Keys are validated to [A-Za-z0-9_-] upstream, so the JSON path cannot be escaped.
    extracted = func.json_extract(products.c.attributes, f'$."{key}"')
    matches: ColumnElement[bool] = extracted == bindparam(name)
    return matches


def _bounded_count(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    """How many rows match, counted no further than TOTAL_CAP + 1."""
    matches = select(products.c.id).where(*conditions).limit(TOTAL_CAP + 1).subquery()
    return select(func.count().label(CATALOG_TOTAL)).select_from(matches)


@lru_cache(maxsize=_CATALOG_SHAPES)
def catalog_page(shape: tuple[Any, ...], *, dialect: str, counted: bool = True) -> Select[Any]:
    """One page of the catalog, each row carrying the bounded number of matches (when
    `counted`; else the total is NULL: the caller has an estimate)."""
    sort_by, descending = shape[6:]
    column = _SORT_COLUMNS[sort_by]
    order = column.desc() if descending else column.asc()
    tiebreak = products.c.id.desc() if descending else products.c.id.asc()
    conditions = _catalog_filters(shape, dialect=dialect)
    # The total comes with the page, in the same round trip: an uncorrelated scalar
    # subquery runs once. Sorting by (column, id) lets an index deliver the page in order.
    total = (
        _bounded_count(conditions).scalar_subquery() if counted else literal_column("NULL")
    ).label(CATALOG_TOTAL)
    # Deferred join: the page's ids are found first (from the sort index alone when no
    # filter needs the row), and only those rows are read; a deep OFFSET then skips index
    # entries, not table rows scattered over the whole catalog.
    page_ids = (
        select(products.c.id)
        .where(*conditions)
        .order_by(order, tiebreak)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )
    return select(products, total).where(products.c.id.in_(page_ids)).order_by(order, tiebreak)


@lru_cache(maxsize=_CATALOG_SHAPES)
def catalog_count(shape: tuple[Any, ...], *, dialect: str) -> Select[Any]:
    """The bounded number of matches alone, for a page past the last one (it has no rows)."""
    return _bounded_count(_catalog_filters(shape, dialect=dialect))


@lru_cache(maxsize=_CATALOG_SHAPES)
def catalog_matches(shape: tuple[Any, ...], *, dialect: str) -> Select[Any]:
    """Every match (for the planner's estimate of how many there are; never run)."""
    return select(products.c.id).where(*_catalog_filters(shape, dialect=dialect))


@lru_cache(maxsize=_CATALOG_SHAPES)
def catalog_exact_count(shape: tuple[Any, ...], *, dialect: str) -> Select[Any]:
    """Every match counted (SQLite, whose planner gives no row estimate)."""
    conditions = _catalog_filters(shape, dialect=dialect)
    return select(func.count().label(CATALOG_TOTAL)).select_from(products).where(*conditions)
