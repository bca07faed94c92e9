"""To-do inbox sources of return visits, care and feedback (CUS-9, CUS-10, CUS-11).

Each source reads through the scoping function and runs one query for its items and one for its
count, whatever the number of rows.
"""

from __future__ import annotations

from datetime import datetime, time

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.customers.care.models import CareReminder
from salesdesk.customers.feedback.models import OPEN_STATUSES, FeedbackTicket
from salesdesk.customers.models import Customer
from salesdesk.org.scoping import visible_to


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def _visits_due(user, until: datetime):
    return visible_to(
        Customer.objects.filter(owner_id=user.pk, next_visit_due__lte=timezone.localdate(until)),
        user,
    )


def visit_due_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    rows = _visits_due(user, until).order_by("next_visit_due", "id")[:limit]
    return [
        InboxItem(
            kind="visit_due",
            due_at=_start_of(c.next_visit_due),
            title=_("Return visit to %(customer)s") % {"customer": c.name},
            url=_url("web:customer_detail", c.pk) + "?tab=service",
            icon="telephone-outbound",
            customer_name=c.name,
            key=f"visit_due:{c.pk}",
        )
        for c in rows
    ]


def visit_due_count(user, *, until: datetime) -> int:
    return _visits_due(user, until).count()


def _care(user, until: datetime):
    return visible_to(
        CareReminder.objects.filter(
            customer__owner_id=user.pk,
            status=CareReminder.Status.OPEN,
            date__lte=timezone.localdate(until),
        ),
        user,
    )


def care_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    rows = _care(user, until).select_related("customer", "contact").order_by("date", "id")[:limit]
    return [
        InboxItem(
            kind="care",
            due_at=_start_of(r.date),
            title=_("%(occasion)s: %(name)s")
            % {
                "occasion": r.get_occasion_display(),
                "name": r.contact.name if r.contact_id else r.customer.name,
            },
            body=r.greeting,
            url=_url("web:care_list") + "?tab=today",
            icon="gift",
            customer_name=r.customer.name,
            key=f"care:{r.pk}",
        )
        for r in rows
    ]


def care_count(user, *, until: datetime) -> int:
    return _care(user, until).count()


def _tickets(user, until: datetime):
    return visible_to(
        FeedbackTicket.objects.filter(
            owner_id=user.pk, status__in=OPEN_STATUSES, due_at__lte=until
        ),
        user,
    )


def feedback_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    rows = _tickets(user, until).select_related("customer").order_by("due_at", "id")[:limit]
    return [
        InboxItem(
            kind="feedback",
            due_at=t.due_at,
            title=t.title,
            body=str(t.get_severity_display()),
            url=_url("web:feedback_detail", t.pk),
            icon="megaphone",
            customer_name=t.customer.name,
            key=f"feedback:{t.pk}",
        )
        for t in rows
    ]


def feedback_count(user, *, until: datetime) -> int:
    return _tickets(user, until).count()


inbox_registry.register(
    "visit_due",
    label=gettext_lazy("Return visits due"),
    items=visit_due_items,
    count=visit_due_count,
    icon="telephone-outbound",
)
inbox_registry.register(
    "care", label=gettext_lazy("Care reminders"), items=care_items, count=care_count, icon="gift"
)
inbox_registry.register(
    "feedback",
    label=gettext_lazy("Feedback tickets"),
    items=feedback_items,
    count=feedback_count,
    icon="megaphone",
)
