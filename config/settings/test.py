"""Test settings: fast hashing, jobs in immediate mode, in-memory email."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, HUEY

SECRET_KEY = "salesdesk-test-key-" + "x" * 40
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY = {**HUEY, "immediate": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A test-only business model exercising the generic scoping and recycle-bin machinery.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.scoping_app"]  # noqa: F405
