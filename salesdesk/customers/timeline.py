"""Timeline providers of the customers app (CUS-4): follow-ups, field changes (owner transfers
included), contacts added, tasks. Registered with salesdesk.core.timeline; each reads through the
scoping function and costs one or two queries whatever the customer's history."""

from __future__ import annotations

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from salesdesk.core.timeline import TimelineEntry, timeline_registry
from salesdesk.customers.models import Contact, Customer, FollowUp, Task
from salesdesk.org.models import User
from salesdesk.org.scoping import visible_to

# Fields whose changes are not worth a line on the timeline.
# (the follow-up rhythm is shown by the follow-ups and tasks themselves).
_QUIET_FIELDS = {
    "version",
    "owned_since",  # moves with the owner (transfer, claim)
    "updated_at",
    "deleted_at",
    "deleted_by",
    "last_follow_up_at",
    "next_follow_up_at",
}
_FIELD_ORDER = {f.name: i for i, f in enumerate(Customer._meta.fields)}


def follow_up_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = (
        visible_to(FollowUp.objects.filter(customer_id=customer.pk), user)
        .select_related("author")
        .order_by("-occurred_at", "-id")[:limit]
    )
    return [
        TimelineEntry(
            at=row.occurred_at,
            kind="follow_up",
            icon="chat-left-text",
            title=str(row.get_kind_display()),
            body=Truncator(row.content).chars(300),
            actor_name=row.author.name,
        )
        for row in rows
    ]


def change_entries(customer, user, limit: int) -> list[TimelineEntry]:
    """Creation, field changes and transfers, from the customer's field history."""
    if not visible_to(Customer.all_objects.filter(pk=customer.pk), user).exists():
        return []
    records = list(
        Customer.history.filter(id=customer.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    owner_ids = {r.owner_id for r in records}
    owners = {u.pk: u.name for u in User.objects.filter(pk__in=owner_ids)}
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        actor_name = record.history_user.name if record.history_user_id else ""
        if record.history_type == "+":
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="change",
                    icon="plus-circle",
                    title=_("Customer created"),
                    actor_name=actor_name,
                )
            )
            continue
        if previous is None:
            continue
        if (record.history_change_reason or "").startswith("pool:"):
            continue  # claims, assignments and returns: the public pool's own entries
        changed = [
            c.field for c in record.diff_against(previous).changes if c.field not in _QUIET_FIELDS
        ]
        if "owner" in changed and record.history_change_reason == "handover":
            # Shown by the handover records' own provider (customers/handover/timeline.py).
            changed = [f for f in changed if f not in {"owner", "org_unit"}]
        if "owner" in changed:
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="transfer",
                    icon="arrow-left-right",
                    title=_("Transferred from %(old)s to %(new)s")
                    % {
                        "old": owners.get(previous.owner_id, "?"),
                        "new": owners.get(record.owner_id, "?"),
                    },
                    actor_name=actor_name,
                )
            )
            changed = [f for f in changed if f not in {"owner", "org_unit"}]
        if record.history_change_reason == "deleted":
            title = _("Moved to the recycle bin")
        elif record.history_change_reason == "restored":
            title = _("Restored from the recycle bin")
        elif changed:
            changed.sort(key=lambda f: _FIELD_ORDER.get(f, 999))
            labels = [str(Customer._meta.get_field(f).verbose_name) for f in changed]
            title = _("Changed: %(fields)s") % {"fields": ", ".join(labels)}
        else:
            continue
        entries.append(
            TimelineEntry(
                at=record.history_date,
                kind="change",
                icon="pencil",
                title=title,
                actor_name=actor_name,
            )
        )
    return entries


def contact_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = visible_to(Contact.objects.filter(customer_id=customer.pk), user).order_by(
        "-created_at", "-id"
    )[:limit]
    return [
        TimelineEntry(
            at=row.created_at,
            kind="contact",
            icon="person-plus",
            title=_("Contact added: %(name)s") % {"name": row.name},
            body=" · ".join(p for p in [row.title, row.mobile, row.email] if p),
        )
        for row in rows
    ]


def task_entries(customer, user, limit: int) -> list[TimelineEntry]:
    rows = (
        visible_to(Task.objects.filter(customer_id=customer.pk), user)
        .select_related("owner")
        .order_by("-created_at", "-id")[:limit]
    )
    entries = []
    for row in rows:
        entries.append(
            TimelineEntry(
                at=row.created_at,
                kind="task",
                icon="calendar-event",
                title=_("Task planned: %(title)s") % {"title": row.title},
                actor_name=row.owner.name,
            )
        )
        if row.done_at is not None:
            entries.append(
                TimelineEntry(
                    at=row.done_at,
                    kind="task",
                    icon="check2-circle",
                    title=_("Task done: %(title)s") % {"title": row.title},
                    actor_name=row.owner.name,
                )
            )
    return entries


timeline_registry.register("follow_ups", follow_up_entries)
timeline_registry.register("changes", change_entries)
timeline_registry.register("contacts", contact_entries)
timeline_registry.register("tasks", task_entries)


# Return visits, satisfaction and feedback tickets (CUS-9, CUS-11).
from salesdesk.customers import service_timeline  # noqa: E402,F401
from salesdesk.customers.handover import timeline as _handover  # noqa: E402,F401 - registers
from salesdesk.customers.pool import timeline as _pool_timeline  # noqa: E402, F401
