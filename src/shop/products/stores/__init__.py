"""Persistence of the product service: only this folder knows a database.

`protocol.py` (the store interfaces), `inventory.py` (the stock flows, shared by both
stores), `sql/` (SQLite or PostgreSQL: tables, Alembic migrations, outbox table) and
`mongo/` (MongoDB: documents, indexes, outbox collection and its relay).
"""
