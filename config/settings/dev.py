"""Local single-machine settings: the default for `salesdesk serve` and `manage.py`."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool

DEBUG = env_bool("DEBUG", False)
# A fixed development key is acceptable only because this module never runs in production;
# production.py refuses to start without SECRET_KEY.
SECRET_KEY = SECRET_KEY or "salesdesk-local-development-key-not-for-production"

# Single-machine use: static files are served straight from the package by WhiteNoise's finders,
# so no collectstatic manifest is needed. Production keeps the hashed manifest storage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
