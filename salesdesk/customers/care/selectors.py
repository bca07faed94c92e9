"""Reads for customer care (CUS-10), through the scoping function (ORG-2)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from salesdesk.customers.care.models import CareReminder, GreetingTemplate
from salesdesk.org.scoping import visible_to

BUCKETS = ("upcoming", "today", "overdue", "done")


def reminders(
    user,
    *,
    bucket: str = "upcoming",
    today: date | None = None,
    occasion: str = "",
    owner_id: int | None = None,
    mine: bool = False,
) -> QuerySet[CareReminder]:
    """Care reminders `user` sees: open ones after today (`upcoming`), today (`today`), before
    today (`overdue`), or handled ones (`done`, newest first)."""
    today = today or timezone.localdate()
    qs = visible_to(CareReminder.objects.all(), user)
    if bucket == "done":
        qs = qs.exclude(status=CareReminder.Status.OPEN).order_by("-date", "-id")
    else:
        qs = qs.filter(status=CareReminder.Status.OPEN)
        if bucket == "today":
            qs = qs.filter(date=today)
        elif bucket == "overdue":
            qs = qs.filter(date__lt=today)
        else:
            qs = qs.filter(date__gt=today)
        qs = qs.order_by("date", "id")
    if occasion:
        qs = qs.filter(occasion=occasion)
    if owner_id:
        qs = qs.filter(customer__owner_id=owner_id)
    if mine:
        qs = qs.filter(customer__owner_id=user.pk)
    return qs.select_related("customer", "customer__owner", "contact")


def templates() -> dict[tuple[str, str], GreetingTemplate]:
    return {(t.occasion, t.language): t for t in GreetingTemplate.objects.all()}
