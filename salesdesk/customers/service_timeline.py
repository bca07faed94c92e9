"""Timeline providers of return visits, satisfaction and feedback tickets (CUS-4). Each reads
through the scoping function and costs one query."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from salesdesk.core.timeline import TimelineEntry, timeline_registry
from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
from salesdesk.customers.visits.models import ReturnVisit
from salesdesk.org.scoping import visible_to


def visit_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = (
        visible_to(ReturnVisit.objects.filter(customer_id=customer.pk), user)
        .select_related("visitor")
        .order_by("-visited_at", "-id")[:limit]
    )
    return [
        TimelineEntry(
            at=v.visited_at,
            kind="return_visit",
            icon="telephone-outbound",
            title=_("Return visit (%(kind)s)") % {"kind": v.get_kind_display()}
            + (f" · {v.satisfaction}/5" if v.satisfaction else ""),
            body=Truncator(v.summary).chars(300),
            actor_name=v.visitor.name,
        )
        for v in rows
    ]


def satisfaction_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = (
        visible_to(
            SatisfactionRecord.objects.filter(customer_id=customer.pk, visit__isnull=True), user
        )
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")[:limit]
    )
    return [
        TimelineEntry(
            at=r.recorded_at,
            kind="satisfaction",
            icon="emoji-smile",
            title=_("%(kind)s score %(score)d") % {"kind": r.kind.upper(), "score": r.score},
            body=Truncator(r.comment).chars(300),
            actor_name=r.recorded_by.name,
        )
        for r in rows
    ]


def ticket_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = (
        visible_to(FeedbackTicket.objects.filter(customer_id=customer.pk), user)
        .select_related("owner")
        .order_by("-created_at", "-id")[:limit]
    )
    out = []
    for t in rows:
        try:
            url = reverse("web:feedback_detail", args=[t.pk])
        except NoReverseMatch:
            url = ""
        out.append(
            TimelineEntry(
                at=t.created_at,
                kind="feedback",
                icon="megaphone",
                title=_("%(type)s: %(title)s") % {"type": t.get_type_display(), "title": t.title},
                body=f"{t.get_severity_display()} · {t.get_status_display()}",
                actor_name=t.owner.name,
                url=url,
            )
        )
    return out


timeline_registry.register("return_visit", visit_entries)
timeline_registry.register("satisfaction", satisfaction_entries)
timeline_registry.register("feedback", ticket_entries)
