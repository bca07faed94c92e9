"""Periodic job of the sales tiers (the pattern of salesdesk/customers/pool/tasks.py: idempotent,
locked while running, crontab times in UTC)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="30", hour="17", day="1"), name="tiers_review_compute")
@lock_task("salesdesk-tiers-review")
def tiers_review_compute() -> dict:
    """Monthly, on the 2nd at 01:30 Asia/Shanghai: the tier review of the month just ended
    (ORG-4). Recomputing is idempotent. Returns the run's figures (`.call_local()`)."""
    from datetime import timedelta

    from django.utils import timezone

    from salesdesk.tiers.services import review_compute

    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    result = review_compute(day=last_month)
    logger.info(
        "tier review %s: %s new, %s refreshed, %s withdrawn, %s decided kept",
        result.review.period_label,
        result.created,
        result.refreshed,
        result.withdrawn,
        result.kept,
    )
    return {
        "period": result.review.period_label,
        "created": result.created,
        "refreshed": result.refreshed,
        "withdrawn": result.withdrawn,
        "kept": result.kept,
    }
