"""To-do inbox API (CUS-8): what the caller has to do, merged from every inbox source (tasks,
pool returns, return visits, care reminders, feedback …), and the counts behind the bell.

Only the caller's own to-dos: there is no parameter to read someone else's inbox.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from salesdesk.api.errors import errors
from salesdesk.api.pagination import PageParams, page_of
from salesdesk.core.agenda import MAX_HORIZON, agenda
from salesdesk.core.models import Notification

router = Router(tags=["To-do inbox"])

MAX_DEPTH = 1000  # page × page_size: the inbox is a working list, not an archive


class InboxFilters(PageParams):
    days: int = Field(
        7,
        ge=0,
        le=MAX_HORIZON,
        description="Overdue, today and the next N days in the caller's time zone (0: today).",
    )
    until: datetime | None = Field(
        None, description="Instead of `days`: everything due at or before this time."
    )
    kind: str = Field("", description="Only items of this source (see /inbox/counts).")


class InboxItemOut(Schema):
    kind: str
    kind_label: str
    key: str
    title: str
    body: str
    due_at: datetime
    section: str = Field(description="overdue, today or upcoming (caller's time zone)")
    url: str
    customer_name: str


class SourceCountOut(Schema):
    kind: str
    label: str
    count: int


class InboxCountsOut(Schema):
    until: datetime
    total: int = Field(description="To-dos due by `until`, every source.")
    sources: list[SourceCountOut]
    unread_notifications: int
    bell: int = Field(description="total + unread_notifications (the top bar's number).")


def _until(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


@router.get(
    "/inbox",
    response={200: page_of(InboxItemOut), **errors(422)},
    summary="My to-dos from every source, soonest first",
)
def inbox_list(request: HttpRequest, filters: Query[InboxFilters]):
    actor = request.auth
    depth = filters.page * filters.page_size
    if depth > MAX_DEPTH:
        raise ValidationError(
            {"page": _("Only the first %(n)s to-dos can be listed.") % {"n": MAX_DEPTH}}
        )
    plan = agenda(
        actor,
        days=filters.days,
        until=_until(filters.until),
        kinds=[filters.kind] if filters.kind else None,
        limit=depth,
    )
    count = plan.counts.get(filters.kind, 0) if filters.kind else plan.total
    start = (filters.page - 1) * filters.page_size
    items = [
        {
            "kind": i.kind,
            "kind_label": str(i.source.label) if i.source else i.kind,
            "key": i.key,
            "title": i.title,
            "body": i.body,
            "due_at": i.due_at,
            "section": i.section,
            "url": i.url,
            "customer_name": i.customer_name,
        }
        for i in plan.items[start:depth]
    ]
    return {
        "items": items,
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": max(1, -(-count // filters.page_size)),
    }


class CountFilters(Schema):
    days: int = Field(0, ge=0, le=MAX_HORIZON, description="0: overdue and due today (the bell).")


@router.get(
    "/inbox/counts",
    response={200: InboxCountsOut, **errors(422)},
    summary="How many to-dos per source, and the bell's number",
)
def inbox_counts(request: HttpRequest, filters: Query[CountFilters]):
    actor = request.auth
    plan = agenda(actor, days=filters.days, kinds=[], limit=0)
    unread = Notification.objects.filter(user=actor, read_at__isnull=True).count()
    return {
        "until": plan.until,
        "total": plan.total,
        "sources": [
            {"kind": s.key, "label": str(s.label), "count": plan.counts.get(s.key, 0)}
            for s in plan.sources
        ],
        "unread_notifications": unread,
        "bell": plan.total + unread,
    }
