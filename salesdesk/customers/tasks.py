"""Periodic jobs of the customers app (Huey; the pattern of salesdesk/core/tasks.py: idempotent,
locked while running, crontab times in UTC)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="0", hour="19"), name="customers_rfm_recompute")
@lock_task("salesdesk-customers-rfm")
def customers_rfm_recompute() -> dict:
    """Daily at 03:00 Asia/Shanghai: first the customers' purchase figures from the sales records
    (salesdesk.customers.purchase_facts, D42), then RFM scores and rule-based levels of every
    customer (CUS-2) from those figures. Returns the run's figures (call `.call_local()` for
    them; Huey keeps no periodic results)."""
    return customer_behaviour_recompute()


def customer_behaviour_recompute() -> dict:
    """The job's work, also run by `salesdesk manage recompute_customer_behaviour`."""
    from salesdesk.customers.purchase_facts import purchase_facts_recompute
    from salesdesk.customers.rfm import rfm_recompute

    facts = purchase_facts_recompute()
    logger.info(
        "Purchases from %s: %s customers with sales, %s updated, %s emptied in %.1f s",
        ", ".join(facts.providers) or "no provider",
        facts.customers_with_sales,
        facts.updated,
        facts.emptied,
        facts.seconds,
    )
    result = rfm_recompute()
    logger.info(
        "RFM: %s scored, %s without purchases, %s rows updated (%s level changes) in %.1f s",
        result.scored,
        result.unscored,
        result.updated,
        result.level_changes,
        result.seconds,
    )
    return {
        "purchases_customers_with_sales": facts.customers_with_sales,
        "purchases_updated": facts.updated,
        "purchases_emptied": facts.emptied,
        "purchases_seconds": facts.seconds,
        "scored": result.scored,
        "unscored": result.unscored,
        "updated": result.updated,
        "level_changes": result.level_changes,
        "seconds": result.seconds,
    }


# Sub-domains' periodic jobs (Huey finds them through this module).
from salesdesk.customers.care import tasks as _care_tasks  # noqa: E402,F401
from salesdesk.customers.pool.tasks import *  # noqa: E402, F403 - registers the pool job
from salesdesk.customers.visits import tasks as _visit_tasks  # noqa: E402,F401
