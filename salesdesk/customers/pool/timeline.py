"""Timeline provider of the public pools: claims, assignments and returns of a customer."""

from __future__ import annotations

from django.utils.translation import gettext as _

from salesdesk.core.timeline import TimelineEntry, timeline_registry
from salesdesk.customers.pool.autoreturn import reason_display
from salesdesk.customers.pool.models import PoolEvent
from salesdesk.customers.pool.selectors import pool_events_of

ICONS = {
    PoolEvent.Kind.CLAIM: "box-arrow-in-down",
    PoolEvent.Kind.ASSIGN: "person-check",
    PoolEvent.Kind.RETURN: "box-arrow-up",
    PoolEvent.Kind.AUTO_RETURN: "hourglass-bottom",
}


def event_title(event: PoolEvent) -> str:
    pool = event.pool.name
    if event.kind == PoolEvent.Kind.CLAIM:
        return _("Claimed from the public pool %(pool)s by %(user)s") % {
            "pool": pool,
            "user": event.to_user.name if event.to_user_id else "?",
        }
    if event.kind == PoolEvent.Kind.ASSIGN:
        return _("Assigned from the public pool %(pool)s to %(user)s") % {
            "pool": pool,
            "user": event.to_user.name if event.to_user_id else "?",
        }
    if event.kind == PoolEvent.Kind.RETURN:
        return _("Returned to the public pool %(pool)s") % {"pool": pool}
    return _("Returned automatically to the public pool %(pool)s") % {"pool": pool}


def pool_entries(customer, user, limit: int) -> list[TimelineEntry]:
    """The customer's pool history (the caller has checked that `user` may see `customer`).
    A customer that never was in a pool has neither a pool nor a previous owner: no query."""
    if customer.pool_id is None and customer.previous_owner_id is None:
        return []
    return [
        TimelineEntry(
            at=event.at,
            kind="pool",
            icon=ICONS.get(event.kind, "circle"),
            title=event_title(event),
            body=reason_display(event),
            actor_name=event.actor.name if event.actor_id else "",
        )
        for event in pool_events_of(customer, limit)
    ]


timeline_registry.register("pool", pool_entries)
