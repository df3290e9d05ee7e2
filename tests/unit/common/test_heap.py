"""Start-up objects are frozen out of the collector's sight."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shop.common.heap import YOUNG_COLLECTION_THRESHOLD, freeze_startup_objects


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_objects_alive_at_start_up_are_no_longer_walked_by_collections() -> None:
    gc.unfreeze()
    built_at_start_up = [{"pool": i} for i in range(1000)]
    freeze_startup_objects()
    assert gc.get_freeze_count() >= len(built_at_start_up)
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
