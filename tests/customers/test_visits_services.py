"""Return visits (CUS-9): the next-visit rule, the visit service, rule changes and the daily job."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from salesdesk.customers import services
from salesdesk.customers.feedback.models import SatisfactionRecord
from salesdesk.customers.models import Customer
from salesdesk.customers.visits import services as visits
from salesdesk.customers.visits.models import ReturnVisit, VisitPolicy
from salesdesk.customers.visits.tasks import customers_visit_due_recompute
from tests.customers.conftest import make_customer

pytestmark = pytest.mark.django_db


def local(y, m, d, h=10):
    return timezone.make_aware(datetime(y, m, d, h, 0))


@given(
    interval=st.one_of(st.none(), st.integers(min_value=1, max_value=3650)),
    last=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1))),
    created=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
)
def test_next_visit_due_rule(interval, last, created):
    due = visits.next_visit_due(interval_days=interval, last_visit_on=last, created_on=created)
    if not interval:
        assert due is None
    else:
        base = last or created
        assert due == base + timedelta(days=interval)
        assert (due - base).days == interval


def test_seeded_rules():
    assert visits.policy_intervals() == {"A": 30, "B": 90, "C": 180, "D": None}


def test_new_customer_is_due_one_interval_after_creation(org):
    customer = make_customer(org.rep, "甲公司", level="A")
    customer.refresh_from_db()
    assert customer.next_visit_due == timezone.localdate(customer.created_at) + timedelta(days=30)
    d_customer = make_customer(org.rep, "乙公司", level="D")
    d_customer.refresh_from_db()
    assert d_customer.next_visit_due is None


def test_visit_moves_due_date_and_records_csat(org):
    customer = make_customer(org.rep, "甲公司", level="B")
    visit = visits.return_visit_create(
        actor=org.rep,
        customer=customer,
        kind="phone",
        summary="  回访：对交付满意  ",
        visited_at=local(2026, 3, 1),
        satisfaction=4,
    )
    customer.refresh_from_db()
    assert visit.summary == "回访：对交付满意"
    assert visit.next_due == date(2026, 5, 30)  # 2026-03-01 + 90 days
    assert customer.next_visit_due == date(2026, 5, 30)
    assert customer.last_visit_at == local(2026, 3, 1)
    record = SatisfactionRecord.objects.get()
    assert (record.kind, record.score, record.visit_id, record.recorded_by_id) == (
        "csat",
        4,
        visit.pk,
        org.rep.pk,
    )
    # An older visit recorded later does not move the schedule back.
    visits.return_visit_create(
        actor=org.rep,
        customer=customer,
        kind="online",
        summary="补录",
        visited_at=local(2026, 1, 5),
    )
    customer.refresh_from_db()
    assert customer.next_visit_due == date(2026, 5, 30)
    assert SatisfactionRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "fax"}, "kind"),
        ({"summary": "   "}, "summary"),
        ({"satisfaction": 6}, "satisfaction"),
        ({"satisfaction": 0}, "satisfaction"),
        ({"visited_at": timezone.now() + timedelta(days=2)}, "visited_at"),
    ],
)
def test_invalid_visit_changes_nothing(org, kwargs, field):
    customer = make_customer(org.rep, "甲公司", level="A")
    before = Customer.objects.values().get(pk=customer.pk)
    data = {"kind": "phone", "summary": "ok", **kwargs}
    with pytest.raises(ValidationError) as exc:
        visits.return_visit_create(actor=org.rep, customer=customer, **data)
    assert field in exc.value.message_dict
    assert ReturnVisit.objects.count() == 0
    assert SatisfactionRecord.objects.count() == 0
    assert Customer.objects.values().get(pk=customer.pk) == before


def test_visit_outside_scope_is_refused(org):
    customer = make_customer(org.rep, "甲公司", level="A")
    with pytest.raises(Customer.DoesNotExist):
        visits.return_visit_create(
            actor=org.other_rep, customer=customer, kind="phone", summary="x"
        )
    with pytest.raises(PermissionDenied):
        visits.return_visit_create(
            actor=org.deactivated, customer=customer, kind="phone", summary="x"
        )
    assert ReturnVisit.objects.count() == 0


def test_level_change_reschedules(org):
    customer = make_customer(org.rep, "甲公司", level="D")
    services.customer_update(actor=org.rep, customer=customer, level="A")
    customer.refresh_from_db()
    assert customer.next_visit_due == timezone.localdate(customer.created_at) + timedelta(days=30)


def test_policy_change_needs_configure_and_recomputes(org):
    customer = make_customer(org.rep, "甲公司", level="C")
    policy = VisitPolicy.objects.get(level="C")
    with pytest.raises(PermissionDenied):
        visits.visit_policy_update(actor=org.director, policy=policy, interval_days=10)
    with pytest.raises(ValidationError) as exc:
        visits.visit_policy_update(actor=org.admin, policy=policy, interval_days=0)
    assert "interval_days" in exc.value.message_dict
    policy.refresh_from_db()
    assert policy.interval_days == 180
    visits.visit_policy_update(actor=org.admin, policy=policy, interval_days=10)
    customer.refresh_from_db()
    assert customer.next_visit_due == timezone.localdate(customer.created_at) + timedelta(days=10)
    visits.visit_policy_update(actor=org.admin, policy=policy, interval_days=None)
    customer.refresh_from_db()
    assert customer.next_visit_due is None


def test_daily_job_matches_rule_and_is_idempotent(org):
    a = make_customer(org.rep, "甲公司", level="A")
    b = make_customer(org.other_rep, "乙公司", level="B")
    c = make_customer(org.lead, "丙公司", level="D")
    # Levels changed behind the services' back (e.g. a bulk import): dates are stale.
    Customer.all_objects.filter(pk=a.pk).update(level="B", last_visit_at=local(2026, 1, 10))
    Customer.all_objects.filter(pk=c.pk).update(level="C")
    Customer.all_objects.filter(pk=b.pk).update(deleted_at=timezone.now())
    first = customers_visit_due_recompute.call_local()
    assert first == {"checked": 3, "updated": 3}
    due = dict(Customer.all_objects.values_list("pk", "next_visit_due"))
    assert due[a.pk] == date(2026, 4, 10)  # 2026-01-10 + 90
    assert due[b.pk] is None  # deleted
    assert due[c.pk] == timezone.localdate(c.created_at) + timedelta(days=180)
    assert customers_visit_due_recompute.call_local() == {"checked": 3, "updated": 0}
