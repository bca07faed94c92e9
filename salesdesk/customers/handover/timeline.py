"""Timeline provider (CUS-4) of handovers and merges: "Handed over from A to B by C" on every
handed-over customer, and "Merged “X” into this customer" on the kept one. Two queries."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from salesdesk.core.timeline import TimelineEntry, timeline_registry
from salesdesk.customers.handover.models import CustomerMerge, Handover, HandoverItem
from salesdesk.customers.models import Customer
from salesdesk.org.scoping import visible_to


def handover_entries(customer, user, limit: int) -> list[TimelineEntry]:
    # Scoped in the same queries (a subquery), so an out-of-scope caller gets nothing.
    visible = visible_to(Customer.all_objects.filter(pk=customer.pk), user).values("pk")
    entries = []
    items = (
        HandoverItem.objects.filter(
            customer_id=customer.pk, handover__source=Handover.Source.HANDOVER
        )
        .select_related("handover__actor", "from_user", "to_user")
        .order_by("-handover__created_at", "-id")[:limit]
    )
    for item in items:
        handover = item.handover
        try:
            url = reverse("web:handover_detail", args=[handover.pk])
        except NoReverseMatch:
            url = ""
        entries.append(
            TimelineEntry(
                at=handover.created_at,
                kind="handover",
                icon="people",
                title=_("Handed over from %(old)s to %(new)s by %(actor)s")
                % {
                    "old": item.from_user.name,
                    "new": item.to_user.name,
                    "actor": handover.actor.name,
                },
                body=handover.reason,
                actor_name=handover.actor.name,
                url=url if user.has_function("can_transfer") else "",
            )
        )
    merges = (
        CustomerMerge.objects.filter(target_id__in=visible)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    for merge in merges:
        entries.append(
            TimelineEntry(
                at=merge.created_at,
                kind="merge",
                icon="intersect",
                title=_("Merged “%(name)s” into this customer") % {"name": merge.source_name},
                actor_name=merge.actor.name,
            )
        )
    return entries


timeline_registry.register("handovers", handover_entries)
