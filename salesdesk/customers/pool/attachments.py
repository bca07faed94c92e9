"""Customer attachments (handover and merge, see customers/handover/registry.py) of the public
pool: a customer's pool history follows it on a merge; reminders already sent about the
duplicate are dropped (the kept customer's own clock decides the next ones)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from salesdesk.customers.handover.registry import Attachment, customer_attachments
from salesdesk.customers.pool.models import PoolEvent, PoolReminder


def _history_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return 0  # the pool history stays with the customer; nothing belongs to the old owner


def _history_merge(*, source, target, actor) -> int:
    PoolReminder.objects.filter(customer=source).delete()
    return PoolEvent.objects.filter(customer=source).update(customer=target)


def _history_count(customer_ids) -> int:
    return PoolEvent.objects.filter(customer_id__in=customer_ids).count()


customer_attachments.register(
    Attachment(
        key="pool_history",
        label=_("Public pool history"),
        on_handover=_history_handover,
        on_merge=_history_merge,
        count=_history_count,
        covers=("customers.poolevent", "customers.poolreminder"),
    )
)
