"""Customer 360 timeline provider (CUS-4): "converted from lead" on the converted customer."""

from __future__ import annotations

from django.utils.translation import gettext as _

from salesdesk.core.timeline import TimelineEntry, timeline_registry
from salesdesk.pipeline.leads.models import Lead


def lead_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = (
        Lead.objects.filter(converted_customer_id=customer.pk, converted_at__isnull=False)
        .select_related("owner")
        .order_by("-converted_at", "-id")[:limit]
    )
    return [
        TimelineEntry(
            at=lead.converted_at,
            kind="lead",
            icon="funnel",
            title=_("Converted from lead"),
            body=f"{lead.name} · {_('lead created')} {lead.created_at:%Y-%m-%d}",
            actor_name=lead.owner.name if lead.owner_id else "",
            url="",
        )
        for lead in rows
    ]


timeline_registry.register("lead", lead_entries)
