"""Inbox sources (visits due, care, feedback) and timeline providers of CUS-9/10/11."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesdesk.core.inbox import inbox_counts, inbox_items
from salesdesk.core.timeline import customer_timeline
from salesdesk.customers.care.services import care_reminders_generate
from salesdesk.customers.feedback import services as feedback
from salesdesk.customers.feedback.models import FeedbackTicket
from salesdesk.customers.models import Customer
from salesdesk.customers.visits import services as visits
from tests.customers.conftest import make_customer

pytestmark = pytest.mark.django_db


def setup_rows(org):
    a = make_customer(org.rep, "甲公司", level="A")
    b = make_customer(org.rep, "乙公司", level="C")
    other = make_customer(org.other_rep, "丙公司", level="A")
    today = timezone.localdate()
    Customer.all_objects.filter(pk=a.pk).update(next_visit_due=today - timedelta(days=1))
    Customer.all_objects.filter(pk=b.pk).update(next_visit_due=today + timedelta(days=30))
    Customer.all_objects.filter(pk=other.pk).update(next_visit_due=today)
    care_reminders_generate(today=date(2026, 9, 25))  # 中秋 for the A customers
    ticket = feedback.feedback_ticket_create(
        actor=org.rep, customer=a, type="complaint", title="投诉", severity="critical"
    )
    feedback.feedback_ticket_create(
        actor=org.rep, customer=b, type="inquiry", title="咨询", severity="low"
    )
    return a, b, other, ticket


def test_inbox_sources(org):
    a, _b, _other, ticket = setup_rows(org)
    until = timezone.now() + timedelta(days=2)
    counts = inbox_counts(org.rep, until=until)
    assert {k: counts[k] for k in ("visit_due", "care", "feedback")} == {
        "visit_due": 1,
        "care": 1,
        "feedback": 1,
    }
    items = [i for i in inbox_items(org.rep, until=until) if i.kind in counts]
    keys = {i.key for i in items}
    assert {f"visit_due:{a.pk}", f"feedback:{ticket.pk}"} <= keys
    assert any(i.key.startswith("care:") and i.customer_name == "甲公司" for i in items)
    assert not any(i.customer_name == "丙公司" for i in items)
    # A resolved ticket and a handled reminder leave the inbox.
    feedback.feedback_ticket_update(actor=org.rep, ticket=ticket, status="closed", resolution="ok")
    assert inbox_counts(org.rep, until=until)["feedback"] == 0
    # The deactivated user has nothing.
    assert inbox_counts(org.deactivated, until=until)["visit_due"] == 0


def test_inbox_queries_are_constant(org):
    setup_rows(org)
    until = timezone.now() + timedelta(days=2)
    inbox_items(org.rep, until=until)  # cached set-ups (the pool source's) are warm from here
    with CaptureQueriesContext(connection) as small:
        inbox_items(org.rep, until=until)
    for i in range(5):
        c = make_customer(org.rep, f"客户{i}", level="A")
        Customer.all_objects.filter(pk=c.pk).update(next_visit_due=timezone.localdate())
        feedback.feedback_ticket_create(
            actor=org.rep, customer=c, type="complaint", title="x", severity="critical"
        )
    care_reminders_generate(today=date(2026, 9, 25))
    with CaptureQueriesContext(connection) as large:
        inbox_items(org.rep, until=until)
    assert len(large) == len(small)


def test_timeline_has_visits_scores_and_tickets(org):
    customer = make_customer(org.rep, "甲公司", level="A")
    visits.return_visit_create(
        actor=org.rep,
        customer=customer,
        kind="phone",
        summary="电话回访",
        satisfaction=5,
        visited_at=timezone.make_aware(datetime(2026, 3, 1, 10, 0)),
    )
    feedback.satisfaction_record_create(actor=org.rep, customer=customer, kind="nps", score=9)
    feedback.feedback_ticket_create(actor=org.rep, customer=customer, type="praise", title="表扬")
    entries = customer_timeline(customer, org.lead)
    kinds = [e.kind for e in entries if e.kind in {"return_visit", "satisfaction", "feedback"}]
    assert sorted(kinds) == ["feedback", "return_visit", "satisfaction"]
    visit = next(e for e in entries if e.kind == "return_visit")
    assert (visit.title, visit.body) == ("Return visit (Phone) · 5/5", "电话回访")
    score = next(e for e in entries if e.kind == "satisfaction")
    assert score.title == "NPS score 9"  # the visit's own CSAT is shown with the visit
    assert FeedbackTicket.objects.count() == 1
    assert [e.kind for e in customer_timeline(customer, org.other_rep)] == []
