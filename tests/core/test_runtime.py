"""D54: a serving process freezes what it has loaded and raises the collector's threshold."""

from __future__ import annotations

import gc

from salesdesk.core.runtime import THRESHOLDS, tune_gc


def test_tune_gc_freezes_loaded_objects_and_raises_the_threshold():
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == THRESHOLDS == (50_000, 20, 100)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert gc.get_freeze_count() == 0
