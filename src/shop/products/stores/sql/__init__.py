"""The SQL store (SQLite by default, PostgreSQL with JSONB): `store.SqlProductStore`."""
