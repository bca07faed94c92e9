"""To-do inbox source "pool_return": the user's customers due to return to a public pool within
their pool's reminder window (already due ones the job has not yet returned included)."""

from __future__ import annotations

from datetime import datetime, time

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.customers.models import Customer
from salesdesk.customers.pool.autoreturn import (
    active_rules,
    customer_due_dates,
    due_soon_q,
    site_zone,
    with_owned,
)
from salesdesk.customers.pool.selectors import pool_for_unit_map

# The inbox asks on every page's bell and every inbox view: the pool set-up (rules, and which
# pool each unit returns to) is read from the cache, at most this many seconds old. The daily job
# itself always reads it fresh.
SETUP_SECONDS = 300


SETUP_KEY = "salesdesk:pool:inbox-setup"


def forget_setup() -> None:
    cache.delete(SETUP_KEY)


def _setup() -> tuple[list, dict[int, int]]:
    def load():
        return active_rules(), pool_for_unit_map()

    return cache.get_or_set(SETUP_KEY, load, SETUP_SECONDS)


def pool_return_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    rules, unit_pool = _setup()
    if not rules:
        return []
    due_soon = due_soon_q(rules=rules, unit_pool=unit_pool)
    rows = list(
        with_owned(Customer.objects.filter(owner_id=user.pk)).filter(due_soon).order_by("id")[:500]
    )
    dues = customer_due_dates(rows, rules=rules, unit_pool=unit_pool)
    items = []
    for row in rows:
        due = dues.get(row.pk)
        if due is None:
            continue
        due_at = datetime.combine(due, time.min, tzinfo=site_zone())
        if due_at > until:
            continue
        items.append(
            InboxItem(
                kind="pool_return",
                due_at=due_at,
                title=_("Returns to the public pool on %(date)s") % {"date": due.isoformat()},
                body=_("Follow up with the customer to keep it."),
                url=reverse("web:customer_detail", args=[row.pk]),
                icon="hourglass-split",
                customer_name=row.name,
                key=f"pool_return:{row.pk}",
            )
        )
    items.sort(key=lambda i: i.due_at)
    return items[:limit]


def pool_return_count(user, *, until: datetime) -> int:
    return len(pool_return_items(user, until=until, limit=10_000))


inbox_registry.register(
    "pool_return",
    label=gettext_lazy("Returns to the public pool"),
    items=pool_return_items,
    count=pool_return_count,
    icon="hourglass-split",
)
