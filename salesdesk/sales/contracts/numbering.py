"""Race-free contract numbers: prefix + day + sequence (HT-20261201-0001).

The sequence lives in one counter row per prefix and day. The caller's transaction inserts the
row if it is missing (INSERT … ON CONFLICT DO NOTHING, so two first-of-the-day creations do not
collide), then locks it (SELECT … FOR UPDATE on PostgreSQL; SQLite runs write transactions one
at a time, BEGIN IMMEDIATE) and bumps it. A rolled-back creation rolls its number back too, so
numbers stay consecutive.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from salesdesk.sales.models import ContractCounter


def contract_prefix() -> str:
    return getattr(settings, "SALESDESK_CONTRACT_PREFIX", "HT")


def next_contract_number(*, day: date | None = None, prefix: str | None = None) -> str:
    """Must run inside a transaction (the service's)."""
    prefix = prefix or contract_prefix()
    day = day or timezone.localdate()
    ContractCounter.objects.bulk_create(
        [ContractCounter(prefix=prefix, day=day, last=0)], ignore_conflicts=True
    )
    counter = ContractCounter.objects.select_for_update().get(prefix=prefix, day=day)
    ContractCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    sequence = counter.last + 1
    return f"{prefix}-{day:%Y%m%d}-{sequence:04d}"
