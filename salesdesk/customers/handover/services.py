"""Writes of handover (CUS-7) and merge (CUS-5); one transaction each.

Every change of a customer's owner goes through `_hand_over`: the page and API handover, the
single transfer of the customer page, the bulk transfer of the list and the API's transfer. So
every transfer is recorded (Handover + HandoverItem), audited, notified and on the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salesdesk.core.audit import audit_record
from salesdesk.core.changes import record_changes
from salesdesk.core.locking import save_versioned
from salesdesk.core.models import AuditEvent, Notification
from salesdesk.core.records import require_active
from salesdesk.core.recycle import recycle_bin
from salesdesk.customers.handover import attachments as _attachments  # noqa: F401 - registers
from salesdesk.customers.handover.models import CustomerMerge, Handover, HandoverItem
from salesdesk.customers.handover.registry import customer_attachments
from salesdesk.customers.models import Customer
from salesdesk.customers.services import (
    CUSTOMER_FIELDS,
    CUSTOMER_KEY_FIELDS,
    _assignable_owner,
    _customer_clean,
    _editable,
    _require_transfer,
)
from salesdesk.org.models import FunctionPermission, User
from salesdesk.org.scoping import editable_by, visible_to

MAX_TARGETS = 20
REASON_MAX = 200
# Fields a merge may take from the duplicate (identity, classification, channels, notes).
MERGE_FIELDS = tuple(
    f for f in CUSTOMER_FIELDS if f not in {"purchase_count", "purchase_value", "level_locked"}
)


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- handover ------------------------------------------------------------------------------


def _targets(actor: User, from_user: User, to_users: Iterable[User]) -> list[User]:
    targets: list[User] = []
    seen: set[int] = set()
    for user in to_users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        _assignable_owner(actor, user, "to_users")
        if user.pk == from_user.pk:
            raise ValidationError(
                {"to_users": [_("The customers cannot be handed over to their current owner.")]}
            )
        targets.append(user)
    if not targets:
        raise ValidationError(
            {"to_users": [_("Choose at least one rep to receive the customers.")]}
        )
    if len(targets) > MAX_TARGETS:
        raise ValidationError(
            {"to_users": [_("Choose at most %(limit)d reps.") % {"limit": MAX_TARGETS}]}
        )
    return targets


def customer_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Current number of customers (not deleted) owned by each user: one query."""
    ids = list(user_ids)
    rows = (
        Customer.objects.filter(owner_id__in=ids)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    counts = dict.fromkeys(ids, 0)
    counts.update(dict(rows))
    return counts


def distribute(
    customer_ids: list[int], targets: list[User], strategy: str, counts: dict[int, int]
) -> dict[int, User]:
    """Who receives which customer. "one": all to the first target. "even": each customer, in
    order, to the target with the fewest customers so far (current ones included; ties go to the
    earlier target), so the reps end up as balanced as possible."""
    if strategy == Handover.Strategy.ONE:
        return {pk: targets[0] for pk in customer_ids}
    load = [counts.get(t.pk, 0) for t in targets]
    plan: dict[int, User] = {}
    for pk in customer_ids:
        index = min(range(len(targets)), key=lambda i: (load[i], i))
        plan[pk] = targets[index]
        load[index] += 1
    return plan


def _hand_over(
    *,
    actor: User,
    from_user: User,
    customers: list[Customer],
    plan: dict[int, User],
    source: str,
    strategy: str,
    reason: str,
    note: str,
    change_reason: str,
    request=None,
) -> Handover:
    """Move locked `customers` (all owned by `from_user`) as `plan` says, with their
    attachments; record, audit and notify."""
    now = timezone.now()
    items: list[HandoverItem] = []
    totals: dict[str, int] = dict.fromkeys(customer_attachments.keys(), 0)
    receivers: dict[str, int] = {}
    for customer in customers:
        to_user = plan[customer.pk]
        customer.owner = to_user
        customer.org_unit_id = to_user.unit_id
        customer.owned_since = now  # the pool's auto-return clock starts again (CUS-6)
        customer._change_reason = change_reason
        save_versioned(
            customer,
            expected_version=None,
            fields=["owner", "org_unit", "owned_since"],
            actor=actor,
        )
        moved = {}
        for attachment in customer_attachments.attachments():
            moved[attachment.key] = attachment.on_handover(
                customer_ids=[customer.pk], from_user=from_user, to_user=to_user, actor=actor
            )
            totals[attachment.key] = totals.get(attachment.key, 0) + moved[attachment.key]
        receivers[str(to_user.pk)] = receivers.get(str(to_user.pk), 0) + 1
        items.append(
            HandoverItem(customer=customer, from_user=from_user, to_user=to_user, moved=moved)
        )
    handover = Handover.objects.create(
        actor=actor,
        from_user=from_user,
        source=source,
        strategy=strategy,
        reason=reason,
        note=note,
        customer_count=len(customers),
        receivers=receivers,
        moved=totals,
    )
    for item in items:
        item.handover = handover
    HandoverItem.objects.bulk_create(items)
    audit_record(
        kind=AuditEvent.Kind.CUSTOMER_HANDOVER,
        actor=actor,
        request=request,
        target=handover,
        data={
            "from_user": from_user.pk,
            "receivers": receivers,
            "customers": [c.pk for c in customers[:100]],
            "customer_count": len(customers),
            "reason": reason,
            "moved": totals,
        },
    )
    by_id = {u.pk: u for u in plan.values()}
    link = _url("web:customers")
    for user_id, count in receivers.items():
        receiver = by_id[int(user_id)]
        if receiver.pk == actor.pk:
            continue
        if count == 1:
            only = next(c for c in customers if plan[c.pk].pk == receiver.pk)
            title = _("You received the customer “%(name)s” from %(from)s") % {
                "name": only.name,
                "from": from_user.name,
            }
            url = _url("web:customer_detail", only.pk)
        else:
            title = ngettext(
                "You received %(count)d customer from %(from)s",
                "You received %(count)d customers from %(from)s",
                count,
            ) % {"count": count, "from": from_user.name}
            url = f"{link}?owner={receiver.pk}" if link else ""
        Notification.objects.create(
            user=receiver,
            level=Notification.Level.INFO,
            kind="customer_handover",
            title=title[:200],
            body=(_("Handed over by %(actor)s.") % {"actor": actor.name})
            + (f" {reason}" if reason else ""),
            url=url,
        )
    return handover


@transaction.atomic
def handover_create(
    *,
    actor: User,
    from_user: User,
    to_users: Iterable[User],
    customer_ids: Iterable[int] | None = None,
    strategy: str = Handover.Strategy.ONE,
    reason: str = "",
    note: str = "",
    request=None,
) -> Handover:
    """Hand over the customers of `from_user` (all of them when `customer_ids` is None) to one
    or several reps. Needs the transfer permission, every customer editable by the actor and
    owned by `from_user`, and active receivers in the actor's scope. Open tasks of `from_user`
    about them move to the new owners, as do the other registered attachments."""
    require_active(actor)
    _require_transfer(actor)
    if not visible_to(User.objects.filter(pk=from_user.pk), actor).exists():
        raise ValidationError({"from_user": [_("Select a valid user.")]})
    if strategy not in Handover.Strategy.values:
        raise ValidationError({"strategy": [_("Select a valid choice.")]})
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": [
                    _("Ensure this value has at most %(limit)s characters.") % {"limit": REASON_MAX}
                ]
            }
        )
    targets = _targets(actor, from_user, list(to_users))
    if strategy == Handover.Strategy.ONE and len(targets) > 1:
        raise ValidationError(
            {"to_users": [_("Choose one rep, or spread the customers evenly over several.")]}
        )
    qs = editable_by(Customer.objects.select_for_update(), actor).filter(owner_id=from_user.pk)
    if customer_ids is None:
        customers = list(qs.order_by("pk"))
    else:
        ids = sorted({int(pk) for pk in customer_ids})
        customers = list(qs.filter(pk__in=ids).order_by("pk"))
        if len(customers) != len(ids):
            raise ValidationError(
                {
                    "customer_ids": [
                        _(
                            "Some of the selected customers do not belong to %(user)s or are "
                            "not yours to hand over. Reload the list and select again."
                        )
                        % {"user": from_user.name}
                    ]
                }
            )
    if not customers:
        raise ValidationError({"customer_ids": [_("There are no customers to hand over.")]})
    counts = customer_counts(t.pk for t in targets)
    plan = distribute([c.pk for c in customers], targets, strategy, counts)
    return _hand_over(
        actor=actor,
        from_user=from_user,
        customers=customers,
        plan=plan,
        source=Handover.Source.HANDOVER,
        strategy=strategy,
        reason=reason,
        note=(note or "").strip(),
        change_reason="handover",
        request=request,
    )


def customer_transfer_recorded(
    *, actor: User, customer: Customer, new_owner: User, request=None
) -> Customer:
    """The single transfer (customers.services.customer_transfer) on the recorded path. The
    caller holds the transaction and has checked permission, scope and the new owner."""
    current = _editable(Customer, actor, customer.pk)
    from_user = User.objects.get(pk=current.owner_id)
    _hand_over(
        actor=actor,
        from_user=from_user,
        customers=[current],
        plan={current.pk: new_owner},
        source=Handover.Source.TRANSFER,
        strategy=Handover.Strategy.ONE,
        reason="",
        note="",
        change_reason="transfer",
        request=request,
    )
    return current


def handover_preview(
    *,
    actor: User,
    from_user: User,
    to_users: Iterable[User],
    customer_ids: Iterable[int] | None = None,
    strategy: str = Handover.Strategy.ONE,
) -> dict[str, Any]:
    """What `handover_create` would do, without doing it: receivers with their customer counts
    (before/after) and the attachments that would come along. Raises the same errors."""
    require_active(actor)
    _require_transfer(actor)
    if not visible_to(User.objects.filter(pk=from_user.pk), actor).exists():
        raise ValidationError({"from_user": [_("Select a valid user.")]})
    if strategy not in Handover.Strategy.values:
        raise ValidationError({"strategy": [_("Select a valid choice.")]})
    targets = _targets(actor, from_user, list(to_users))
    if strategy == Handover.Strategy.ONE and len(targets) > 1:
        raise ValidationError(
            {"to_users": [_("Choose one rep, or spread the customers evenly over several.")]}
        )
    qs = editable_by(Customer.objects.all(), actor).filter(owner_id=from_user.pk)
    if customer_ids is not None:
        qs = qs.filter(pk__in={int(pk) for pk in customer_ids})
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError({"customer_ids": [_("There are no customers to hand over.")]})
    counts = customer_counts(t.pk for t in targets)
    plan = distribute(ids, targets, strategy, counts)
    receiving = {t.pk: 0 for t in targets}
    for user in plan.values():
        receiving[user.pk] += 1
    return {
        "customer_count": len(ids),
        "receivers": [
            {
                "user": t,
                "current": counts[t.pk],
                "receives": receiving[t.pk],
                "after": counts[t.pk] + receiving[t.pk],
            }
            for t in targets
        ],
        "attachments": [
            {"key": a.key, "label": str(a.label), "count": a.count(ids)}
            for a in customer_attachments.attachments()
            if a.count is not None
        ],
    }


# --- merge ---------------------------------------------------------------------------------


def _refuse_merged_restore(customer: Customer) -> None:
    merge = CustomerMerge.objects.filter(source_id=customer.pk).select_related("target").first()
    if merge is not None:
        raise ValidationError(
            _(
                "“%(name)s” was merged into “%(target)s”: its contacts, follow-ups and tasks now "
                "belong there, so it cannot be restored. Open “%(target)s” instead."
            )
            % {"name": customer.name, "target": merge.target.name}
        )


recycle_bin.register(Customer, can_restore=_refuse_merged_restore)


def merge_differences(source: Customer, target: Customer) -> list[dict[str, Any]]:
    """The mergeable fields whose values differ, for the side-by-side comparison."""
    rows = []
    for name in MERGE_FIELDS:
        field = Customer._meta.get_field(name)
        s, t = getattr(source, name), getattr(target, name)
        if s == t or (s in ("", None) and t in ("", None)):
            continue
        display = (
            (lambda obj, n=name: getattr(obj, f"get_{n}_display")())
            if field.choices
            else (lambda obj, n=name: getattr(obj, n))
        )
        rows.append(
            {
                "field": name,
                "label": str(field.verbose_name),
                "source": display(source),
                "target": display(target),
                # Default: keep the target's value, unless it is empty.
                "default": "source" if t in ("", None) else "target",
            }
        )
    return rows


def merge_related_counts(customer: Customer) -> list[dict[str, Any]]:
    return [
        {"key": a.key, "label": str(a.label), "count": a.count([customer.pk])}
        for a in customer_attachments.attachments()
        if a.count is not None
    ]


@transaction.atomic
def customer_merge(
    *,
    actor: User,
    source: Customer,
    target: Customer,
    field_choices: dict[str, str] | None = None,
    request=None,
) -> CustomerMerge:
    """Fold the duplicate `source` into `target`: the chosen fields are copied into the target
    (a versioned edit), every registered attachment moves over, the source goes to the recycle
    bin (not restorable) and the merge is recorded and audited. Needs the delete permission and
    write access to both customers."""
    require_active(actor)
    if not actor.has_function(FunctionPermission.DELETE):
        raise PermissionDenied(_("You do not have permission to merge customers."))
    if source.pk == target.pk:
        raise ValidationError({"source": [_("Choose a different customer to merge.")]})
    field_choices = dict(field_choices or {})
    unknown = sorted(set(field_choices) - set(MERGE_FIELDS))
    bad = sorted(f for f, v in field_choices.items() if v not in ("source", "target"))
    if unknown or bad:
        raise ValidationError(
            {
                "field_choices": [
                    _("Unknown fields or choices: %(fields)s.")
                    % {"fields": ", ".join(unknown + bad)}
                ]
            }
        )
    # Lock in id order (two merges of the same pair cannot deadlock).
    first, second = sorted([source.pk, target.pk])
    locked = {pk: _editable(Customer, actor, pk) for pk in (first, second)}
    src, tgt = locked[source.pk], locked[target.pk]
    taken = [f for f, v in field_choices.items() if v == "source"]
    for name in taken:
        setattr(tgt, name, getattr(src, name))
    if taken:
        _customer_clean(tgt)
        tgt._change_reason = "merge"
        save_versioned(
            tgt,
            expected_version=None,
            fields=[*taken, "credit_code", *CUSTOMER_KEY_FIELDS],
            actor=actor,
        )
    # The metric layer (D43): the source's follow-ups and scores move to the target's unit.
    with record_changes.tracking(Customer, [src.pk, tgt.pk]):
        moved = {
            a.key: a.on_merge(source=src, target=tgt, actor=actor)
            for a in customer_attachments.attachments()
        }
        now = timezone.now()
        src.deleted_at = now
        src.deleted_by = actor
        src._change_reason = "merged"
        src._history_user = actor
        src.save(update_fields=["deleted_at", "deleted_by"])
    merge = CustomerMerge.objects.create(
        actor=actor,
        source=src,
        target=tgt,
        source_name=src.name,
        field_choices={
            "choices": {f: field_choices[f] for f in sorted(field_choices)},
            "taken": {f: _json(getattr(src, f)) for f in sorted(taken)},
        },
        moved=moved,
    )
    audit_record(
        kind=AuditEvent.Kind.CUSTOMER_MERGE,
        actor=actor,
        request=request,
        target=tgt,
        data={"source": src.pk, "source_name": src.name, "taken": sorted(taken), "moved": moved},
    )
    return merge


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
