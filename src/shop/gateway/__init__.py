"""The API gateway: one lean ASGI process that authenticates, limits and proxies."""
