"""WSGI entry point. `salesdesk serve` starts gunicorn with --preload: the application (Django,
every app, the pinyin dictionaries) is loaded once in the master process and shared by the worker
processes copy-on-write; tune_gc() freezes those objects (the collector neither scans nor copies
them in the workers) and raises the collection threshold (salesdesk/core/runtime.py, D54)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

from salesdesk.core.runtime import tune_gc  # noqa: E402 - after Django is set up

tune_gc()
