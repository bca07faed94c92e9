"""Customer 360 timeline provider: the customer's contracts (SAL-2). One query."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from salesdesk.core.timeline import TimelineEntry, timeline_registry
from salesdesk.sales.contracts.selectors import contracts_visible


def contract_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = (
        contracts_visible(user)
        .filter(customer_id=customer.pk)
        .select_related("owner")
        .order_by("-created_at", "-id")[:limit]
    )
    out = []
    for c in rows:
        try:
            url = reverse("web:contract_detail", args=[c.pk])
        except NoReverseMatch:
            url = ""
        out.append(
            TimelineEntry(
                at=c.created_at,
                kind="contract",
                icon="file-earmark-text",
                title=_("Contract %(number)s: %(title)s") % {"number": c.number, "title": c.title},
                body=f"{c.get_status_display()} · ¥{c.total_amount:,.2f}",
                actor_name=c.owner.name,
                url=url,
            )
        )
    return out


timeline_registry.register("contract", contract_entries)
