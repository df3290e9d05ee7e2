"""`python -m shop.launcher` (what `make run` runs): the whole platform in the foreground."""

from __future__ import annotations

from shop.launcher.foreground import main

if __name__ == "__main__":
    raise SystemExit(main())
