"""Reminders of returns due soon (CUS-6): one notification per customer and due date, the
"pool_return" inbox source and the "soon to pool" customer view."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from salesdesk.core.inbox import inbox_items
from salesdesk.core.models import Notification
from salesdesk.customers.models import Customer
from salesdesk.customers.pool import services as pool_services
from salesdesk.customers.pool.autoreturn import customer_due_dates, pool_rules_apply
from salesdesk.customers.selectors import customer_list
from tests.customers.conftest import make_customer
from tests.customers.pool_helpers import make_pool

pytestmark = pytest.mark.django_db
ZONE = timezone.get_default_timezone()


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE)


@pytest.fixture
def pool(org):
    pool = make_pool(org.admin, member_units=[org.east], is_default=True, reminder_days=2)
    pool_services.pool_rule_create(actor=org.admin, pool=pool, kind="no_follow_up", days=5)
    return pool


def test_reminder_once_per_due_date_and_inbox(org, pool):
    # Owned since Monday 2025-03-03: due after 5 working days, on Monday 2025-03-10.
    customer = make_customer(org.rep, "提醒客户")
    Customer.all_objects.filter(pk=customer.pk).update(owned_since=at(date(2025, 3, 3)))
    customer.refresh_from_db()
    assert customer_due_dates([customer]) == {customer.pk: date(2025, 3, 10)}
    # Wednesday: due in 3 working days, outside the 2-day window.
    assert pool_rules_apply(today=date(2025, 3, 5), now=at(date(2025, 3, 5), 1)).reminded == 0
    # Thursday and Friday: inside the window; one notification only.
    assert pool_rules_apply(today=date(2025, 3, 6), now=at(date(2025, 3, 6), 1)).reminded == 1
    assert pool_rules_apply(today=date(2025, 3, 7), now=at(date(2025, 3, 7), 1)).reminded == 0
    note = Notification.objects.get()
    assert (note.user_id, note.kind, note.due_at) == (
        org.rep.pk,
        "pool_return",
        at(date(2025, 3, 10), 0),
    )
    assert note.url == f"/customers/{customer.pk}/"
    assert "提醒客户" in note.title
    # The inbox shows the due return (with its date) until the customer is followed up.
    items = [i for i in inbox_items(org.rep, until=at(date(2030, 1, 1))) if i.kind == "pool_return"]
    assert [(i.key, i.due_at) for i in items] == [
        (f"pool_return:{customer.pk}", at(date(2025, 3, 10), 0))
    ]
    # Monday: returned.
    result = pool_rules_apply(today=date(2025, 3, 10), now=at(date(2025, 3, 10), 1))
    assert result.returned == 1
    assert Customer.objects.get(pk=customer.pk).pool_id == pool.pk


def test_soon_to_pool_view(org, pool):
    today = timezone.localdate()
    soon = make_customer(org.rep, "快到期")
    later = make_customer(org.rep, "还早")
    from salesdesk.core.workdays import subtract_working_days

    # Due in 1 working day (inside the 2-day window) vs. just owned.
    start = subtract_working_days(today, 4)
    Customer.all_objects.filter(pk=soon.pk).update(owned_since=at(start))
    assert list(customer_list(org.rep, view="soon_to_pool").values_list("name", flat=True)) == [
        "快到期"
    ]
    assert later.pk not in customer_list(org.director, view="soon_to_pool").values_list(
        "pk", flat=True
    )
