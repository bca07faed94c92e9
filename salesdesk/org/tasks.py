"""Periodic jobs of the organisation app: expired-session clean-up (ORG-5).

Idempotent and locked like every periodic job (see salesdesk/core/tasks.py). Crontab times are UTC.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="7"), name="expired_sessions_cleanup")
@lock_task("salesdesk-expired-sessions-cleanup")
def expired_sessions_cleanup() -> int:
    """Hourly: delete expired sessions (what `manage.py clearsessions` does). Returns how many."""
    from django.conf import settings
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        # Other engines expire on their own or via their own clear_expired().
        from importlib import import_module

        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        return 0
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    logger.info("expired sessions: %s removed", deleted)
    return deleted
