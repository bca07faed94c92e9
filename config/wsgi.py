"""WSGI entry point. `salesdesk serve` starts gunicorn with --preload: the application (Django,
every app, the pinyin dictionaries) is loaded once in the master process and shared by the worker
processes copy-on-write; gc.freeze() keeps the garbage collector from touching (and so copying)
those objects in the workers."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()
gc.freeze()
