"""Daily job of return visits (CUS-9): idempotent, locked, crontab in UTC."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="30", hour="19"), name="customers_visit_due_recompute")
@lock_task("salesdesk-customers-visit-due")
def customers_visit_due_recompute() -> dict:
    """Daily at 03:30 Asia/Shanghai (after the RFM levels): every customer's next return visit
    date, so level changes from anywhere are picked up."""
    from salesdesk.customers.visits.services import visit_due_recompute

    result = visit_due_recompute()
    logger.info("Return visits: %s customers checked, %s updated", result.checked, result.updated)
    return {"checked": result.checked, "updated": result.updated}
