"""The product service: catalog, search and an inventory that never oversells.

Store: MongoDB when MONGODB_URI is set (a replica set: multi-document changes use
transactions), else SQL via PRODUCT_SQL_URI (postgresql:// -> JSONB), else SQLite at
DATA_DIR/products.db. Both implement `stores.protocol.ProductStore` and pass the same
contract tests (docs/CONVENTIONS.md, "Map: products", shows where everything lives).

Catalog query parameters (GET /products): searchTerm (case-insensitive substring of name
or description, matched literally), category (exact), minPrice/maxPrice (integer cents,
inclusive), inStock (true/false), page (from 1), limit (1-100, default 20), sortBy
(price | name | createdAt, default createdAt), sortOrder (asc | desc, default desc), and
attribute filters `attr.<name>=<value>`: exact match of attribute <name> (letters, digits,
_ and -) against the value as a string or, when it parses as a JSON scalar, that scalar
(`attr.size=42` matches 42 and "42"; `attr.gift=true` matches true). At most 5 of them,
all of which must hold. Unknown parameters (e.g. `minPrice[$gt]`) are ignored.

Stock per product: `stock` (on hand, reservable), `reserved` (held by live reservations),
`sold` (committed); `stock + reserved + sold` always equals units ever stocked. A
reservation moves reserved -> committed (sold) or -> released/expired (units back).
Releasing a committed reservation (a cancelled confirmed order) returns its sold units.
"""
