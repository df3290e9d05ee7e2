"""Catalog and order-list queries at 10k, 100k and 1M rows, loaded in bulk with COPY."""
