"""The collector's view of a long-lived process's heap."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Moves everything built at start-up out of the collector's sight.

    Modules, settings, apps, pools and compiled statements live as long as the process;
    without this, every full collection walks them all again under load (about a tenth of
    the gateway's CPU; several percent of an order's in the order and product services).
    """
    gc.collect()
    gc.freeze()
