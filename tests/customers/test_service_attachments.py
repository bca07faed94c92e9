"""Return visits, satisfaction records, care reminders and feedback tickets follow a customer on
handover and merge (customer attachments, D19)."""

from __future__ import annotations

from datetime import date

from salesdesk.customers.care.models import CareReminder
from salesdesk.customers.feedback import services as feedback
from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
from salesdesk.customers.handover import services as handover
from salesdesk.customers.visits import services as visits
from salesdesk.customers.visits.models import ReturnVisit
from tests.customers.conftest import make_customer


def _reminder(customer, occasion: str, day: date, contact=None) -> CareReminder:
    return CareReminder.objects.create(
        customer=customer, contact=contact, occasion=occasion, date=day
    )


def test_merge_moves_visits_scores_reminders_and_tickets(org, book):
    target = book["rep"]
    source = make_customer(org.rep, "北京星辰科技")
    visits.return_visit_create(
        actor=org.rep, customer=source, kind="phone", summary="回访", satisfaction=4
    )
    feedback.satisfaction_record_create(actor=org.rep, customer=source, kind="nps", score=9)
    feedback.feedback_ticket_create(
        actor=org.rep, customer=source, type="complaint", title="发货慢"
    )
    _reminder(target, "spring_festival", date(2027, 2, 6))
    _reminder(source, "spring_festival", date(2027, 2, 6))  # the kept customer has this one
    _reminder(source, "mid_autumn", date(2026, 9, 25))

    merge = handover.customer_merge(actor=org.director, source=source, target=target)

    assert ReturnVisit.all_objects.filter(customer=source).count() == 0
    assert ReturnVisit.all_objects.filter(customer=target).count() == 1
    assert sorted(
        SatisfactionRecord.objects.filter(customer=target).values_list("kind", "score")
    ) == [("csat", 4), ("nps", 9)]
    assert list(
        FeedbackTicket.all_objects.filter(customer=target).values_list("title", flat=True)
    ) == ["发货慢"]
    assert sorted(CareReminder.objects.filter(customer=target).values_list("occasion", "date")) == [
        ("mid_autumn", date(2026, 9, 25)),
        ("spring_festival", date(2027, 2, 6)),
    ]
    assert CareReminder.objects.filter(customer=source).count() == 0
    assert {k: merge.moved[k] for k in ("return_visits", "satisfaction", "care_reminders")} == {
        "return_visits": 1,
        "satisfaction": 2,
        "care_reminders": 1,
    }
    assert merge.moved["feedback_tickets"] == 1


def test_handover_moves_the_previous_owners_open_tickets_only(org, book):
    customer = book["rep"]
    mine = feedback.feedback_ticket_create(
        actor=org.rep, customer=customer, type="complaint", title="我的"
    )
    leads = feedback.feedback_ticket_create(
        actor=org.lead, customer=customer, type="inquiry", title="主管的", owner=org.lead
    )
    done = feedback.feedback_ticket_create(
        actor=org.rep, customer=customer, type="suggestion", title="已解决"
    )
    FeedbackTicket.objects.filter(pk=done.pk).update(status="resolved", resolution="好了")

    handover.handover_create(
        actor=org.lead,
        from_user=org.rep,
        customer_ids=[customer.pk],
        to_users=[org.lead],
        reason="调岗",
    )

    owners = dict(FeedbackTicket.objects.values_list("title", "owner_id"))
    assert owners == {"我的": org.lead.pk, "主管的": org.lead.pk, "已解决": org.rep.pk}
    assert FeedbackTicket.objects.get(pk=mine.pk).org_unit_id == org.lead.unit_id
    assert FeedbackTicket.objects.get(pk=leads.pk).version == leads.version
