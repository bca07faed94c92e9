"""Reads for return visits (CUS-9), all through the scoping function (ORG-2)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from salesdesk.customers.models import Customer
from salesdesk.customers.visits.models import ReturnVisit, VisitPolicy
from salesdesk.org.scoping import visible_to

BUCKETS = ("due", "overdue", "done")


def due_soon_days() -> int:
    """How far ahead the "due soon" list looks (days)."""
    return int(getattr(settings, "SALESDESK_VISIT_DUE_SOON_DAYS", 14))


def customers_due(
    user,
    *,
    bucket: str,
    today: date | None = None,
    level: str = "",
    owner_id: int | None = None,
) -> QuerySet[Customer]:
    """Customers `user` sees whose return visit is due soon (`due`: today … today + N days) or
    overdue (`overdue`: before today), soonest first."""
    today = today or timezone.localdate()
    qs = visible_to(Customer.objects.filter(owner__isnull=False), user)
    if bucket == "overdue":
        qs = qs.filter(next_visit_due__lt=today)
    else:
        qs = qs.filter(
            next_visit_due__gte=today, next_visit_due__lte=today + timedelta(days=due_soon_days())
        )
    if level:
        qs = qs.filter(level=level)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.select_related("owner").order_by("next_visit_due", "id")


def visits_visible(user) -> QuerySet[ReturnVisit]:
    return visible_to(ReturnVisit.objects.all(), user)


def visits_done(user, *, level: str = "", owner_id: int | None = None) -> QuerySet[ReturnVisit]:
    """Return visits `user` sees, newest first."""
    qs = visits_visible(user)
    if level:
        qs = qs.filter(customer__level=level)
    if owner_id:
        qs = qs.filter(customer__owner_id=owner_id)
    return qs.select_related("customer", "visitor").order_by("-visited_at", "-id")


def visits_of(user, customer) -> QuerySet[ReturnVisit]:
    return (
        visits_visible(user)
        .filter(customer_id=customer.pk)
        .select_related("visitor")
        .order_by("-visited_at", "-id")
    )


def policies() -> list[VisitPolicy]:
    return list(VisitPolicy.objects.order_by("level"))
