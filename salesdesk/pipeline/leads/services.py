"""Writes for leads (FUN-1); one transaction each, same rules as salesdesk.customers.services:
the actor must be active; a lead outside the actor's reach raises `Lead.DoesNotExist`, a visible
but read-only one PermissionDenied; bad input raises ValidationError({field: [message]}) and
changes nothing; edits are optimistic-locked (a stale `expected_version` raises StaleEditError).

Assignment (create and import): an explicit owner, else the first active matching rule
(`LeadAssignmentRule`, in order), else the lead pool of the actor's unit. Round robin takes the
next active member of the rule's unit by one `UPDATE … SET rr_counter = rr_counter + 1` on the
rule's row, which serialises concurrent creates on SQLite and PostgreSQL alike.
Claims are one conditional UPDATE (`owner IS NULL`): of two concurrent claimers exactly one wins.
Conversion creates the customer (duplicate-checked, or takes an existing one), its contact and the
opportunity, and marks the lead converted, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.records import reject_unknown, require_active
from salesdesk.core.recycle import record_restore, record_soft_delete, recycle_bin
from salesdesk.customers.duplicates import DuplicateHit, duplicate_check, mask_name, mask_person
from salesdesk.customers.models import Contact, Customer
from salesdesk.customers.normalize import normalize_email, normalize_name, normalize_phone
from salesdesk.org.models import FunctionPermission, OrgUnit, User
from salesdesk.org.permissions import can_configure
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.pipeline.leads.models import (
    OPEN_STATUSES,
    Lead,
    LeadAssignmentRule,
    LeadSource,
    LeadStatus,
)
from salesdesk.pipeline.leads.selectors import pool_unit_ids
from salesdesk.pipeline.models import Opportunity, Pipeline

recycle_bin.register(Lead)

LEAD_FIELDS = (
    "name",
    "contact_name",
    "phone",
    "email",
    "province",
    "city",
    "industry",
    "source",
    "channel",
    "product_line",
    "notes",
)
RULE_FIELDS = (
    "name",
    "order",
    "is_active",
    "province",
    "product_line",
    "target_user",
    "target_unit",
)
MIN_PHONE_DIGITS = 6

# How the owner of a new lead is chosen.
ASSIGN_ME = "me"
ASSIGN_RULES = "rules"
ASSIGN_POOL = "pool"


# --- checks ---------------------------------------------------------------------------------


def _require_assign(actor: User) -> None:
    if not (
        actor.has_function(FunctionPermission.TRANSFER)
        or actor.has_function(FunctionPermission.POOL_ADMIN)
    ):
        raise PermissionDenied(_("You do not have permission to assign leads."))


def _editable_lead(actor: User, pk: int) -> Lead:
    """The lead locked for a change. A pool lead the actor may claim is editable too."""
    require_active(actor)
    qs = Lead.objects.select_for_update()
    instance = editable_by(qs, actor).filter(pk=pk).first()
    if instance is None:
        instance = qs.filter(
            pk=pk, owner__isnull=True, org_unit_id__in=pool_unit_ids(actor)
        ).first()
    if instance is None:
        if visible_to(Lead.objects.filter(pk=pk), actor).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        raise Lead.DoesNotExist
    return instance


def _assignable_user(actor: User, user: User, field: str = "owner") -> User:
    if user is None or not visible_to(User.objects.filter(pk=user.pk), actor).exists():
        raise ValidationError({field: [_("Select a valid user.")]})
    if not user.is_active:
        raise ValidationError({field: [_("This user is deactivated.")]})
    if user.unit_id is None:
        raise ValidationError({field: [_("This user does not belong to an org unit.")]})
    return user


def _lead_clean(lead: Lead) -> None:
    for name in LEAD_FIELDS:
        value = getattr(lead, name, None)
        if isinstance(value, str):
            setattr(lead, name, value.strip())
    if not lead.name:
        raise ValidationError({"name": [_("Enter the company or person name.")]})
    if lead.email:
        try:
            validate_email(lead.email)
        except ValidationError:
            raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
    if lead.source not in LeadSource.values:
        raise ValidationError({"source": [_("Select a valid source.")]})
    lead.name_key = normalize_name(lead.name)
    lead.phone_key = normalize_phone(lead.phone)
    lead.email_key = normalize_email(lead.email)


# --- duplicate check --------------------------------------------------------------------------


@dataclass
class LeadHit:
    lead_id: int
    matched_on: list[str] = field(default_factory=list)
    visible: bool = False
    name: str = ""
    owner_name: str = ""

    def as_dict(self) -> dict:
        return {
            "lead_id": self.lead_id,
            "matched_on": list(self.matched_on),
            "visible": self.visible,
            "name": self.name,
            "owner_name": self.owner_name,
        }


class DuplicateLeadError(ValidationError):
    """The lead looks like an existing customer or open lead (override with allow_duplicate)."""

    def __init__(self, customer_hits: list[DuplicateHit], lead_hits: list[LeadHit]):
        self.customer_hits = customer_hits
        self.lead_hits = lead_hits
        super().__init__(
            {"name": [ValidationError(_("This lead may already exist."), code="duplicate")]}
        )


def lead_duplicates(
    *, actor: User, name: str = "", phone: str = "", email: str = "", exclude_pk=None
) -> tuple[list[DuplicateHit], list[LeadHit]]:
    """Customers (salesdesk.customers.duplicates) and open leads with the same normalised name,
    phone or email. Out-of-scope hits are masked."""
    customer_hits = duplicate_check(actor=actor, name=name, phone=phone, email=email)
    keys = {
        "name": normalize_name(name),
        "phone": normalize_phone(phone),
        "email": normalize_email(email),
    }
    if len(keys["phone"]) < MIN_PHONE_DIGITS:
        keys["phone"] = ""
    cond = Q(pk__in=[])
    for reason, key in keys.items():
        if key:
            cond |= Q(**{f"{reason}_key": key})
    rows = list(
        Lead.objects.filter(cond, status__in=OPEN_STATUSES)
        .exclude(pk=exclude_pk)
        .select_related("owner")
        .order_by("id")[:10]
    )
    if not rows:
        return customer_hits, []
    seen = set(
        visible_to(Lead.objects.filter(pk__in=[r.pk for r in rows]), actor).values_list(
            "pk", flat=True
        )
    )
    hits = []
    for row in rows:
        matched = [r for r, k in keys.items() if k and getattr(row, f"{r}_key") == k]
        ok = row.pk in seen
        owner = row.owner.name if row.owner_id else ""
        hits.append(
            LeadHit(
                lead_id=row.pk,
                matched_on=matched,
                visible=ok,
                name=row.name if ok else mask_name(row.name),
                owner_name=owner if ok else (mask_person(owner) if owner else ""),
            )
        )
    return customer_hits, hits


# --- assignment rules -------------------------------------------------------------------------


def _rule_matches(rule: LeadAssignmentRule, lead: Lead) -> bool:
    if rule.province and rule.province != lead.province:
        return False
    return not (rule.product_line_id and rule.product_line_id != lead.product_line_id)


def _round_robin(rule: LeadAssignmentRule) -> User | None:
    members = list(User.objects.filter(unit_id=rule.target_unit_id, is_active=True).order_by("id"))
    if not members:
        return None
    # One UPDATE takes the row lock (PostgreSQL) / the write lock (SQLite IMMEDIATE): concurrent
    # creators queue here and each reads its own position.
    LeadAssignmentRule.objects.filter(pk=rule.pk).update(rr_counter=F("rr_counter") + 1)
    position = LeadAssignmentRule.objects.filter(pk=rule.pk).values_list("rr_counter", flat=True)[0]
    return members[(position - 1) % len(members)]


def apply_rules(lead: Lead, rules: list[LeadAssignmentRule] | None = None):
    """(owner, rule) of the first active matching rule that yields an active user, else
    (None, None). Call inside the create's transaction."""
    if rules is None:
        rules = list(LeadAssignmentRule.objects.filter(is_active=True).order_by("order", "id"))
    for rule in rules:
        if not rule.is_active or not _rule_matches(rule, lead):
            continue
        if rule.target_user_id:
            user = User.objects.filter(pk=rule.target_user_id, is_active=True).first()
            if user is not None and user.unit_id is not None:
                return user, rule
            continue
        user = _round_robin(rule)
        if user is not None:
            return user, rule
    return None, None


def _rule_clean(rule: LeadAssignmentRule) -> None:
    rule.name = (rule.name or "").strip()
    rule.province = (rule.province or "").strip()
    if not rule.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if bool(rule.target_user_id) == bool(rule.target_unit_id):
        raise ValidationError(
            {"target_user": [_("Choose either a user or a unit for round robin.")]}
        )


@transaction.atomic
def assignment_rule_create(*, actor: User, **fields: Any) -> LeadAssignmentRule:
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to configure lead assignment."))
    reject_unknown(fields, RULE_FIELDS, "rule")
    rule = LeadAssignmentRule(**fields)
    _rule_clean(rule)
    rule.save()
    audit_record(kind="lead_rule_created", actor=actor, target=rule)
    return rule


@transaction.atomic
def assignment_rule_update(
    *, actor: User, rule: LeadAssignmentRule, **changes: Any
) -> LeadAssignmentRule:
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to configure lead assignment."))
    reject_unknown(changes, RULE_FIELDS, "rule")
    current = LeadAssignmentRule.objects.select_for_update().get(pk=rule.pk)
    for name, value in changes.items():
        setattr(current, name, value)
    _rule_clean(current)
    current.save()
    audit_record(kind="lead_rule_updated", actor=actor, target=current)
    return current


@transaction.atomic
def assignment_rule_delete(*, actor: User, rule: LeadAssignmentRule) -> None:
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to configure lead assignment."))
    audit_record(kind="lead_rule_deleted", actor=actor, target=rule)
    LeadAssignmentRule.objects.filter(pk=rule.pk).delete()


# --- leads ------------------------------------------------------------------------------------


@transaction.atomic
def lead_create(
    *,
    actor: User,
    assign: str = ASSIGN_ME,
    owner: User | None = None,
    org_unit: OrgUnit | None = None,
    allow_duplicate: bool = False,
    request=None,
    at=None,
    rules: list[LeadAssignmentRule] | None = None,
    **fields: Any,
) -> Lead:
    """Create a lead. Owner: `owner` when given (assigning to someone else needs the transfer or
    pool-admin permission); else by `assign`: "me" (the actor), "rules" (first matching rule,
    else the pool), "pool" (the lead pool of `org_unit`, default the actor's unit).
    Raises DuplicateLeadError when it looks like a customer or open lead (unless allowed)."""
    require_active(actor)
    reject_unknown(fields, LEAD_FIELDS, "lead")
    if assign not in (ASSIGN_ME, ASSIGN_RULES, ASSIGN_POOL):
        raise ValueError(f"unknown assignment {assign!r}")
    lead = Lead(**fields)
    if at is not None:
        lead.created_at = at
    _lead_clean(lead)
    if not allow_duplicate:
        customer_hits, lead_hits = lead_duplicates(
            actor=actor, name=lead.name, phone=lead.phone, email=lead.email
        )
        if customer_hits or lead_hits:
            raise DuplicateLeadError(customer_hits, lead_hits)
    rule = None
    if owner is not None:
        if owner.pk != actor.pk:
            _require_assign(actor)
        _assignable_user(actor, owner)
    elif assign == ASSIGN_ME:
        owner = actor
        if owner.unit_id is None:
            raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    elif assign == ASSIGN_RULES:
        owner, rule = apply_rules(lead, rules)
    if owner is not None:
        lead.owner = owner
        lead.org_unit_id = owner.unit_id
        lead.assigned_at = timezone.now()
        lead.assigned_by_rule = rule
    else:
        unit = org_unit or actor.unit
        if unit is None:
            raise ValidationError({"org_unit": [_("Select a valid org unit.")]})
        if (
            org_unit is not None
            and not visible_to(OrgUnit.objects.filter(pk=org_unit.pk), actor).exists()
            and org_unit.pk not in pool_unit_ids(actor)
        ):
            raise ValidationError({"org_unit": [_("Select a valid org unit.")]})
        lead.org_unit = unit
    lead._history_user = actor
    lead.save()
    return lead


@transaction.atomic
def lead_update(
    *,
    actor: User,
    lead: Lead,
    expected_version: int | None = None,
    request=None,
    **changes: Any,
) -> Lead:
    """Change fields of an open lead. Converted leads are read-only."""
    reject_unknown(changes, LEAD_FIELDS, "lead")
    current = _editable_lead(actor, lead.pk)
    check_version(current, expected_version)
    if current.is_converted:
        raise ValidationError({"status": [_("A converted lead cannot be changed.")]})
    for name, value in changes.items():
        setattr(current, name, value)
    _lead_clean(current)
    save_versioned(
        current,
        expected_version=expected_version if expected_version is not None else current.version,
        fields=[*changes.keys(), "name_key", "phone_key", "email_key"],
        actor=actor,
    )
    return current


# Status changes by hand (conversion has its own service).
_TRANSITIONS = {
    LeadStatus.NEW: {LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.CONTACTED: {LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.QUALIFIED: {LeadStatus.CONTACTED, LeadStatus.DISQUALIFIED},
    LeadStatus.DISQUALIFIED: {LeadStatus.NEW},
    LeadStatus.CONVERTED: set(),
}


@transaction.atomic
def lead_set_status(
    *,
    actor: User,
    lead: Lead,
    status: str,
    reason: str = "",
    expected_version: int | None = None,
    request=None,
) -> Lead:
    """new → contacted → qualified; any open status → disqualified (a reason is required);
    disqualified → new (reopened)."""
    current = _editable_lead(actor, lead.pk)
    check_version(current, expected_version)
    if status not in _TRANSITIONS.get(current.status, set()):
        raise ValidationError({"status": [_("This status change is not allowed.")]})
    reason = (reason or "").strip()
    if status == LeadStatus.DISQUALIFIED and not reason:
        raise ValidationError({"disqualify_reason": [_("Enter the reason.")]})
    current.status = status
    current.disqualify_reason = reason if status == LeadStatus.DISQUALIFIED else ""
    save_versioned(
        current,
        expected_version=current.version,
        fields=["status", "disqualify_reason"],
        actor=actor,
    )
    return current


def lead_claim(*, actor: User, lead: Lead, request=None) -> Lead:
    """Take a lead from the pool: one conditional UPDATE, so of concurrent claimers one wins."""
    require_active(actor)
    if actor.unit_id is None:
        raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    now = timezone.now()
    with transaction.atomic():
        updated = Lead.objects.filter(
            pk=lead.pk,
            owner__isnull=True,
            status__in=OPEN_STATUSES,
            org_unit_id__in=pool_unit_ids(actor),
        ).update(
            owner_id=actor.pk,
            org_unit_id=actor.unit_id,
            assigned_at=now,
            assigned_by_rule=None,
            version=F("version") + 1,
            updated_at=now,
        )
        if not updated:
            raise ValidationError({"owner": [_("This lead is no longer in the lead pool.")]})
        current = Lead.objects.get(pk=lead.pk)
        current._history_user = actor
        current.save(update_fields=["updated_at"])  # one history row for the claim
    return current


@transaction.atomic
def lead_assign(
    *, actor: User, leads: Iterable[Lead | int], owner: User | None, request=None
) -> int:
    """Assign leads the actor may change to `owner` (None: back to the pool of their unit).
    Needs the transfer or pool-admin permission. Returns the number assigned."""
    require_active(actor)
    _require_assign(actor)
    if owner is not None:
        _assignable_user(actor, owner)
    ids = [x.pk if isinstance(x, Lead) else int(x) for x in leads]
    rows = list(
        editable_by(Lead.objects.select_for_update(), actor).filter(
            pk__in=ids, status__in=OPEN_STATUSES
        )
    )
    now = timezone.now()
    for row in rows:
        row.owner = owner
        if owner is not None:
            row.org_unit_id = owner.unit_id
        row.assigned_at = now if owner is not None else None
        row.assigned_by_rule = None
        row.version += 1
        row._history_user = actor
        row.save(
            update_fields=[
                "owner",
                "org_unit",
                "assigned_at",
                "assigned_by_rule",
                "version",
                "updated_at",
            ]
        )
    if rows:
        audit_record(
            kind="lead_assigned",
            actor=actor,
            request=request,
            data={"leads": [r.pk for r in rows], "owner": owner.pk if owner else None},
        )
    return len(rows)


def lead_delete(*, actor: User, lead: Lead, request=None) -> Lead:
    require_active(actor)
    return record_soft_delete(model=Lead, pk=lead.pk, actor=actor, request=request)


def lead_restore(*, actor: User, lead: Lead, request=None) -> Lead:
    require_active(actor)
    return record_restore(model=Lead, pk=lead.pk, actor=actor, request=request)


# --- conversion -------------------------------------------------------------------------------


@dataclass
class Conversion:
    lead: Lead
    customer: Customer
    contact: Contact | None
    opportunity: Opportunity | None
    customer_created: bool


@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead: Lead,
    expected_version: int | None = None,
    customer: Customer | None = None,
    allow_duplicate: bool = False,
    create_opportunity: bool = True,
    pipeline: Pipeline | None = None,
    title: str = "",
    amount: Decimal | str | int | None = None,
    expected_close_date: date | None = None,
    request=None,
) -> Conversion:
    """Convert a lead into a customer (new, duplicate-checked, or `customer` when given), a
    primary contact (when the lead names one) and an opportunity at the first open stage of
    `pipeline`, in one transaction: any failure leaves nothing behind. The owner of all three is
    the lead's owner (a pool lead: the actor)."""
    from salesdesk.customers import services as customer_services
    from salesdesk.pipeline import services as pipeline_services

    current = _editable_lead(actor, lead.pk)
    check_version(current, expected_version)
    if current.is_converted:
        raise ValidationError({"status": [_("This lead has already been converted.")]})
    if current.status == LeadStatus.DISQUALIFIED:
        raise ValidationError({"status": [_("Reopen a disqualified lead before converting it.")]})
    owner = current.owner or actor
    created = customer is None
    if customer is not None:
        if not visible_to(Customer.objects.filter(pk=customer.pk), actor).exists():
            raise ValidationError({"customer": [_("Select a valid customer.")]})
        customer = Customer.objects.get(pk=customer.pk)
    else:
        customer = customer_services.customer_create(
            actor=actor,
            owner=owner,
            allow_duplicate=allow_duplicate,
            name=current.name,
            phone=current.phone,
            email=current.email,
            province=current.province,
            city=current.city,
            industry=current.industry,
            notes=current.notes,
        )
    contact = None
    if current.contact_name:
        existing = None
        if not created:
            existing = Contact.objects.filter(customer=customer, name=current.contact_name).first()
        contact = existing or customer_services.contact_create(
            actor=actor,
            customer=customer,
            name=current.contact_name,
            mobile=current.phone,
            email=current.email,
        )
    opportunity = None
    if create_opportunity:
        opportunity = pipeline_services.opportunity_create(
            actor=actor,
            customer=customer,
            owner=owner,
            pipeline=pipeline,
            title=(title or "").strip() or current.name,
            amount=amount,
            expected_close_date=expected_close_date,
            product_line=current.product_line,
            channel=current.channel,
            contact=contact,
            lead_created_at=current.created_at,
        )
    now = timezone.now()
    current.status = LeadStatus.CONVERTED
    current.converted_at = now
    current.converted_customer = customer
    current.converted_contact = contact
    current.converted_opportunity = opportunity
    if current.owner_id is None:
        current.owner = owner
        current.org_unit_id = owner.unit_id
        current.assigned_at = now
    save_versioned(
        current,
        expected_version=current.version,
        fields=[
            "status",
            "converted_at",
            "converted_customer",
            "converted_contact",
            "converted_opportunity",
            "owner",
            "org_unit",
            "assigned_at",
        ],
        actor=actor,
    )
    audit_record(
        kind="lead_converted",
        actor=actor,
        request=request,
        target=current,
        data={
            "customer": customer.pk,
            "customer_created": created,
            "opportunity": opportunity.pk if opportunity else None,
        },
    )
    return Conversion(current, customer, contact, opportunity, created)
