"""Public pool API (CUS-6): pools and their rules, pool customers, claim / return / assign, and the
working calendar's overrides.

Answers as in the customers API: a pool or customer the caller may not see is 404; a missing
function permission is 403 (checked first); a refusal (cool-down, daily limit, quota, already
claimed, missing reason) is 422 with the message on `customer` (or the field); nothing changes on
any of these.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UnitRef, UserRef
from salesdesk.core.models import CalendarDay
from salesdesk.customers import selectors as customer_selectors
from salesdesk.customers.models import Customer
from salesdesk.customers.pool import selectors, services
from salesdesk.customers.pool.models import Pool, PoolRule
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure
from salesdesk.org.selectors import users_visible

router = Router(tags=["Public pools"])


def _require_admin(actor: User) -> None:
    if not selectors.can_admin_pools(actor):
        raise forbidden(_("You do not have permission to administer public pools."))


# --- pools ----------------------------------------------------------------------------------


class PoolOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    is_default: bool
    claim_limit_per_day: int
    cooldown_days: int
    reminder_days: int
    quota: int
    member_units: list[int]
    member_users: list[int]
    version: int

    @staticmethod
    def resolve_member_units(obj: Pool) -> list[int]:
        return sorted(u.pk for u in obj.member_units.all())

    @staticmethod
    def resolve_member_users(obj: Pool) -> list[int]:
        return sorted(u.pk for u in obj.member_users.all())


class PoolIn(Schema):
    name: str
    description: str = ""
    is_active: bool = True
    is_default: bool = False
    claim_limit_per_day: int = Field(0, ge=0, description="0: no limit.")
    cooldown_days: int = Field(0, ge=0)
    reminder_days: int = Field(3, ge=0, description="Working days before an automatic return.")
    quota: int = Field(0, ge=0, description="Customers a user may own to claim more; 0: none.")
    member_units: list[int] = []
    member_users: list[int] = []


class PoolPatchIn(Schema):
    version: int | None = Field(None, description="The version you read; a stale one is 409.")
    name: str | None = None
    description: str | None = None
    is_active: bool | None = None
    is_default: bool | None = None
    claim_limit_per_day: int | None = Field(None, ge=0)
    cooldown_days: int | None = Field(None, ge=0)
    reminder_days: int | None = Field(None, ge=0)
    quota: int | None = Field(None, ge=0)
    member_units: list[int] | None = None
    member_users: list[int] | None = None


def _pool(actor: User, pool_id: int) -> Pool:
    pool = selectors.pools_of(actor).filter(pk=pool_id).first()
    if pool is None and selectors.can_admin_pools(actor):
        pool = Pool.objects.filter(pk=pool_id).first()
    if pool is None:
        raise not_found()
    return pool


def _pool_out(pool_id: int) -> Pool:
    return Pool.objects.prefetch_related("member_units", "member_users").get(pk=pool_id)


@router.get("/pools", response={200: page_of(PoolOut), **errors(422)}, summary="My public pools")
def pool_list(request, params: Query[PageParams]):
    qs = selectors.pools_of(request.auth).prefetch_related("member_units", "member_users")
    return paginate(qs.order_by("id"), params)


@router.post("/pools", response={201: PoolOut, **errors(403, 422)}, summary="Create a pool")
def pool_create(request, payload: PoolIn):
    actor = request.auth
    _require_admin(actor)
    data = payload.dict()
    pool = services.pool_create(
        actor=actor,
        member_units=data.pop("member_units"),
        member_users=data.pop("member_users"),
        request=request,
        **data,
    )
    return Status(201, _pool_out(pool.pk))


@router.get("/pools/{int:pool_id}", response={200: PoolOut, **errors(404)}, summary="A pool")
def pool_get(request, pool_id: int):
    return _pool_out(_pool(request.auth, pool_id).pk)


@router.patch(
    "/pools/{int:pool_id}", response={200: PoolOut, **errors(403, 404, 409, 422)}, summary="Edit"
)
def pool_update(request, pool_id: int, payload: PoolPatchIn):
    actor = request.auth
    _require_admin(actor)
    pool = _pool(actor, pool_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    services.pool_update(
        actor=actor,
        pool=pool,
        expected_version=version,
        member_units=data.pop("member_units", None),
        member_users=data.pop("member_users", None),
        request=request,
        **data,
    )
    return _pool_out(pool.pk)


@router.delete(
    "/pools/{int:pool_id}", response={204: None, **errors(403, 404, 422)}, summary="Delete a pool"
)
def pool_delete(request, pool_id: int):
    actor = request.auth
    _require_admin(actor)
    services.pool_delete(actor=actor, pool=_pool(actor, pool_id), request=request)
    return Status(204, None)


# --- pool customers -------------------------------------------------------------------------


class PoolCustomerOut(Schema):
    id: int
    name: str
    level: str
    industry: str
    province: str
    city: str
    phone: str
    pool_id: int | None
    pooled_at: datetime | None
    previous_owner: UserRef | None
    org_unit: UnitRef
    last_follow_up_at: datetime | None
    purchase_count: int
    version: int


class PoolCustomerFilters(PageParams):
    q: str | None = Field(None, description="Name, pinyin, initials, phone.")
    level: str | None = None
    industry: str | None = None
    province: str | None = None
    sort: str = Field(
        selectors.DEFAULT_SORT,
        description="name, level, pooled_at or last_follow_up_at; '-' sorts descending.",
    )


@router.get(
    "/pools/{int:pool_id}/customers",
    response={200: page_of(PoolCustomerOut), **errors(404, 422)},
    summary="Customers in a pool",
)
def pool_customer_list(request, pool_id: int, filters: Query[PoolCustomerFilters]):
    actor = request.auth
    pool = selectors.pools_of(actor).filter(pk=pool_id).first()
    if pool is None:
        raise not_found()
    if filters.sort not in selectors.SORTS:
        raise ValidationError({"sort": _("Select a valid choice.")})
    qs = selectors.pool_customers(
        actor,
        pool=pool,
        q=filters.q or "",
        filters={
            "level": filters.level,
            "industry": filters.industry,
            "province": filters.province,
        },
        sort=filters.sort,
    )
    return paginate(qs, filters)


class ClaimedOut(Schema):
    id: int
    name: str
    owner: UserRef
    org_unit: UnitRef
    version: int


class ReturnIn(Schema):
    reason: str = Field(description="Why the customer goes back to the pool (required).")


@router.post(
    "/customers/{int:customer_id}/claim",
    response={200: ClaimedOut, **errors(403, 404, 422)},
    summary="Claim a customer from its public pool",
)
def customer_claim(request, customer_id: int):
    actor = request.auth
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise not_found()
    services.pool_claim(actor=actor, customer=customer, request=request)
    return Customer.objects.select_related("owner", "org_unit").get(pk=customer_id)


@router.post(
    "/customers/{int:customer_id}/return",
    response={200: PoolCustomerOut, **errors(403, 404, 422)},
    summary="Return a customer to the public pool",
)
def customer_return(request, customer_id: int, payload: ReturnIn):
    actor = request.auth
    customer = customer_selectors.customers_visible(actor).filter(pk=customer_id).first()
    if customer is None:
        raise not_found()
    services.pool_return(actor=actor, customer=customer, reason=payload.reason, request=request)
    return Customer.objects.select_related("previous_owner", "org_unit").get(pk=customer_id)


class AssignIn(Schema):
    customers: list[int] = Field(description="Ids of customers in this pool (at most 200).")
    to_user: int = Field(description="User id of the new owner.")


@router.post(
    "/pools/{int:pool_id}/assign",
    response={200: list[ClaimedOut], **errors(403, 404, 422)},
    summary="Assign pool customers to a user",
)
def pool_assign(request, pool_id: int, payload: AssignIn):
    actor = request.auth
    if not services.can_assign_from_pool(actor):
        raise forbidden(_("You do not have permission to assign pool customers."))
    pool = _pool(actor, pool_id)
    if len(payload.customers) > 200:
        raise ValidationError({"customers": _("Select at most 200 customers.")})
    to_user = users_visible(actor).filter(pk=payload.to_user).first()
    if to_user is None:
        raise ValidationError({"to_user": _("Select a valid user.")})
    taken = services.pool_assign(
        actor=actor, pool=pool, customers=payload.customers, to_user=to_user, request=request
    )
    return list(
        Customer.objects.select_related("owner", "org_unit")
        .filter(pk__in=[c.pk for c in taken])
        .order_by("id")
    )


# --- rules ----------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    pool_id: int
    kind: str
    days: int
    levels: list[str]
    exempt_won: bool
    is_active: bool


class RuleIn(Schema):
    kind: str = Field(description="no_follow_up or no_deal.")
    days: int = Field(description="Working days (1–3650).")
    levels: list[str] = Field([], description="Customer levels; empty: every level.")
    exempt_won: bool = True
    is_active: bool = True


class RulePatchIn(Schema):
    kind: str | None = None
    days: int | None = None
    levels: list[str] | None = None
    exempt_won: bool | None = None
    is_active: bool | None = None


@router.get(
    "/pools/{int:pool_id}/rules",
    response={200: page_of(RuleOut), **errors(404, 422)},
    summary="Return rules of a pool",
)
def pool_rule_list(request, pool_id: int, params: Query[PageParams]):
    pool = _pool(request.auth, pool_id)
    return paginate(selectors.pool_rules(pool), params)


@router.post(
    "/pools/{int:pool_id}/rules",
    response={201: RuleOut, **errors(403, 404, 422)},
    summary="Add a return rule",
)
def pool_rule_create(request, pool_id: int, payload: RuleIn):
    actor = request.auth
    _require_admin(actor)
    pool = _pool(actor, pool_id)
    rule = services.pool_rule_create(actor=actor, pool=pool, request=request, **payload.dict())
    return Status(201, rule)


def _rule(actor: User, rule_id: int) -> PoolRule:
    rule = PoolRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise not_found()
    _pool(actor, rule.pool_id)
    return rule


@router.patch(
    "/pool-rules/{int:rule_id}",
    response={200: RuleOut, **errors(403, 404, 422)},
    summary="Edit a return rule",
)
def pool_rule_update(request, rule_id: int, payload: RulePatchIn):
    actor = request.auth
    _require_admin(actor)
    rule = _rule(actor, rule_id)
    return services.pool_rule_update(
        actor=actor, rule=rule, request=request, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "/pool-rules/{int:rule_id}",
    response={204: None, **errors(403, 404)},
    summary="Delete a return rule",
)
def pool_rule_delete(request, rule_id: int):
    actor = request.auth
    _require_admin(actor)
    services.pool_rule_delete(actor=actor, rule=_rule(actor, rule_id), request=request)
    return Status(204, None)


# --- working calendar -----------------------------------------------------------------------


class CalendarDayOut(Schema):
    id: int
    date: date
    is_working_day: bool
    name: str


class CalendarDayIn(Schema):
    date: date
    is_working_day: bool
    name: str = Field("", max_length=80)


class CalendarParams(PageParams):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get(
    "/calendar-days",
    response={200: page_of(CalendarDayOut), **errors(422)},
    summary="Overrides of the working calendar",
)
def calendar_day_list(request, params: Query[CalendarParams]):
    qs = CalendarDay.objects.order_by("date", "id")
    if params.year:
        qs = qs.filter(date__year=params.year)
    return paginate(qs, params)


@router.post(
    "/calendar-days",
    response={201: CalendarDayOut, **errors(403, 422)},
    summary="Override one date of the working calendar",
)
def calendar_day_create(request, payload: CalendarDayIn):
    if not can_configure(request.auth):
        raise forbidden()
    try:
        with transaction.atomic():
            day = CalendarDay.objects.create(
                date=payload.date, is_working_day=payload.is_working_day, name=payload.name.strip()
            )
    except IntegrityError:
        raise ValidationError({"date": _("This date already has an override.")}) from None
    return Status(201, day)


@router.delete(
    "/calendar-days/{int:day_id}",
    response={204: None, **errors(403, 404)},
    summary="Remove an override of the working calendar",
)
def calendar_day_delete(request, day_id: int):
    if not can_configure(request.auth):
        raise forbidden()
    day = CalendarDay.objects.filter(pk=day_id).first()
    if day is None:
        raise not_found()
    day.delete()
    return Status(204, None)
