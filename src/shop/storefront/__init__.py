"""The web storefront (`/`) and admin console (`/admin`): static files the gateway serves.

No Python runs here: the pages are plain HTML, CSS and ES modules under `static/` that talk
to the public REST API through the gateway, like any other client.
"""
