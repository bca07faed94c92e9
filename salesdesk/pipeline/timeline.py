"""Customer 360 timeline provider of the funnel (CUS-4): opportunities created, won, lost and
reopened, from the stage events of the customer's deals the viewer may see (one query)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from salesdesk.core.timeline import TimelineEntry, timeline_registry
from salesdesk.pipeline.models import Opportunity, StageEvent

_ICONS = {
    "created": "briefcase",
    "moved": "arrow-right-circle",
    "won": "trophy",
    "lost": "x-circle",
    "reopened": "arrow-counterclockwise",
}


def opportunity_entries(customer, user, limit: int) -> list[TimelineEntry]:
    visible = Opportunity.objects.visible_to(user).filter(customer_id=customer.pk).values("id")
    rows = (
        StageEvent.objects.filter(opportunity_id__in=visible)
        .select_related("opportunity", "to_stage", "from_stage", "actor")
        .order_by("-at", "-id")[:limit]
    )
    entries = []
    for e in rows:
        titles = {
            "created": _("Opportunity created"),
            "moved": _("Opportunity moved"),
            "won": _("Opportunity won"),
            "lost": _("Opportunity lost"),
            "reopened": _("Opportunity reopened"),
        }
        stage = e.to_stage or e.from_stage
        body = f"{e.opportunity.title} · ¥{e.opportunity.amount:,.2f}"
        if stage is not None:
            body += f" · {stage.display_name}"
        entries.append(
            TimelineEntry(
                at=e.at,
                kind="opportunity",
                icon=_ICONS.get(e.kind, "briefcase"),
                title=titles.get(e.kind, e.kind),
                body=body,
                actor_name=e.actor.name if e.actor_id else "",
                url=reverse("web:opportunity_detail", args=[e.opportunity_id]),
            )
        )
    return entries


timeline_registry.register("opportunity", opportunity_entries)
