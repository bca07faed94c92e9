"""WSGI entry point. `salesdesk serve` starts gunicorn with --preload: the application (Django,
every app, the pinyin dictionaries) is loaded once in the master process and shared by the worker
processes copy-on-write. warm_up() also loads before the fork what a first request would (the URL
configuration with the API's schemas, the translation catalogues); tune_gc() freezes all those
objects (the collector neither scans nor copies them in the workers) and raises the collection
threshold (salesdesk/core/runtime.py, D54, D55)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

from salesdesk.core.runtime import tune_gc, warm_up  # noqa: E402 - after Django is set up

warm_up()
tune_gc()
