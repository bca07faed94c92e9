"""Demo return visits, satisfaction, tickets and care reminders (`salesdesk demo`)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Count, Max

from salesdesk.customers.care.models import CareReminder
from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
from salesdesk.customers.models import Customer
from salesdesk.customers.visits.models import ReturnVisit
from salesdesk.customers.visits.services import visit_due_recompute
from salesdesk.demo.runner import build_demo

TODAY = date(2026, 2, 14)  # 春节 2026-02-17 is within the care window


@pytest.mark.django_db
def test_small_demo_has_service_data():
    result = build_demo(size="small", seed=2026, today=TODAY)
    visits = ReturnVisit.objects.count()
    assert result.counts["customers.ReturnVisit"] == visits
    assert 1_000 <= visits <= 3_000
    assert not ReturnVisit.objects.filter(customer__level="D").exists()
    csat = SatisfactionRecord.objects.filter(kind="csat")
    assert csat.count() == ReturnVisit.objects.filter(satisfaction__isnull=False).count()
    assert 200 <= SatisfactionRecord.objects.filter(kind="nps").count() <= 450
    assert not SatisfactionRecord.objects.filter(kind="nps", score__gt=10).exists()
    assert FeedbackTicket.objects.count() == 300
    statuses = dict(FeedbackTicket.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == {"open", "in_progress", "resolved", "closed"}
    assert not FeedbackTicket.objects.filter(status="resolved", resolution="").exists()
    # Each customer's last visit is its latest visit (None without one).
    latest = dict(ReturnVisit.objects.values_list("customer_id").annotate(m=Max("visited_at")))
    last = dict(Customer.all_objects.values_list("pk", "last_visit_at"))
    assert last == {pk: latest.get(pk) for pk in last}
    assert len(latest) > 500
    # The customers' schedule is consistent with their visits: recomputing changes nothing.
    assert visit_due_recompute().updated == 0
    assert Customer.objects.filter(next_visit_due__isnull=False).count() > 1_000
    # Care reminders of the coming days, 春节 for the A/B customers.
    spring = CareReminder.objects.filter(occasion="spring_festival", date=date(2026, 2, 17))
    assert (
        spring.count()
        == Customer.objects.filter(level__in=("A", "B"), owner__is_active=True).count()
    )
    assert not CareReminder.objects.filter(date__gt=TODAY + timedelta(days=3)).exists()
