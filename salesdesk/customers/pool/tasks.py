"""Periodic job of the public pools (the pattern of salesdesk/core/tasks.py: idempotent, locked
while running, crontab times in UTC)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="10", hour="17"), name="customers_pool_rules_apply")
@lock_task("salesdesk-customers-pool-rules")
def customers_pool_rules_apply() -> dict:
    """Daily at 01:10 Asia/Shanghai: automatic returns to the public pools and the reminders of
    returns due soon (CUS-6). Returns the run's figures (call `.call_local()` for them)."""
    from salesdesk.customers.pool.autoreturn import pool_rules_apply

    result = pool_rules_apply()
    logger.info(
        "pool rules: %s rule(s), %s customer(s) returned, %s reminder(s) in %.1f s",
        result.rules,
        result.returned,
        result.reminded,
        result.seconds,
    )
    return {
        "rules": result.rules,
        "returned": result.returned,
        "reminded": result.reminded,
        "seconds": result.seconds,
    }
