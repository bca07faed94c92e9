"""Daily job of customer care (CUS-10): idempotent, locked, crontab in UTC."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="0", hour="22"), name="customers_care_reminders")
@lock_task("salesdesk-customers-care")
def customers_care_reminders() -> dict:
    """Daily at 06:00 Asia/Shanghai: care reminders for the next days (birthdays,
    anniversaries, Chinese holidays)."""
    from salesdesk.customers.care.services import care_reminders_generate

    result = care_reminders_generate()
    logger.info(
        "Care: %s birthdays, %s anniversaries, %s holiday reminders created",
        result.birthdays,
        result.anniversaries,
        result.holidays,
    )
    return {
        "birthdays": result.birthdays,
        "anniversaries": result.anniversaries,
        "holidays": result.holidays,
    }
