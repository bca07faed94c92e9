"""Periodic jobs of the core app (Huey; see docs/architecture.md, "Jobs").

Every periodic task is idempotent and holds a Huey lock while it runs, so two consumers (several
job workers in production) never run the same job at the same time; a run that finds the lock
taken is skipped and the next run catches up. Locks have no expiry (Redis before 7.4 cannot
expire them); a worker that crashed mid-job leaves its lock behind, which `run_huey --flush-locks`
clears at start-up (`salesdesk serve` always passes it). The jobs are idempotent, so a lock
flushed while a job runs elsewhere costs at most duplicate work, never wrong data.

Huey stores no results of periodic tasks: call `task.call_local()` for the return value.

Crontab times are UTC (Huey's default): 19:30 UTC is 03:30 in Asia/Shanghai.
"""

from __future__ import annotations

import logging

from django.utils.module_loading import autodiscover_modules
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

logger = logging.getLogger(__name__)


def _load_recycle_registrations() -> None:
    # Business apps register their models with the recycle bin where their services live;
    # importing them here makes the purge see every registered model in a bare worker process.
    autodiscover_modules("models", "services")


@db_periodic_task(crontab(minute="30", hour="19"), name="recycle_bin_purge")
@lock_task("salesdesk-recycle-bin-purge")
def recycle_bin_purge() -> int:
    """Daily: delete for good the records that have been in the recycle bin longer than
    SALESDESK_RECYCLE_RETENTION_DAYS. Returns how many were purged."""
    from salesdesk.core.recycle import purge_expired

    _load_recycle_registrations()
    purged = purge_expired()
    logger.info("recycle bin purge: %s record(s) removed", purged)
    return purged


@db_periodic_task(crontab(minute="50", hour="19"), name="database_statistics_refresh")
@lock_task("salesdesk-database-statistics")
def database_statistics_refresh() -> None:
    """Daily: fresh planner statistics (salesdesk.core.dbstats)."""
    from salesdesk.core.dbstats import refresh_statistics

    refresh_statistics()


@db_task(name="job_queue_ping")
def job_queue_ping(token: str = "") -> dict:
    """A no-op round trip through the queue and the database, used by health checks and tests."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"token": token, "db": one == 1}


@db_periodic_task(crontab(minute="*/15"), name="inbox_digests_send")
@lock_task("salesdesk-inbox-digests")
def inbox_digests_send() -> int:
    """Every 15 minutes: claim and queue the daily to-do email of every user whose local hour
    has come (CUS-8; salesdesk.core.digest). Returns how many were claimed."""
    from salesdesk.core.digest import digests_send

    claimed = digests_send()
    if claimed:
        logger.info("to-do emails: %s queued", len(claimed))
    return len(claimed)


@db_task(name="inbox_digest_email", retries=2, retry_delay=60)
def inbox_digest_email(log_id: int) -> bool:
    """Send one claimed daily to-do email (never twice: a sent log is skipped)."""
    from salesdesk.core.digest import digest_deliver

    return digest_deliver(log_id)
