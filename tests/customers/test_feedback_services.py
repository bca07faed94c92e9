"""Satisfaction and feedback (CUS-11): records, tickets and the dashboard's aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesdesk.core.locking import StaleEditError
from salesdesk.customers.feedback import selectors
from salesdesk.customers.feedback import services as feedback
from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
from tests.customers.conftest import make_customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "score"), [("csat", 0), ("csat", 6), ("nps", 11), ("nps", -1), ("xyz", 3)]
)
def test_invalid_scores_change_nothing(org, kind, score):
    customer = make_customer(org.rep, "甲公司")
    with pytest.raises(ValidationError):
        feedback.satisfaction_record_create(
            actor=org.rep, customer=customer, kind=kind, score=score
        )
    assert SatisfactionRecord.objects.count() == 0


def test_ticket_defaults_due_by_severity_and_owner(org):
    customer = make_customer(org.rep, "甲公司")
    before = timezone.now()
    ticket = feedback.feedback_ticket_create(
        actor=org.lead, customer=customer, type="complaint", severity="high", title=" 发票错误 "
    )
    assert ticket.title == "发票错误"
    assert (ticket.owner_id, ticket.org_unit_id, ticket.status) == (
        org.rep.pk,
        org.team_a.pk,
        "open",
    )
    assert before + timedelta(days=3) <= ticket.due_at <= timezone.now() + timedelta(days=3)
    assert ticket.history.count() == 1


def test_ticket_validation_and_scope(org):
    customer = make_customer(org.rep, "甲公司")
    with pytest.raises(ValidationError) as exc:
        feedback.feedback_ticket_create(
            actor=org.rep, customer=customer, type="rant", severity="urgent", title=""
        )
    assert set(exc.value.message_dict) == {"type", "severity", "title"}
    with pytest.raises(type(customer).DoesNotExist):
        feedback.feedback_ticket_create(
            actor=org.other_rep, customer=customer, type="complaint", title="x"
        )
    assert FeedbackTicket.all_objects.count() == 0


def test_resolve_needs_resolution_and_is_versioned(org):
    customer = make_customer(org.rep, "甲公司")
    ticket = feedback.feedback_ticket_create(
        actor=org.rep, customer=customer, type="complaint", title="发货慢"
    )
    with pytest.raises(ValidationError) as exc:
        feedback.feedback_ticket_update(
            actor=org.rep, ticket=ticket, expected_version=1, status="resolved"
        )
    assert exc.value.message_dict == {
        "resolution": ["Describe the resolution before resolving the ticket."]
    }
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, ticket.resolved_at) == ("open", 1, None)
    feedback.feedback_ticket_update(
        actor=org.rep, ticket=ticket, expected_version=1, status="resolved", resolution="补发"
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, ticket.resolution) == ("resolved", 2, "补发")
    assert ticket.resolved_at is not None
    with pytest.raises(StaleEditError):
        feedback.feedback_ticket_update(
            actor=org.lead, ticket=ticket, expected_version=1, title="旧版本"
        )
    ticket.refresh_from_db()
    assert ticket.title == "发货慢"
    feedback.feedback_ticket_update(actor=org.rep, ticket=ticket, status="in_progress")
    ticket.refresh_from_db()
    assert ticket.resolved_at is None


def test_delete_to_recycle_bin_needs_permission(org):
    customer = make_customer(org.rep, "甲公司")
    ticket = feedback.feedback_ticket_create(
        actor=org.rep, customer=customer, type="inquiry", title="咨询"
    )
    with pytest.raises(PermissionDenied):
        feedback.feedback_ticket_delete(actor=org.rep, ticket=ticket)
    assert FeedbackTicket.objects.count() == 1
    feedback.feedback_ticket_delete(actor=org.director, ticket=ticket)
    assert FeedbackTicket.objects.count() == 0
    assert FeedbackTicket.all_objects.get().deleted_by_id == org.director.pk


def test_dashboard_aggregates(org):
    a = make_customer(org.rep, "甲公司", level="A")
    b = make_customer(org.other_rep, "乙公司", level="B")
    for customer, kind, score in [
        (a, "csat", 5),
        (a, "csat", 4),
        (a, "nps", 10),
        (a, "nps", 9),
        (a, "nps", 3),
        (b, "csat", 2),
        (b, "nps", 7),
    ]:
        feedback.satisfaction_record_create(
            actor=customer.owner, customer=customer, kind=kind, score=score
        )
    late = feedback.feedback_ticket_create(
        actor=org.rep, customer=a, type="complaint", title="晚", severity="critical"
    )
    FeedbackTicket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    done = feedback.feedback_ticket_create(actor=org.rep, customer=a, type="praise", title="好")
    feedback.feedback_ticket_update(actor=org.rep, ticket=done, status="closed", resolution="谢")
    feedback.feedback_ticket_create(actor=org.other_rep, customer=b, type="inquiry", title="问")

    board = selectors.dashboard(org.director)
    assert (board.open, board.overdue, board.resolved_this_month) == (2, 1, 1)
    by_level = {r["customer__level"]: r for r in board.by_level}
    assert by_level["A"]["csat_avg"] == 4.5
    assert by_level["A"]["nps"] == 33  # 2 promoters, 1 detractor of 3
    assert by_level["B"]["csat_avg"] == 2.0
    assert by_level["B"]["nps"] == 0
    assert [r["customer__owner__display_name"] for r in board.by_owner] == [
        "张三 Zhang San",
        "赵六 Zhao Liu",
    ]
    assert sum(r["csat_count"] + r["nps_count"] for r in board.by_month) == 7

    mine = selectors.dashboard(org.rep)
    assert (mine.open, mine.overdue, mine.resolved_this_month) == (1, 1, 1)
    assert [r["customer__level"] for r in mine.by_level] == ["A"]
