"""The work reports' to-do inbox source (PRF-6): for a team lead, manager or director, the
submitted reports of their team they have not read yet (one query for items, one for the count;
none for a rep)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.workreports import selectors


def unread_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="workreport_unread",
            due_at=r.submitted_at,
            title=_("Read %(name)s's %(kind)s %(period)s")
            % {
                "name": r.owner.name,
                "kind": r.get_kind_display().lower(),
                "period": r.period_label,
            },
            body=r.summary[:140],
            url=reverse("web:workreport_detail", args=[r.pk]),
            icon="journal-text",
            key=f"workreport_unread:{r.pk}",
        )
        for r in selectors.unread_reports(user, limit=limit, until=until)
    ]


def unread_count(user, *, until: datetime) -> int:
    return selectors.unread_count(user, until=until)


inbox_registry.register(
    "workreport_unread",
    label=gettext_lazy("Work reports to read"),
    items=unread_items,
    count=unread_count,
    icon="journal-text",
)
