"""D54, D55: a serving process loads before the fork what a first request would, freezes what
it has loaded and raises the collector's threshold."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

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


WARM_UP_PROBE = """
import sys
from django.conf import settings
from django.db import connections
from django.urls import get_resolver
from django.utils.translation import trans_real
import django
django.setup()
assert "salesdesk.api.v1.customers" not in sys.modules
assert not get_resolver()._populated
assert "en" not in trans_real._translations  # the default language is loaded by set-up
from salesdesk.core.runtime import warm_up
warm_up()
print(sorted(trans_real._translations))
print(get_resolver()._populated, "salesdesk.api.v1.customers" in sys.modules)
print([c.connection is None for c in connections.all()])
"""


def test_warm_up_loads_the_url_configuration_and_catalogues_and_closes_connections():
    # A process of its own: this one has long loaded both.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", WARM_UP_PROBE], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['en', 'zh-hans']", "True True", "[True]"]
