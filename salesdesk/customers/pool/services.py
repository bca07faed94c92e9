"""Writes of public pools (CUS-6): claim, assign, return, and pool/rule administration.

Claims are race-free: the claim runs in one transaction that first locks the claimer's user row
(select_for_update; on SQLite the IMMEDIATE transaction serialises writers anyway), so one user's
parallel claims are checked against the daily limit and the quota one after another; the customer
then changes hands with one conditional UPDATE (`... WHERE id = %s AND pool_id IS NOT NULL`):
of any number of parallel claimers exactly one sees a row count of 1, the others are told that
someone else claimed it. Every refusal raises ValidationError (or DoesNotExist / PermissionDenied)
before anything is written.

Open tasks of a customer returned to a pool are closed (marked done): a to-do of a customer one no
longer owns cannot be acted on, and the next owner plans their own follow-ups. The return is
recorded in the pool history with the reason, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.changes import record_changes
from salesdesk.core.models import AuditEvent
from salesdesk.core.records import require_active
from salesdesk.customers.models import Customer, CustomerLevel, Task
from salesdesk.customers.pool.models import Pool, PoolEvent, PoolRule
from salesdesk.customers.pool.selectors import (
    can_admin_pools,
    is_member,
    membership_changed,
    pool_for_unit,
)
from salesdesk.customers.selectors import day_bounds
from salesdesk.org.models import FunctionPermission, OrgUnit, User
from salesdesk.org.scoping import editable_by, visible_to

POOL_FIELDS = (
    "name",
    "description",
    "is_active",
    "is_default",
    "claim_limit_per_day",
    "cooldown_days",
    "reminder_days",
    "quota",
)
RULE_FIELDS = ("kind", "days", "levels", "exempt_won", "is_active")
MAX_REASON = 300


def _setup_changed() -> None:
    """Drop the cached pool set-up the to-do inbox reads (see pool/inbox.py) once this
    transaction commits."""
    from salesdesk.customers.pool.inbox import forget_setup

    transaction.on_commit(forget_setup)


def _require_pool_admin(actor: User) -> None:
    require_active(actor)
    if not can_admin_pools(actor):
        raise PermissionDenied(_("You do not have permission to administer public pools."))


def can_assign_from_pool(user: User) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.has_function(FunctionPermission.TRANSFER)
            or user.has_function(FunctionPermission.POOL_ADMIN)
        )
    )


def _history(customer: Customer, actor: User | None, reason: str, fields: list[str]) -> None:
    """Write the field history row of a pool move (the row was changed by a conditional UPDATE;
    this save repeats the same values so simple_history records them)."""
    if actor is not None:
        customer._history_user = actor
    customer._change_reason = reason
    customer.save(update_fields=[*fields, "updated_at"])


def _take(*, customer_id: int, to_user: User, now) -> Customer | None:
    """Move a pool customer to `to_user` with one conditional UPDATE; None when it is no longer
    in a pool (someone else was faster)."""
    with record_changes.tracking(Customer, [customer_id]):  # the metric layer (D43)
        updated = Customer.objects.filter(pk=customer_id, pool__isnull=False).update(
            owner=to_user,
            org_unit_id=to_user.unit_id,
            pool=None,
            pooled_at=None,
            owned_since=now,
            version=F("version") + 1,
            updated_at=now,
        )
    if updated != 1:
        return None
    return Customer.objects.get(pk=customer_id)


def _refusal(message: str, code: str) -> ValidationError:
    """A claim refusal: on the "customer" field, with a code clients can act on."""
    return ValidationError({"customer": [ValidationError(message, code=code)]})


def _refuse_claim(actor: User, customer: Customer, pool: Pool, now) -> None:
    """The claim rules, in the order a user can act on them."""
    if (
        pool.cooldown_days
        and customer.previous_owner_id == actor.pk
        and customer.pooled_at is not None
        and customer.pooled_at + timedelta(days=pool.cooldown_days) > now
    ):
        until = timezone.localtime(customer.pooled_at + timedelta(days=pool.cooldown_days))
        raise _refusal(
            _("You returned this customer recently; you may claim it again from %(date)s.")
            % {"date": formats.date_format(until, "SHORT_DATETIME_FORMAT")},
            "cooldown",
        )
    if pool.claim_limit_per_day:
        start, end = day_bounds(actor)
        claimed = PoolEvent.objects.filter(
            actor_id=actor.pk, kind=PoolEvent.Kind.CLAIM, at__gte=start, at__lt=end
        ).count()
        if claimed >= pool.claim_limit_per_day:
            raise _refusal(
                _("You have reached the daily limit of %(limit)s claims. Try again tomorrow.")
                % {"limit": pool.claim_limit_per_day},
                "claim_limit",
            )
    quota = customer_quota(pool, actor)
    if quota:
        owned = Customer.objects.filter(owner_id=actor.pk).count()
        if owned >= quota:
            raise _refusal(
                _(
                    "You already own %(owned)s customers, the quota of %(quota)s is "
                    "reached. Return a customer to the pool first."
                )
                % {"owned": owned, "quota": quota},
                "quota",
            )


def customer_quota(pool: Pool, user: User) -> int:
    """The customers `user` may own when taking from `pool`: the stricter non-zero of the pool's
    quota and the quota of the user's current sales tier (ORG-4); 0 means no limit."""
    from salesdesk.tiers.selectors import tier_of

    tier = tier_of(user.pk, timezone.localdate())
    limits = [q for q in (pool.quota, tier.customer_quota if tier else 0) if q]
    return min(limits) if limits else 0


def _already_claimed() -> ValidationError:
    return _refusal(_("This customer has already been claimed by someone else."), "claimed")


@transaction.atomic
def pool_claim(*, actor: User, customer: Customer, request=None) -> Customer:
    """Claim a pool customer: the actor becomes its owner (and its unit the actor's unit)."""
    require_active(actor)
    if actor.unit_id is None:
        raise ValidationError({"customer": [_("You do not belong to an org unit.")]})
    # Serialise this user's claims: limit and quota are checked one claim after another.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    current = Customer.objects.select_related("pool").filter(pk=customer.pk).first()
    if current is None:
        raise Customer.DoesNotExist
    if current.pool_id is None:
        if current.owner_id == actor.pk:
            raise ValidationError({"customer": [_("This customer is already yours.")]})
        # It was in one of the actor's pools a moment ago: someone else was faster.
        if PoolEvent.objects.filter(customer_id=current.pk, pool_id__in=_pool_ids(actor)).exists():
            raise _already_claimed()
        raise Customer.DoesNotExist
    pool = current.pool
    if not is_member(actor, pool):
        raise Customer.DoesNotExist
    now = timezone.now()
    _refuse_claim(actor, current, pool, now)
    taken = _take(customer_id=current.pk, to_user=actor, now=now)
    if taken is None:
        raise _already_claimed()
    PoolEvent.objects.create(
        customer=taken,
        pool=pool,
        kind=PoolEvent.Kind.CLAIM,
        actor=actor,
        to_user=actor,
        from_user_id=None,
        at=now,
    )
    _history(taken, actor, "pool:claim", ["owner", "org_unit", "pool", "pooled_at", "owned_since"])
    return taken


def _pool_ids(actor: User) -> list[int]:
    from salesdesk.customers.pool.selectors import pool_ids_of

    return pool_ids_of(actor)


@transaction.atomic
def pool_assign(
    *, actor: User, pool: Pool, customers: Iterable[Customer | int], to_user: User, request=None
) -> list[Customer]:
    """Hand pool customers to a user in the actor's scope (managers: transfer or pool-admin
    permission). All or nothing: a customer no longer in the pool refuses the whole batch."""
    require_active(actor)
    if not can_assign_from_pool(actor):
        raise PermissionDenied(_("You do not have permission to assign pool customers."))
    if not is_member(actor, pool) and not can_admin_pools(actor):
        raise Pool.DoesNotExist
    if not visible_to(User.objects.filter(pk=to_user.pk), actor).exists():
        raise ValidationError({"to_user": [_("Select a valid user.")]})
    if not to_user.is_active:
        raise ValidationError({"to_user": [_("This user is deactivated.")]})
    if to_user.unit_id is None:
        raise ValidationError({"to_user": [_("This user does not belong to an org unit.")]})
    ids = sorted({c.pk if isinstance(c, Customer) else int(c) for c in customers})
    if not ids:
        raise ValidationError({"customers": [_("Select at least one customer.")]})
    quota = customer_quota(pool, to_user)
    if quota:
        owned = Customer.objects.filter(owner_id=to_user.pk).count()
        if owned + len(ids) > quota:
            raise ValidationError(
                {
                    "to_user": [
                        _("%(name)s owns %(owned)s customers; the quota is %(quota)s.")
                        % {"name": to_user.name, "owned": owned, "quota": quota}
                    ]
                }
            )
    User.objects.select_for_update().filter(pk=to_user.pk).first()
    now = timezone.now()
    taken = []
    for customer_id in ids:
        if not Customer.objects.filter(pk=customer_id, pool=pool).exists():
            raise _already_claimed()
        customer = _take(customer_id=customer_id, to_user=to_user, now=now)
        if customer is None:
            raise _already_claimed()
        taken.append(customer)
    PoolEvent.objects.bulk_create(
        [
            PoolEvent(
                customer=c,
                pool=pool,
                kind=PoolEvent.Kind.ASSIGN,
                actor=actor,
                to_user=to_user,
                at=now,
            )
            for c in taken
        ]
    )
    for customer in taken:
        _history(
            customer,
            actor,
            "pool:assign",
            ["owner", "org_unit", "pool", "pooled_at", "owned_since"],
        )
    return taken


def _close_open_tasks(customer_id: int, now) -> int:
    return Task.objects.filter(customer_id=customer_id, done_at__isnull=True).update(
        done_at=now, updated_at=now, version=F("version") + 1
    )


@transaction.atomic
def pool_return(*, actor: User, customer: Customer, reason: str, request=None) -> Customer:
    """Return an owned customer to its pool (the owner, or a manager who may change the customer
    and transfer). A reason is required."""
    require_active(actor)
    reason = (reason or "").strip()
    owned = Customer.objects.select_for_update().filter(owner__isnull=False)
    current = editable_by(owned, actor).filter(pk=customer.pk).first()
    if current is None:
        if visible_to(owned.filter(pk=customer.pk), actor).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        raise Customer.DoesNotExist
    if current.owner_id != actor.pk and not actor.has_function(FunctionPermission.TRANSFER):
        raise PermissionDenied(_("Only the owner or a manager may return this customer."))
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for returning the customer.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("Ensure this value has at most %(limit)s characters.") % {"limit": 300}]}
        )
    pool = pool_for_unit(current.org_unit_id)
    if pool is None:
        raise ValidationError({"customer": [_("No public pool takes customers of this unit.")]})
    now = timezone.now()
    previous_owner_id = current.owner_id
    Customer.objects.filter(pk=current.pk).update(
        previous_owner_id=previous_owner_id,
        owner=None,
        pool=pool,
        pooled_at=now,
        owned_since=None,
        version=F("version") + 1,
        updated_at=now,
    )
    _close_open_tasks(current.pk, now)
    Customer.objects.filter(pk=current.pk).update(next_follow_up_at=None)
    PoolEvent.objects.create(
        customer=current,
        pool=pool,
        kind=PoolEvent.Kind.RETURN,
        actor=actor,
        from_user_id=previous_owner_id,
        reason=reason,
        at=now,
    )
    returned = Customer.objects.get(pk=current.pk)
    _history(
        returned,
        actor,
        "pool:return",
        ["owner", "previous_owner", "pool", "pooled_at", "owned_since", "next_follow_up_at"],
    )
    return returned


# --- administration -------------------------------------------------------------------------


def _pool_clean(pool: Pool) -> None:
    pool.name = (pool.name or "").strip()
    pool.description = (pool.description or "").strip()
    if not pool.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    for field in ("claim_limit_per_day", "cooldown_days", "reminder_days", "quota"):
        value = getattr(pool, field)
        if value is None or not isinstance(value, int) or value < 0:
            raise ValidationError({field: [_("Enter a whole number of zero or more.")]})
    pool.full_clean(validate_unique=False, validate_constraints=False)


def _members(actor, member_units, member_users):
    units = users = None
    if member_units is not None:
        ids = {u.pk if isinstance(u, OrgUnit) else int(u) for u in member_units}
        units = list(OrgUnit.objects.filter(pk__in=ids))
        if len(units) != len(ids):
            raise ValidationError({"member_units": [_("Select valid org units.")]})
    if member_users is not None:
        ids = {u.pk if isinstance(u, User) else int(u) for u in member_users}
        users = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(users) != len(ids):
            raise ValidationError({"member_users": [_("Select valid users.")]})
    return units, users


def _one_default(pool: Pool) -> None:
    if pool.is_default:
        Pool.objects.exclude(pk=pool.pk).filter(is_default=True).update(is_default=False)


@transaction.atomic
def pool_create(
    *,
    actor: User,
    member_units: Iterable[OrgUnit | int] = (),
    member_users: Iterable[User | int] = (),
    request=None,
    **fields: Any,
) -> Pool:
    _setup_changed()
    _require_pool_admin(actor)
    unknown = set(fields) - set(POOL_FIELDS)
    if unknown:
        raise ValueError(f"unknown pool fields: {sorted(unknown)}")
    pool = Pool(**fields)
    _pool_clean(pool)
    units, users = _members(actor, member_units, member_users)
    pool.save()
    pool.member_units.set(units or [])
    pool.member_users.set(users or [])
    _one_default(pool)
    membership_changed()
    return pool


@transaction.atomic
def pool_update(
    *,
    actor: User,
    pool: Pool,
    expected_version: int | None = None,
    member_units: Iterable[OrgUnit | int] | None = None,
    member_users: Iterable[User | int] | None = None,
    request=None,
    **changes: Any,
) -> Pool:
    _setup_changed()
    from salesdesk.core.locking import StaleEditError, save_versioned

    _require_pool_admin(actor)
    unknown = set(changes) - set(POOL_FIELDS)
    if unknown:
        raise ValueError(f"unknown pool fields: {sorted(unknown)}")
    current = Pool.objects.select_for_update().filter(pk=pool.pk).first()
    if current is None:
        raise Pool.DoesNotExist
    if expected_version is not None and current.version != expected_version:
        raise StaleEditError(current, [])
    for field, value in changes.items():
        setattr(current, field, value)
    _pool_clean(current)
    units, users = _members(actor, member_units, member_users)
    save_versioned(current, expected_version=current.version, fields=list(changes), actor=actor)
    if units is not None:
        current.member_units.set(units)
    if users is not None:
        current.member_users.set(users)
    _one_default(current)
    membership_changed()
    return current


@transaction.atomic
def pool_delete(*, actor: User, pool: Pool, request=None) -> Pool:
    """Delete a pool (soft: it stays in the database, inactive, for its history); refused while
    customers are in it."""
    _setup_changed()
    _require_pool_admin(actor)
    current = Pool.objects.select_for_update().filter(pk=pool.pk).first()
    if current is None:
        raise Pool.DoesNotExist
    if Customer.all_objects.filter(pool_id=pool.pk).exists():
        raise ValidationError(
            {"pool": [_("The pool still holds customers; assign or move them first.")]}
        )
    current.deleted_at = timezone.now()
    current.deleted_by = actor
    current.is_active = False
    current.save(update_fields=["deleted_at", "deleted_by", "is_active", "updated_at"])
    audit_record(kind=AuditEvent.Kind.RECORD_DELETED, actor=actor, request=request, target=current)
    membership_changed()
    return current


def _rule_clean(rule: PoolRule) -> None:
    if rule.kind not in PoolRule.Kind.values:
        raise ValidationError({"kind": [_("Select a valid choice.")]})
    if not isinstance(rule.days, int) or rule.days < 1 or rule.days > 3650:
        raise ValidationError({"days": [_("Enter a number of working days from 1 to 3650.")]})
    levels = rule.levels or []
    if not isinstance(levels, list) or any(lv not in CustomerLevel.values for lv in levels):
        raise ValidationError({"levels": [_("Select valid customer levels.")]})
    rule.levels = sorted(set(levels))


@transaction.atomic
def pool_rule_create(*, actor: User, pool: Pool, request=None, **fields: Any) -> PoolRule:
    _setup_changed()
    _require_pool_admin(actor)
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rule fields: {sorted(unknown)}")
    rule = PoolRule(pool=pool, **fields)
    _rule_clean(rule)
    rule.save()
    return rule


@transaction.atomic
def pool_rule_update(*, actor: User, rule: PoolRule, request=None, **changes: Any) -> PoolRule:
    _setup_changed()
    _require_pool_admin(actor)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rule fields: {sorted(unknown)}")
    current = PoolRule.objects.select_for_update().get(pk=rule.pk)
    for field, value in changes.items():
        setattr(current, field, value)
    _rule_clean(current)
    current.save()
    return current


@transaction.atomic
def pool_rule_delete(*, actor: User, rule: PoolRule, request=None) -> None:
    _setup_changed()
    _require_pool_admin(actor)
    PoolRule.objects.filter(pk=rule.pk).delete()
