"""Commissions API (PRF-4): plans, statements with their lines, computing and locking a period.

Transport only: reads through salesdesk.commissions.selectors (scoped by salesdesk.org.scoping),
writes through salesdesk.commissions.services, exactly as the web pages. Answers: writes without
the "manage commissions" permission 403 (checked before any record is looked up); a statement
out of scope (another rep's) 404; a stale `version` or a locked period 409; bad input 422;
nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import ApiError, errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.commissions import selectors, services
from salesdesk.commissions.models import CommissionPlan, CommissionStatement
from salesdesk.org.models import User
from salesdesk.org.permissions import can_manage_commissions
from salesdesk.performance import periods

router = Router(tags=["Commissions"])


def _require_manager(actor: User) -> None:
    if not can_manage_commissions(actor):
        raise forbidden(_("You do not have permission to manage commissions."))


def _locked(exc: services.PeriodLockedError) -> ApiError:
    return ApiError(409, "period_locked", str(exc))


# ---- plans -----------------------------------------------------------------------------------


class Band(Schema):
    from_: Decimal = Field(..., alias="from", description="Attainment % the band starts at.")
    rate: Decimal = Field(..., description="Commission rate %, applied to the whole base.")


class PlanOut(Schema):
    id: int
    name: str
    role: int = Field(..., alias="role_id")
    tier_id: int | None
    period_kind: str
    base: str
    base_rate: Decimal
    bands: list[dict[str, Decimal]] = Field(..., description='[{"from": %, "rate": %}, …]')
    line_multipliers: dict[str, Decimal]
    add_tier_rate: bool
    cap: Decimal | None
    is_active: bool
    version: int


class PlanIn(Schema):
    name: str
    role: int
    tier_id: int | None = None
    period_kind: str = Field("month", description="month or quarter.")
    base: str = Field("payments", description="payments (cash basis) or contracts (signed).")
    base_rate: Decimal = Decimal(0)
    bands: list[Band] = []
    line_multipliers: dict[str, Decimal] = Field({}, description="{product line id: multiplier}")
    add_tier_rate: bool = True
    cap: Decimal | None = None
    is_active: bool = True


class PlanUpdateIn(Schema):
    version: int
    name: str | None = None
    role: int | None = None
    tier_id: int | None = None
    period_kind: str | None = None
    base: str | None = None
    base_rate: Decimal | None = None
    bands: list[Band] | None = None
    line_multipliers: dict[str, Decimal] | None = None
    add_tier_rate: bool | None = None
    cap: Decimal | None = None
    is_active: bool | None = None


def _plan(pk: int) -> CommissionPlan:
    plan = selectors.plan(pk)
    if plan is None:
        raise not_found()
    return plan


def _plan_fields(data: dict) -> dict:
    if data.get("bands") is not None:
        data["bands"] = [{"from": str(b["from_"]), "rate": str(b["rate"])} for b in data["bands"]]
    if data.get("line_multipliers") is not None:
        data["line_multipliers"] = {k: str(v) for k, v in data["line_multipliers"].items()}
    return data


@router.get(
    "/commission-plans", response={200: list[PlanOut], **errors()}, summary="Commission plans"
)
def commission_plan_list(request):
    return list(selectors.plans())


@router.post(
    "/commission-plans",
    response={201: PlanOut, **errors(403, 422)},
    summary="Create a commission plan (needs the manage-commissions permission)",
)
def commission_plan_create(request, payload: PlanIn):
    actor = request.auth
    _require_manager(actor)
    plan = services.commission_plan_create(
        actor=actor, request=request, **_plan_fields(payload.dict())
    )
    return Status(201, _plan(plan.pk))


@router.get(
    "/commission-plans/{int:plan_id}",
    response={200: PlanOut, **errors(404)},
    summary="One commission plan",
)
def commission_plan_detail(request, plan_id: int):
    return _plan(plan_id)


@router.patch(
    "/commission-plans/{int:plan_id}",
    response={200: PlanOut, **errors(403, 404, 409, 422)},
    summary="Change a commission plan (optimistic locking on version)",
)
def commission_plan_update(request, plan_id: int, payload: PlanUpdateIn):
    actor = request.auth
    _require_manager(actor)
    plan = _plan(plan_id)
    data = _plan_fields(payload.dict(exclude_unset=True))
    version = data.pop("version")
    services.commission_plan_update(
        actor=actor, plan=plan, expected_version=version, request=request, **data
    )
    return _plan(plan_id)


@router.delete(
    "/commission-plans/{int:plan_id}",
    response={204: None, **errors(403, 404, 422)},
    summary="Move a commission plan to the recycle bin",
)
def commission_plan_delete(request, plan_id: int):
    actor = request.auth
    _require_manager(actor)
    services.commission_plan_delete(actor=actor, plan=_plan(plan_id), request=request)
    return Status(204, None)


# ---- statements ------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    name: str


class LineOut(Schema):
    position: int
    source_kind: str
    contract_id: int
    contract_number: str
    payment_id: int | None
    return_id: int | None
    customer_id: int | None
    customer_name: str
    product_line_id: int | None
    product_line_name: str
    day: date
    base_amount: Decimal
    rate: Decimal
    multiplier: Decimal
    amount: Decimal
    explanation: str


class StatementOut(Schema):
    id: int
    plan: int = Field(..., alias="plan_id")
    person: UserRef = Field(..., alias="owner")
    org_unit: UnitRef
    period_kind: str
    period_start: date
    period_end: date
    status: str
    target: Decimal | None
    actual: Decimal
    attainment: Decimal | None = Field(..., description="%; null: no goal (lowest band).")
    band_from: Decimal | None
    rate: Decimal
    tier_id: int | None
    tier_name: str
    tier_rate: Decimal
    base_total: Decimal
    uncapped_total: Decimal
    commission_total: Decimal
    computed_at: datetime
    locked_at: datetime | None
    version: int


class StatementDetailOut(StatementOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj):
        return selectors.statement_lines(obj)


class StatementFilters(PageParams):
    plan: int | None = None
    period_start: date | None = None
    person: int | None = None
    status: str = Field("", description="draft or locked.")
    sort: str = Field("", description="period, person, commission, attainment or base.")


class ComputeIn(Schema):
    plan: int
    day: date = Field(..., description="Any day of the period to compute.")


class ComputeOut(Schema):
    period_start: date
    period_end: date
    created: int
    recomputed: int


class LockIn(Schema):
    period_kind: str = Field("month", description="month or quarter.")
    day: date = Field(..., description="Any day of the period to lock.")


class LockOut(Schema):
    period_kind: str
    period_start: date
    period_end: date
    locked_by: UserRef
    locked_at: datetime


def _statement(actor: User, pk: int) -> CommissionStatement:
    statement = selectors.statement_detail(actor, pk)
    if statement is None:
        raise not_found()
    return statement


@router.get(
    "/commission-statements",
    response={200: page_of(StatementOut), **errors(422)},
    summary="Commission statements I can see (a rep: their own)",
)
def commission_statement_list(request, filters: Query[StatementFilters]):
    qs = selectors.statement_list(
        request.auth,
        plan=filters.plan,
        period_start=filters.period_start,
        person=filters.person,
        status=filters.status or None,
        sort=filters.sort or None,
    )
    return paginate(qs, filters)


@router.get(
    "/commission-statements/{int:statement_id}",
    response={200: StatementDetailOut, **errors(404)},
    summary="One commission statement with its lines",
)
def commission_statement_detail(request, statement_id: int):
    return _statement(request.auth, statement_id)


@router.post(
    "/commission-statements/compute",
    response={200: ComputeOut, **errors(403, 404, 409, 422)},
    summary="Compute the statements of a plan for a period (the reps in my scope)",
)
def commission_statements_compute(request, payload: ComputeIn):
    actor = request.auth
    _require_manager(actor)
    plan = selectors.plans(active=True).filter(pk=payload.plan).first()
    if plan is None:
        raise not_found()
    try:
        result = services.statements_compute(
            actor=actor, plan=plan, day=payload.day, request=request
        )
    except services.PeriodLockedError as exc:
        raise _locked(exc) from None
    return {
        "period_start": result.start,
        "period_end": result.end,
        "created": result.created,
        "recomputed": result.recomputed,
    }


@router.post(
    "/commission-periods/lock",
    response={201: LockOut, **errors(403, 409, 422)},
    summary="Lock every commission statement of a period",
)
def commission_period_lock(request, payload: LockIn):
    actor = request.auth
    _require_manager(actor)
    if payload.period_kind not in (periods.MONTH, periods.QUARTER):
        raise ApiError(422, "validation_error", _("Select a valid period."))
    try:
        lock = services.period_lock(
            actor=actor, period_kind=payload.period_kind, day=payload.day, request=request
        )
    except services.PeriodLockedError as exc:
        raise _locked(exc) from None
    return Status(201, lock)


class UnlockIn(LockIn):
    reason: str = Field(..., description="Why the period is reopened (kept in the audit log).")


class UnlockOut(Schema):
    unlocked: int


@router.post(
    "/commission-periods/unlock",
    response={200: UnlockOut, **errors(403, 422)},
    summary="Unlock a commission period (administrators, with a reason)",
)
def commission_period_unlock(request, payload: UnlockIn):
    actor = request.auth
    _require_manager(actor)
    count = services.period_unlock(
        actor=actor,
        period_kind=payload.period_kind,
        day=payload.day,
        reason=payload.reason,
        request=request,
    )
    return {"unlocked": count}
