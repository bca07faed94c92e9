"""Writes for customers and relationships (CUS-1, CUS-5, CUS-8); one transaction each.

Rules shared by every service here:
- the actor must be active; a record outside the actor's data scope raises `Model.DoesNotExist`
  (the API and pages answer 404); a visible record the actor may not change (a read-only share)
  raises PermissionDenied; bad input raises ValidationError({field: [message]}) and changes nothing;
- edits are optimistic-locked (salesdesk.core.locking.save_versioned) and write field history with
  the actor as its user;
- the normalised keys of duplicate check and search (salesdesk.customers.normalize) are computed
  here, on every write, never by the callers.

The customer's follow-up rhythm:
- `last_follow_up_at` is the time of the latest follow-up;
- `next_follow_up_at` is the next planned contact: a follow-up's "next contact" sets it (and creates
  a task for the customer's owner); a new task with an earlier due time brings it forward;
  completing, reopening or deleting a task only recomputes it (as the earliest open task of the
  customer, or empty) when that task was the one it pointed at or no open task is left.
These two columns change without bumping the customer's version, so adding a follow-up never makes
somebody's open edit form stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.changes import record_changes
from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.records import reject_unknown, require_active
from salesdesk.core.recycle import record_soft_delete, recycle_bin
from salesdesk.customers.duplicates import DuplicateCustomerError, duplicate_check
from salesdesk.customers.models import (
    Contact,
    Customer,
    FollowUp,
    FollowUpKind,
    Tag,
    Task,
)
from salesdesk.customers.normalize import (
    CREDIT_CODE_RE,
    normalize_credit_code,
    normalize_email,
    normalize_name,
    normalize_phone,
    pinyin_keys,
)
from salesdesk.org.models import FunctionPermission, OrgUnit, User
from salesdesk.org.scoping import editable_by, visible_to

recycle_bin.register(Customer)
recycle_bin.register(Contact)
recycle_bin.register(FollowUp)
recycle_bin.register(Task)

# Fields callers may set on a customer (owner and org unit go through create/transfer).
CUSTOMER_FIELDS = (
    "kind",
    "name",
    "short_name",
    "code",
    "level",
    "level_locked",
    "source",
    "province",
    "city",
    "district",
    "region",
    "address",
    "industry",
    "company_size",
    "annual_revenue",
    "age_band",
    "gender",
    "income_band",
    "credit_code",
    "phone",
    "email",
    "website",
    "needs",
    "notes",
    "first_purchase_at",
    "last_purchase_at",
    "purchase_count",
    "purchase_value",
)
CUSTOMER_KEY_FIELDS = (
    "name_key",
    "phone_key",
    "email_key",
    "credit_code_key",
    "name_pinyin",
    "name_initials",
)
CONTACT_FIELDS = (
    "name",
    "title",
    "department",
    "decision_role",
    "is_primary",
    "mobile",
    "phone",
    "email",
    "wechat",
    "gender",
    "birthday",
    "notes",
)
CONTACT_KEY_FIELDS = ("mobile_key", "email_key", "name_pinyin", "name_initials")


# --- shared checks --------------------------------------------------------------------------


def _editable(model: type[models.Model], actor: User, pk: int, *, lock: bool = True):
    """The record for a change: DoesNotExist when out of scope, PermissionDenied when visible
    but read-only. Locks the row (select_for_update) inside the caller's transaction."""
    require_active(actor)
    qs = model._default_manager.all()
    if lock:
        qs = qs.select_for_update()
    instance = editable_by(qs, actor).filter(pk=pk).first()
    if instance is None:
        if visible_to(model._default_manager.filter(pk=pk), actor).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        raise model.DoesNotExist
    return instance


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _validate_email(value: str, field: str = "email") -> None:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({field: [_("Enter a valid email address.")]}) from None


def _assignable_owner(actor: User, owner: User, field: str = "owner") -> User:
    """An owner the actor may hand a customer to: active, in the actor's scope, in a unit."""
    if not visible_to(User.objects.filter(pk=owner.pk), actor).exists():
        raise ValidationError({field: [_("Select a valid user.")]})
    if not owner.is_active:
        raise ValidationError({field: [_("This user is deactivated.")]})
    if owner.unit_id is None:
        raise ValidationError({field: [_("This user does not belong to an org unit.")]})
    return owner


def _require_transfer(actor: User) -> None:
    if not actor.has_function(FunctionPermission.TRANSFER):
        raise PermissionDenied(_("You do not have permission to transfer customers."))


def _tag_list(tags: Iterable[Tag | int]) -> list[Tag]:
    ids = [t.pk if isinstance(t, Tag) else int(t) for t in tags]
    found = list(Tag.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"tags": [_("Select valid tags.")]})
    return found


# --- customers ------------------------------------------------------------------------------


def _customer_keys(customer: Customer) -> None:
    customer.name_key = normalize_name(customer.name)
    customer.phone_key = normalize_phone(customer.phone)
    customer.email_key = normalize_email(customer.email)
    customer.credit_code_key = normalize_credit_code(customer.credit_code)
    customer.name_pinyin, customer.name_initials = pinyin_keys(customer.name)


def _customer_clean(customer: Customer) -> None:
    """Tidy and validate the fields of a customer about to be saved."""
    for name in CUSTOMER_FIELDS:
        value = getattr(customer, name)
        if isinstance(value, str):
            setattr(customer, name, value.strip())
    if not customer.name:
        raise ValidationError({"name": [_("Enter the customer's name.")]})
    customer.credit_code = normalize_credit_code(customer.credit_code)
    if customer.credit_code and not CREDIT_CODE_RE.match(customer.credit_code):
        raise ValidationError(
            {"credit_code": [_("Enter a valid unified social credit code (18 characters).")]}
        )
    _validate_email(customer.email)
    if customer.purchase_value is not None and customer.purchase_value < 0:
        raise ValidationError({"purchase_value": [_("Enter a value of zero or more.")]})
    if customer.annual_revenue is not None and customer.annual_revenue < 0:
        raise ValidationError({"annual_revenue": [_("Enter a value of zero or more.")]})
    customer.full_clean(
        exclude=["owner", "org_unit", "tags", *CUSTOMER_KEY_FIELDS],
        validate_unique=False,
        validate_constraints=False,
    )
    _customer_keys(customer)


def _duplicates(*, actor: User, customer: Customer, allow_duplicate: bool) -> None:
    hits = duplicate_check(
        actor=actor,
        name=customer.name,
        phone=customer.phone,
        email=customer.email,
        credit_code=customer.credit_code,
        exclude_pk=customer.pk,
    )
    if hits and (not allow_duplicate or any(hit.blocking for hit in hits)):
        raise DuplicateCustomerError(hits)


@transaction.atomic
def customer_create(
    *,
    actor: User,
    request=None,
    owner: User | None = None,
    org_unit: OrgUnit | None = None,
    tags: Iterable[Tag | int] = (),
    allow_duplicate: bool = False,
    **fields: Any,
) -> Customer:
    """Create a customer owned by `owner` (default: the actor) in `org_unit` (default: the
    owner's unit). Raises DuplicateCustomerError when it looks like an existing customer, unless
    `allow_duplicate` — an exact credit-code match always refuses."""
    require_active(actor)
    reject_unknown(fields, CUSTOMER_FIELDS, "customer")
    owner = owner or actor
    if owner.pk != actor.pk:
        _require_transfer(actor)
        _assignable_owner(actor, owner)
    elif owner.unit_id is None and org_unit is None:
        raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    if org_unit is None:
        org_unit = owner.unit
    elif not visible_to(OrgUnit.objects.filter(pk=org_unit.pk), actor).exists():
        raise ValidationError({"org_unit": [_("Select a valid org unit.")]})
    customer = Customer(owner=owner, org_unit=org_unit, owned_since=timezone.now(), **fields)
    _customer_clean(customer)
    tag_list = _tag_list(tags)
    _duplicates(actor=actor, customer=customer, allow_duplicate=allow_duplicate)
    customer._history_user = actor
    customer.save()
    if tag_list:
        customer.tags.set(tag_list)
    _visit_due_refresh(customer)
    record_changes.created(Customer, [customer.pk])  # the metric layer (D43)
    return customer


# Written by the daily job from the sales records for customers marked purchases_from_contracts
# (salesdesk.customers.purchase_facts, D42).
PURCHASE_FIELDS = ("first_purchase_at", "last_purchase_at", "purchase_count", "purchase_value")


def _refuse_purchase_edits(customer: Customer, changes: dict[str, Any]) -> None:
    errors = {
        field: [
            _(
                "Computed daily from the customer's contracts, returns and payments; it cannot "
                "be changed by hand."
            )
        ]
        for field in PURCHASE_FIELDS
        if field in changes and changes[field] != getattr(customer, field)
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    expected_version: int | None = None,
    request=None,
    tags: Iterable[Tag | int] | None = None,
    allow_duplicate: bool = False,
    **changes: Any,
) -> Customer:
    """Change fields (and, when given, the tags) of a customer. Owner and org unit change only
    through `customer_transfer`."""
    if "owner" in changes or "org_unit" in changes:
        raise ValidationError(
            {"owner": [_("Transfer the customer to change its owner or org unit.")]}
        )
    reject_unknown(changes, CUSTOMER_FIELDS, "customer")
    current = _editable(Customer, actor, customer.pk)
    check_version(current, expected_version)
    if current.purchases_from_contracts:
        _refuse_purchase_edits(current, changes)
    old_keys = {f: getattr(current, f) for f in CUSTOMER_KEY_FIELDS}
    for field, value in changes.items():
        setattr(current, field, value)
    _customer_clean(current)
    new_keys = {f: getattr(current, f) for f in CUSTOMER_KEY_FIELDS}
    if any(
        new_keys[key] and new_keys[key] != old_keys[key]
        for key in ("name_key", "phone_key", "email_key", "credit_code_key")
    ):
        # Only a changed identity is checked again: an old duplicate someone allowed does not
        # block every later edit.
        _duplicates(actor=actor, customer=current, allow_duplicate=allow_duplicate)
    tag_list = _tag_list(tags) if tags is not None else None
    save_versioned(
        current,
        expected_version=expected_version if expected_version is not None else current.version,
        fields=[*changes.keys(), "credit_code", *CUSTOMER_KEY_FIELDS],
        actor=actor,
    )
    if tag_list is not None:
        current.tags.set(tag_list)
    if "level" in changes:
        _visit_due_refresh(current)
    return current


def _visit_due_refresh(customer: Customer) -> None:
    """The return-visit schedule follows the level (CUS-9)."""
    from salesdesk.customers.visits.services import customer_visit_due_refresh

    customer_visit_due_refresh(customer=customer)


@transaction.atomic
def customer_transfer(
    *, actor: User, customer: Customer, new_owner: User, request=None
) -> Customer:
    """Hand a customer to another owner (in the actor's scope): its org unit becomes the new
    owner's unit, and the previous owner's open tasks for it move along (with every other
    registered attachment, see customers/handover). Recorded as a Handover and in the field
    history with the reason "transfer"."""
    require_active(actor)
    _require_transfer(actor)
    current = _editable(Customer, actor, customer.pk)
    _assignable_owner(actor, new_owner, "new_owner")
    if new_owner.pk == current.owner_id:
        raise ValidationError({"new_owner": [_("The customer already belongs to this user.")]})
    # The recorded path of every transfer (CUS-7): attachments move, a Handover is written.
    from salesdesk.customers.handover.services import customer_transfer_recorded

    return customer_transfer_recorded(
        actor=actor, customer=current, new_owner=new_owner, request=request
    )


def customer_delete(*, actor: User, customer: Customer, request=None) -> Customer:
    """Move a customer to the recycle bin (delete permission and write access needed)."""
    require_active(actor)
    return record_soft_delete(model=Customer, pk=customer.pk, actor=actor, request=request)


# --- contacts -------------------------------------------------------------------------------


def _contact_clean(contact: Contact) -> None:
    for name in CONTACT_FIELDS:
        value = getattr(contact, name)
        if isinstance(value, str):
            setattr(contact, name, value.strip())
    if not contact.name:
        raise ValidationError({"name": [_("Enter the contact's name.")]})
    _validate_email(contact.email)
    contact.full_clean(
        exclude=["customer", *CONTACT_KEY_FIELDS], validate_unique=False, validate_constraints=False
    )
    contact.mobile_key = normalize_phone(contact.mobile)
    contact.email_key = normalize_email(contact.email)
    contact.name_pinyin, contact.name_initials = pinyin_keys(contact.name)


def _demote_primary(customer_id: int, *, keep_pk: int | None = None) -> None:
    others = Contact.objects.filter(customer_id=customer_id, is_primary=True).exclude(pk=keep_pk)
    for other in others:
        other.is_primary = False
        other.save(update_fields=["is_primary", "updated_at"])


@transaction.atomic
def contact_create(*, actor: User, customer: Customer, request=None, **fields: Any) -> Contact:
    """Add a contact. The customer's first contact becomes its primary contact; a new primary
    contact replaces the previous one."""
    reject_unknown(fields, CONTACT_FIELDS, "contact")
    owner_customer = _editable(Customer, actor, customer.pk)  # locks the customer
    contact = Contact(customer=owner_customer, **fields)
    _contact_clean(contact)
    has_primary = Contact.objects.filter(customer=owner_customer, is_primary=True).exists()
    if not has_primary:
        contact.is_primary = True
    elif contact.is_primary:
        _demote_primary(owner_customer.pk)
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: User,
    contact: Contact,
    expected_version: int | None = None,
    request=None,
    **changes: Any,
) -> Contact:
    reject_unknown(changes, CONTACT_FIELDS, "contact")
    current = _editable(Contact, actor, contact.pk)
    # Lock the customer too: its contacts' primary flags change together.
    Customer.all_objects.select_for_update().filter(pk=current.customer_id).first()
    check_version(current, expected_version)
    for field, value in changes.items():
        setattr(current, field, value)
    _contact_clean(current)
    if changes.get("is_primary"):
        _demote_primary(current.customer_id, keep_pk=current.pk)
    save_versioned(
        current,
        expected_version=expected_version if expected_version is not None else current.version,
        fields=[*changes.keys(), *CONTACT_KEY_FIELDS],
        actor=actor,
    )
    return current


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact, request=None) -> Contact:
    """Move a contact to the recycle bin; when it was the primary contact, the customer's
    longest-standing remaining contact becomes primary."""
    require_active(actor)
    deleted = record_soft_delete(model=Contact, pk=contact.pk, actor=actor, request=request)
    if deleted.is_primary:
        Contact.all_objects.filter(pk=deleted.pk).update(is_primary=False)
        successor = (
            Contact.objects.filter(customer_id=deleted.customer_id)
            .order_by("created_at", "id")
            .first()
        )
        if successor is not None:
            successor.is_primary = True
            successor._history_user = actor
            successor.save(update_fields=["is_primary", "updated_at"])
    return deleted


# --- follow-ups and tasks -------------------------------------------------------------------


def _open_tasks(customer_id: int):
    return Task.objects.filter(customer_id=customer_id, done_at__isnull=True)


def _refresh_next_follow_up(customer_id: int, *, task: Task | None = None) -> None:
    """Recompute `next_follow_up_at` when `task` (completed, deleted) was the one it pointed at,
    or when no open task is left."""
    customer = Customer.all_objects.select_for_update().get(pk=customer_id)
    open_tasks = _open_tasks(customer_id)
    pointed_at = task is not None and customer.next_follow_up_at == task.due_at
    if pointed_at or not open_tasks.exists():
        earliest = open_tasks.aggregate(m=Min("due_at"))["m"]
        if earliest != customer.next_follow_up_at:
            Customer.all_objects.filter(pk=customer_id).update(next_follow_up_at=earliest)


def _bring_forward(customer_id: int, due_at: datetime) -> None:
    """A new open task due before the planned next contact becomes the next contact."""
    Customer.all_objects.filter(pk=customer_id).filter(
        models.Q(next_follow_up_at__isnull=True) | models.Q(next_follow_up_at__gt=due_at)
    ).update(next_follow_up_at=due_at)


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@transaction.atomic
def follow_up_create(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    content: str,
    occurred_at: datetime | None = None,
    contacts: Iterable[Contact | int] = (),
    next_contact_at: datetime | None = None,
    request=None,
) -> FollowUp:
    """Record a follow-up. A next contact time plans the customer's next follow-up and creates a
    task for the customer's owner."""
    current = _editable(Customer, actor, customer.pk)  # locks the customer
    if kind not in FollowUpKind.values:
        raise ValidationError({"kind": [_("Select a valid choice.")]})
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": [_("Describe what happened.")]})
    occurred_at = _aware(occurred_at, "occurred_at") or timezone.now()
    next_contact_at = _aware(next_contact_at, "next_contact_at")
    if next_contact_at is not None and next_contact_at <= occurred_at:
        raise ValidationError(
            {"next_contact_at": [_("The next contact must be after the follow-up.")]}
        )
    contact_ids = {c.pk if isinstance(c, Contact) else int(c) for c in contacts}
    contact_list = list(Contact.objects.filter(customer=current, pk__in=contact_ids))
    if len(contact_list) != len(contact_ids):
        raise ValidationError({"contacts": [_("Select contacts of this customer.")]})
    follow_up = FollowUp.objects.create(
        customer=current,
        author=actor,
        kind=kind,
        content=content,
        occurred_at=occurred_at,
        next_contact_at=next_contact_at,
    )
    if contact_list:
        follow_up.contacts.set(contact_list)
    record_changes.created(FollowUp, [follow_up.pk])  # the metric layer (D43)
    updates: dict[str, Any] = {}
    if current.last_follow_up_at is None or occurred_at > current.last_follow_up_at:
        updates["last_follow_up_at"] = occurred_at
    if next_contact_at is not None:
        updates["next_follow_up_at"] = next_contact_at
        Task.objects.create(
            owner_id=current.owner_id,
            org_unit_id=current.org_unit_id,
            customer=current,
            follow_up=follow_up,
            title=_("Contact %(customer)s") % {"customer": current.name},
            due_at=next_contact_at,
            source=Task.Source.FOLLOW_UP,
        )
    if updates:
        Customer.all_objects.filter(pk=current.pk).update(**updates)
    return follow_up


@transaction.atomic
def follow_up_delete(*, actor: User, follow_up: FollowUp, request=None) -> FollowUp:
    """Move a follow-up to the recycle bin; the customer's last follow-up time is recomputed."""
    require_active(actor)
    deleted = record_soft_delete(model=FollowUp, pk=follow_up.pk, actor=actor, request=request)
    latest = FollowUp.objects.filter(customer_id=deleted.customer_id).aggregate(
        m=models.Max("occurred_at")
    )["m"]
    Customer.all_objects.filter(pk=deleted.customer_id).update(last_follow_up_at=latest)
    return deleted


@transaction.atomic
def task_create(
    *,
    actor: User,
    title: str,
    due_at: datetime,
    customer: Customer | None = None,
    owner: User | None = None,
    request=None,
) -> Task:
    """A to-do for `owner` (default: the actor; someone else in the actor's scope otherwise),
    optionally about a customer the actor can see."""
    require_active(actor)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Enter a title.")]})
    if len(title) > Task._meta.get_field("title").max_length:
        raise ValidationError(
            {"title": [_("Ensure this value has at most %(limit)s characters.") % {"limit": 200}]}
        )
    if due_at is None:
        raise ValidationError({"due_at": [_("This field is required.")]})
    due_at = _aware(due_at, "due_at")
    owner = owner or actor
    if owner.pk != actor.pk:
        _assignable_owner(actor, owner)
    elif owner.unit_id is None:
        raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    if (
        customer is not None
        and not visible_to(Customer.objects.filter(pk=customer.pk), actor).exists()
    ):
        raise Customer.DoesNotExist
    task = Task.objects.create(
        owner=owner,
        org_unit_id=owner.unit_id,
        customer=customer,
        title=title,
        due_at=due_at,
        source=Task.Source.MANUAL,
    )
    if customer is not None:
        _bring_forward(customer.pk, due_at)
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task, request=None) -> Task:
    current = _editable(Task, actor, task.pk)
    if current.done_at is not None:
        raise ValidationError({"done_at": [_("This task is already done.")]})
    current.done_at = timezone.now()
    save_versioned(current, expected_version=None, fields=["done_at"], actor=actor)
    if current.customer_id:
        _refresh_next_follow_up(current.customer_id, task=current)
    return current


@transaction.atomic
def task_reopen(*, actor: User, task: Task, request=None) -> Task:
    current = _editable(Task, actor, task.pk)
    if current.done_at is None:
        raise ValidationError({"done_at": [_("This task is not done.")]})
    current.done_at = None
    save_versioned(current, expected_version=None, fields=["done_at"], actor=actor)
    if current.customer_id:
        _bring_forward(current.customer_id, current.due_at)
    return current


@transaction.atomic
def task_delete(*, actor: User, task: Task, request=None) -> Task:
    require_active(actor)
    deleted = record_soft_delete(model=Task, pk=task.pk, actor=actor, request=request)
    if deleted.customer_id and deleted.done_at is None:
        _refresh_next_follow_up(deleted.customer_id, task=deleted)
    return deleted


# --- tags -----------------------------------------------------------------------------------


@transaction.atomic
def tag_create(*, actor: User, name: str, category: str = Tag.Category.LABEL, request=None) -> Tag:
    """A new tag. Anyone active may create tags (they are labels, not configuration); an existing
    tag of the same category and name is returned instead of a second one."""
    require_active(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(name) > Tag._meta.get_field("name").max_length:
        raise ValidationError(
            {"name": [_("Ensure this value has at most %(limit)s characters.") % {"limit": 40}]}
        )
    if category not in Tag.Category.values:
        raise ValidationError({"category": [_("Select a valid choice.")]})
    existing = Tag.objects.filter(category=category, name__iexact=name).first()
    if existing is not None:
        return existing
    return Tag.objects.create(name=name, category=category)


# Sub-domains' recycle-bin entries (feedback tickets) and customer attachments.
from salesdesk.customers import service_attachments as _service_attachments  # noqa: E402,F401
from salesdesk.customers.feedback import services as _feedback_services  # noqa: E402,F401
from salesdesk.customers.handover import services as _handover  # noqa: E402,F401 - registers
from salesdesk.customers.pool import attachments as _pool_attachments  # noqa: E402,F401
from salesdesk.customers.segments import services as _segments  # noqa: E402, F401 - CUS-3
