"""Customers API (CUS-1, CUS-4, CUS-5, CUS-8): customers, duplicate check, contacts, follow-ups,
tasks, tags.

Reads go through salesdesk.customers.selectors (scoped by salesdesk.org.scoping.visible_to);
writes go through salesdesk.customers.services. Answers, as in the organisation API:
- a record outside the caller's data scope: 404 (as if it did not exist);
- a missing function permission (delete, transfer): 403, checked before any record is looked up;
- a visible record the caller may not change (a read-only share): 403;
- a stale `version`: 409 `conflict`;
- a likely duplicate on create or edit: 409 `duplicate`, with the hits in `duplicates` (masked
  when outside the caller's scope). Send `allow_duplicate: true` to create it anyway; an equal
  unified social credit code cannot be overridden (`blocking: true`).
Nothing changes on any of these.

Tags: anyone may use existing tags and create new ones (they are labels shared by the team, not
configuration); creating a tag that exists returns the existing one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import ErrorOut, error_body, errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UnitRef, UserRef
from salesdesk.api.serialization import page_response
from salesdesk.core import timeline
from salesdesk.customers import selectors, services
from salesdesk.customers.duplicates import DuplicateCustomerError, DuplicateHit, duplicate_check
from salesdesk.customers.models import Contact, Customer, FollowUp, Task
from salesdesk.org.models import FunctionPermission, OrgUnit, User
from salesdesk.org.scoping import visible_to
from salesdesk.org.selectors import units_visible, users_visible

router = Router(tags=["Customers"])


def _require(actor: User, permission: str, message: str) -> None:
    if not actor.has_function(permission):
        raise forbidden(message)


def _require_delete(actor: User) -> None:
    _require(actor, FunctionPermission.DELETE, _("You do not have permission to delete records."))


# --- shared schemas -------------------------------------------------------------------------


class TagOut(Schema):
    id: int
    name: str
    category: str
    category_label: str

    @staticmethod
    def resolve_category_label(obj) -> str:
        return str(obj.get_category_display())


class CustomerRef(Schema):
    id: int
    name: str


class DuplicateHitOut(Schema):
    customer_id: int
    matched_on: list[str] = Field(
        description="name, phone, email, credit_code, contact_phone, contact_email."
    )
    visible: bool = Field(description="False: outside your scope; name and owner are masked.")
    name: str
    owner_name: str
    url: str
    pool_name: str = Field("", description="The public pool the customer is in (no owner).")
    claimable: bool = Field(False, description="In one of your pools: you may claim it.")


class DuplicateErrorOut(ErrorOut):
    """409 `duplicate`: the customer looks like one that exists."""

    blocking: bool = Field(
        description="True when the unified social credit code matches: cannot be overridden."
    )
    duplicates: list[DuplicateHitOut]


def _duplicate_response(exc: DuplicateCustomerError) -> JsonResponse:
    fields = {f: [str(m) for m in msgs] for f, msgs in exc.message_dict.items()}
    if exc.blocking:
        message = _("A customer with this unified social credit code already exists.")
    else:
        message = _(
            "This customer may already exist. Check the possible duplicates, "
            "or send allow_duplicate to create it anyway."
        )
    body = error_body("duplicate", message, fields)
    body["blocking"] = exc.blocking
    body["duplicates"] = [hit.as_dict() for hit in exc.hits]
    return JsonResponse(body, status=409, json_dumps_params={"ensure_ascii": False})


# --- customers ------------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    short_name: str
    code: str
    level: str
    level_label: str
    level_locked: bool
    source: str
    province: str
    city: str
    district: str
    region: str
    address: str
    industry: str
    company_size: str
    annual_revenue: Decimal | None
    age_band: str
    gender: str
    income_band: str
    credit_code: str
    phone: str
    email: str
    website: str
    needs: str
    notes: str
    tags: list[TagOut]
    first_purchase_at: date | None
    last_purchase_at: date | None
    purchase_count: int
    purchase_value: Decimal
    paid_value: Decimal = Field(description="Payments received on the counted contracts.")
    purchases_from_contracts: bool = Field(
        description="The purchase figures come from the customer's contracts (recomputed daily); "
        "they cannot be changed by hand then."
    )
    rfm_recency: int | None
    rfm_frequency: int | None
    rfm_monetary: int | None
    last_follow_up_at: datetime | None
    next_follow_up_at: datetime | None
    owner: UserRef
    org_unit: UnitRef
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_level_label(obj: Customer) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_tags(obj: Customer) -> list:
        return list(obj.tags.all())


class ContactBrief(Schema):
    id: int
    name: str
    title: str
    is_primary: bool
    mobile: str
    email: str


class CustomerDetailOut(CustomerOut):
    contacts: list[ContactBrief]

    @staticmethod
    def resolve_contacts(obj: Customer) -> list:
        return list(obj.contacts.all())


class CustomerFilters(PageParams):
    view: str = Field(
        "all", description="mine, subordinates, all, today or soon_to_pool (empty for now)."
    )
    q: str | None = Field(
        None, description="Name, short name, pinyin, initials, phone, email or number."
    )
    sort: str = Field(
        selectors.DEFAULT_SORT,
        description="name, created_at, level, last_follow_up_at, next_follow_up_at or "
        "purchase_value; a leading '-' sorts descending.",
    )
    level: list[str] = Field([], description="A, B, C or D (repeat for several).")
    kind: list[str] = []
    source: list[str] = []
    industry: list[str] = []
    province: str | None = None
    city: str | None = None
    region: str | None = None
    owner: int | None = Field(None, description="Owner's user id.")
    org_unit: int | None = Field(None, description="This org unit and its sub-units.")
    tag: list[int] = Field([], description="Tag ids: customers with any of them.")
    created_after: date | None = None
    created_before: date | None = None
    no_follow_up_days: int | None = Field(
        None, ge=0, description="No follow-up in the last N days (never followed up included)."
    )


class CustomerCreateIn(Schema):
    name: str
    kind: str = "company"
    short_name: str = ""
    code: str = ""
    level: str = "D"
    level_locked: bool = False
    source: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    region: str = ""
    address: str = ""
    industry: str = ""
    company_size: str = ""
    annual_revenue: Decimal | None = None
    age_band: str = ""
    gender: str = ""
    income_band: str = ""
    credit_code: str = Field("", description="Unified social credit code (18 characters).")
    phone: str = ""
    email: str = ""
    website: str = ""
    needs: str = ""
    notes: str = ""
    first_purchase_at: date | None = None
    last_purchase_at: date | None = None
    purchase_count: int = Field(0, ge=0)
    purchase_value: Decimal = Field(Decimal("0"), ge=0)
    tags: list[int] = Field([], description="Tag ids.")
    owner: int | None = Field(None, description="Owner's user id (default: you).")
    org_unit: int | None = Field(None, description="Org unit id (default: the owner's unit).")
    allow_duplicate: bool = Field(
        False, description="Create it although it looks like an existing customer."
    )


class CustomerUpdateIn(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    name: str | None = None
    kind: str | None = None
    short_name: str | None = None
    code: str | None = None
    level: str | None = None
    level_locked: bool | None = None
    source: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    region: str | None = None
    address: str | None = None
    industry: str | None = None
    company_size: str | None = None
    annual_revenue: Decimal | None = None
    age_band: str | None = None
    gender: str | None = None
    income_band: str | None = None
    credit_code: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    needs: str | None = None
    notes: str | None = None
    first_purchase_at: date | None = None
    last_purchase_at: date | None = None
    purchase_count: int | None = Field(None, ge=0)
    purchase_value: Decimal | None = Field(None, ge=0)
    tags: list[int] | None = Field(None, description="Tag ids; replaces the customer's tags.")
    allow_duplicate: bool = False


class TransferIn(Schema):
    new_owner: int = Field(description="User id of the new owner.")


class TimelineEntryOut(Schema):
    at: datetime
    kind: str
    icon: str
    title: str
    body: str
    actor_name: str
    url: str


class TimelineParams(Schema):
    limit: int = Field(50, ge=1, le=200)


# Nullable fields may be cleared with null; text fields are cleared with "".
_NULLABLE = {"annual_revenue", "first_purchase_at", "last_purchase_at"}


def _visible_customer(actor: User, pk: int) -> Customer:
    customer = selectors.customers_visible(actor).filter(pk=pk).first()
    if customer is None:
        raise not_found()
    return customer


def _customer_out(actor: User, pk: int) -> Customer:
    return selectors.customer_detail(actor, pk)


def _user_choice(actor: User, pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = users_visible(actor).filter(pk=pk).first()
    if user is None:
        raise ValidationError({field: _("Select a valid user.")})
    return user


def _unit_choice(actor: User, pk: int | None, field: str) -> OrgUnit | None:
    if pk is None:
        return None
    unit = units_visible(actor).filter(pk=pk).first()
    if unit is None:
        raise ValidationError({field: _("Select a valid org unit.")})
    return unit


@router.get(
    "/customers",
    response={200: page_of(CustomerOut), **errors(422)},
    summary="Customers I can see (views, filters, search, sort)",
)
def customer_list(request, filters: Query[CustomerFilters]):
    data = filters.dict()
    chosen = {
        "level": data["level"],
        "kind": data["kind"],
        "source": data["source"],
        "industry": data["industry"],
        "province": data["province"],
        "city": data["city"],
        "region": data["region"],
        "owner": data["owner"],
        "org_unit": data["org_unit"],
        "tags": data["tag"],
        "created_after": data["created_after"],
        "created_before": data["created_before"],
        "no_follow_up_days": data["no_follow_up_days"],
    }
    if filters.view not in selectors.VIEWS:
        raise ValidationError({"view": _("Select a valid choice.")})
    if filters.sort not in selectors.SORTS:
        raise ValidationError({"sort": _("Select a valid choice.")})
    qs = selectors.customer_list(
        request.auth, view=filters.view, q=filters.q or "", filters=chosen, sort=filters.sort
    )
    return page_response(request, paginate(qs, filters), CustomerOut)


class DuplicateParams(Schema):
    name: str = ""
    phone: str = ""
    email: str = ""
    credit_code: str = ""
    exclude: int | None = Field(None, description="A customer id to leave out (when editing).")


@router.get(
    "/customers/duplicates",
    response={200: list[DuplicateHitOut], **errors(422)},
    summary="Duplicate check: existing customers with this name, phone, email or credit code",
)
def customer_duplicate_check(request, params: Query[DuplicateParams]) -> list[DuplicateHit]:
    return duplicate_check(
        actor=request.auth,
        name=params.name[:200],
        phone=params.phone[:40],
        email=params.email[:254],
        credit_code=params.credit_code[:40],
        exclude_pk=params.exclude,
    )


@router.get(
    "/customers/{int:customer_id}",
    response={200: CustomerDetailOut, **errors(404)},
    summary="One customer with its contacts",
)
def customer_detail(request, customer_id: int):
    return _customer_out(request.auth, customer_id)


@router.get(
    "/customers/{int:customer_id}/timeline",
    response={200: list[TimelineEntryOut], **errors(404, 422)},
    summary="A customer's timeline, newest first",
)
def customer_timeline(request, customer_id: int, params: Query[TimelineParams]):
    actor = request.auth
    customer = _visible_customer(actor, customer_id)
    return timeline.customer_timeline(customer, actor, limit=params.limit)


@router.post(
    "/customers",
    response={201: CustomerDetailOut, 409: DuplicateErrorOut, **errors(403, 422)},
    summary="Create a customer (duplicate-checked)",
)
def customer_create(request, payload: CustomerCreateIn):
    actor = request.auth
    data = payload.dict()
    owner = _user_choice(actor, data.pop("owner"), "owner")
    org_unit = _unit_choice(actor, data.pop("org_unit"), "org_unit")
    try:
        customer = services.customer_create(
            actor=actor, request=request, owner=owner, org_unit=org_unit, **data
        )
    except DuplicateCustomerError as exc:
        return _duplicate_response(exc)
    return Status(201, _customer_out(actor, customer.pk))


@router.patch(
    "/customers/{int:customer_id}",
    response={200: CustomerDetailOut, 409: DuplicateErrorOut, **errors(403, 404, 422)},
    summary="Edit a customer (409 conflict on a stale version, 409 duplicate on a likely "
    "duplicate)",
)
def customer_update(request, customer_id: int, payload: CustomerUpdateIn):
    actor = request.auth
    customer = _visible_customer(actor, customer_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    allow_duplicate = changes.pop("allow_duplicate", False)
    tags = changes.pop("tags", None)
    for field, value in list(changes.items()):
        if value is None and field not in _NULLABLE:
            raise ValidationError({field: _("This field cannot be empty.")})
    try:
        services.customer_update(
            actor=actor,
            customer=customer,
            expected_version=version,
            request=request,
            tags=tags,
            allow_duplicate=allow_duplicate,
            **changes,
        )
    except DuplicateCustomerError as exc:
        return _duplicate_response(exc)
    return _customer_out(actor, customer_id)


@router.delete(
    "/customers/{int:customer_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a customer to the recycle bin",
)
def customer_delete(request, customer_id: int):
    actor = request.auth
    _require_delete(actor)
    customer = _visible_customer(actor, customer_id)
    services.customer_delete(actor=actor, customer=customer, request=request)
    return Status(204, None)


@router.post(
    "/customers/{int:customer_id}/transfer",
    response={200: CustomerDetailOut, **errors(403, 404, 422)},
    summary="Transfer a customer to another owner",
)
def customer_transfer(request, customer_id: int, payload: TransferIn):
    actor = request.auth
    _require(
        actor, FunctionPermission.TRANSFER, _("You do not have permission to transfer customers.")
    )
    customer = _visible_customer(actor, customer_id)
    new_owner = _user_choice(actor, payload.new_owner, "new_owner")
    services.customer_transfer(actor=actor, customer=customer, new_owner=new_owner, request=request)
    return _customer_out(actor, customer_id)


# --- contacts -------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    customer: CustomerRef
    name: str
    title: str
    department: str
    decision_role: str
    is_primary: bool
    mobile: str
    phone: str
    email: str
    wechat: str
    gender: str
    birthday: date | None
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class ContactFilters(PageParams):
    customer: int | None = Field(None, description="Only the contacts of this customer.")
    q: str | None = Field(None, description="Part of the name, or the start of the mobile.")


class ContactCreateIn(Schema):
    customer: int = Field(description="Customer id.")
    name: str
    title: str = ""
    department: str = ""
    decision_role: str = ""
    is_primary: bool = False
    mobile: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    gender: str = ""
    birthday: date | None = None
    notes: str = ""


class ContactUpdateIn(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    name: str | None = None
    title: str | None = None
    department: str | None = None
    decision_role: str | None = None
    is_primary: bool | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    gender: str | None = None
    birthday: date | None = None
    notes: str | None = None


def _visible_contact(actor: User, pk: int) -> Contact:
    contact = selectors.contacts_visible(actor).filter(pk=pk).first()
    if contact is None:
        raise not_found()
    return contact


@router.get(
    "/contacts", response={200: page_of(ContactOut), **errors(422)}, summary="Contacts I can see"
)
def contact_list(request, filters: Query[ContactFilters]):
    qs = selectors.contacts_visible(request.auth)
    if filters.customer is not None:
        qs = qs.filter(customer_id=filters.customer)
    if filters.q and filters.q.strip():
        qs = qs.filter(selectors.contact_search_q(filters.q))
    return paginate(qs.order_by("customer_id", "-is_primary", "name", "id"), filters)


@router.get(
    "/contacts/{int:contact_id}", response={200: ContactOut, **errors(404)}, summary="One contact"
)
def contact_detail(request, contact_id: int):
    return _visible_contact(request.auth, contact_id)


@router.post(
    "/contacts", response={201: ContactOut, **errors(403, 404, 422)}, summary="Add a contact"
)
def contact_create(request, payload: ContactCreateIn):
    actor = request.auth
    data = payload.dict()
    customer = _visible_customer(actor, data.pop("customer"))
    contact = services.contact_create(actor=actor, customer=customer, request=request, **data)
    return Status(201, _visible_contact(actor, contact.pk))


@router.patch(
    "/contacts/{int:contact_id}",
    response={200: ContactOut, **errors(403, 404, 409, 422)},
    summary="Edit a contact",
)
def contact_update(request, contact_id: int, payload: ContactUpdateIn):
    actor = request.auth
    contact = _visible_contact(actor, contact_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    for field, value in changes.items():
        if value is None and field != "birthday":
            raise ValidationError({field: _("This field cannot be empty.")})
    services.contact_update(
        actor=actor, contact=contact, expected_version=version, request=request, **changes
    )
    return _visible_contact(actor, contact_id)


@router.delete(
    "/contacts/{int:contact_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a contact to the recycle bin",
)
def contact_delete(request, contact_id: int):
    actor = request.auth
    _require_delete(actor)
    contact = _visible_contact(actor, contact_id)
    services.contact_delete(actor=actor, contact=contact, request=request)
    return Status(204, None)


# --- follow-ups -----------------------------------------------------------------------------


class ContactRef(Schema):
    id: int
    name: str


class FollowUpOut(Schema):
    id: int
    customer: CustomerRef
    author: UserRef
    kind: str
    kind_label: str
    occurred_at: datetime
    content: str
    contacts: list[ContactRef]
    next_contact_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: FollowUp) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_contacts(obj: FollowUp) -> list:
        return list(obj.contacts.all())


class FollowUpFilters(PageParams):
    customer: int | None = Field(None, description="Only the follow-ups of this customer.")


class FollowUpCreateIn(Schema):
    customer: int = Field(description="Customer id.")
    kind: str = Field(description="call, visit, wechat, email, meeting or other.")
    content: str
    occurred_at: datetime | None = Field(None, description="Default: now.")
    contacts: list[int] = Field([], description="Ids of the customer's contacts involved.")
    next_contact_at: datetime | None = Field(
        None, description="Plans the next contact: a task for the customer's owner."
    )


def _follow_ups(actor: User):
    return (
        visible_to(FollowUp.objects.filter(customer__deleted_at__isnull=True), actor)
        .select_related("customer", "author")
        .prefetch_related("contacts")
    )


def _visible_follow_up(actor: User, pk: int) -> FollowUp:
    follow_up = _follow_ups(actor).filter(pk=pk).first()
    if follow_up is None:
        raise not_found()
    return follow_up


@router.get(
    "/follow-ups",
    response={200: page_of(FollowUpOut), **errors(422)},
    summary="Follow-ups I can see, newest first",
)
def follow_up_list(request, filters: Query[FollowUpFilters]):
    qs = _follow_ups(request.auth)
    if filters.customer is not None:
        qs = qs.filter(customer_id=filters.customer)
    return paginate(qs.order_by("-occurred_at", "-id"), filters)


@router.post(
    "/follow-ups",
    response={201: FollowUpOut, **errors(403, 404, 422)},
    summary="Record a follow-up",
)
def follow_up_create(request, payload: FollowUpCreateIn):
    actor = request.auth
    customer = _visible_customer(actor, payload.customer)
    follow_up = services.follow_up_create(
        actor=actor,
        customer=customer,
        kind=payload.kind,
        content=payload.content,
        occurred_at=payload.occurred_at,
        contacts=payload.contacts,
        next_contact_at=payload.next_contact_at,
        request=request,
    )
    return Status(201, _visible_follow_up(actor, follow_up.pk))


@router.delete(
    "/follow-ups/{int:follow_up_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a follow-up to the recycle bin",
)
def follow_up_delete(request, follow_up_id: int):
    actor = request.auth
    _require_delete(actor)
    follow_up = _visible_follow_up(actor, follow_up_id)
    services.follow_up_delete(actor=actor, follow_up=follow_up, request=request)
    return Status(204, None)


# --- tasks ----------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    title: str
    due_at: datetime
    done_at: datetime | None
    source: str
    owner: UserRef
    customer: CustomerRef | None
    follow_up_id: int | None
    version: int
    created_at: datetime


class TaskFilters(PageParams):
    bucket: str = Field("today", description="today, overdue, upcoming or done.")
    customer: int | None = Field(
        None, description="That customer's tasks (anyone's I can see) instead of my own."
    )


class TaskCreateIn(Schema):
    title: str
    due_at: datetime
    customer: int | None = Field(None, description="Customer id.")
    owner: int | None = Field(None, description="Assignee's user id (default: you).")


def _visible_task(actor: User, pk: int) -> Task:
    task = selectors.tasks_visible(actor).filter(pk=pk).first()
    if task is None:
        raise not_found()
    return task


@router.get(
    "/tasks",
    response={200: page_of(TaskOut), **errors(404, 422)},
    summary="My to-dos: today, overdue, upcoming or done",
)
def task_list(request, filters: Query[TaskFilters]):
    actor = request.auth
    if filters.bucket not in selectors.TASK_BUCKETS:
        raise ValidationError({"bucket": _("Select a valid choice.")})
    customer = _visible_customer(actor, filters.customer) if filters.customer else None
    return paginate(selectors.tasks_of(actor, bucket=filters.bucket, customer=customer), filters)


@router.post("/tasks", response={201: TaskOut, **errors(404, 422)}, summary="Add a to-do")
def task_create(request, payload: TaskCreateIn):
    actor = request.auth
    customer = _visible_customer(actor, payload.customer) if payload.customer else None
    owner = _user_choice(actor, payload.owner, "owner")
    task = services.task_create(
        actor=actor,
        title=payload.title,
        due_at=payload.due_at,
        customer=customer,
        owner=owner,
        request=request,
    )
    return Status(201, _visible_task(actor, task.pk))


@router.post(
    "/tasks/{int:task_id}/complete",
    response={200: TaskOut, **errors(403, 404, 422)},
    summary="Mark a to-do done",
)
def task_complete(request, task_id: int):
    actor = request.auth
    task = _visible_task(actor, task_id)
    services.task_complete(actor=actor, task=task, request=request)
    return _visible_task(actor, task_id)


@router.post(
    "/tasks/{int:task_id}/reopen",
    response={200: TaskOut, **errors(403, 404, 422)},
    summary="Reopen a done to-do",
)
def task_reopen(request, task_id: int):
    actor = request.auth
    task = _visible_task(actor, task_id)
    services.task_reopen(actor=actor, task=task, request=request)
    return _visible_task(actor, task_id)


# --- tags -----------------------------------------------------------------------------------


class TagCreateIn(Schema):
    name: str = Field(max_length=40)
    category: str = Field("label", description="interest, value, lifestyle or label.")


@router.get("/tags", response={200: page_of(TagOut), **errors(422)}, summary="Customer tags")
def tag_list(request, filters: Query[PageParams]):
    return paginate(selectors.tags_all(), filters)


@router.post(
    "/tags",
    response={201: TagOut, **errors(422)},
    summary="Create a tag (an existing one of the same name is returned)",
)
def tag_create(request, payload: TagCreateIn):
    tag = services.tag_create(
        actor=request.auth, name=payload.name, category=payload.category, request=request
    )
    return Status(201, tag)
