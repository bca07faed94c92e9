"""Targets API (TGT-1, TGT-2): goals, the achievability check, decomposition and the allocation.

Transport only: reads through salesdesk.targets.selectors (scoped by salesdesk.org.scoping),
writes through salesdesk.targets.services, exactly as the web pages. Answers: without the "set
goals" permission 403 (checked before any record is looked up), out of scope 404, visible but
not editable 403, a stale `version` 409, bad input 422; nothing changes on any of these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import errors, forbidden, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.schemas import UserRef
from salesdesk.org.models import User
from salesdesk.org.permissions import can_manage_goals
from salesdesk.targets import progress, selectors, services
from salesdesk.targets.models import Goal, GoalPart

router = Router(tags=["Targets"])


def _require_setter(actor: User) -> None:
    if not can_manage_goals(actor):
        raise forbidden(_("You do not have permission to set goals."))


def _goal(actor: User, pk: int) -> Goal:
    goal = selectors.goal_detail(actor, pk)
    if goal is None:
        raise not_found()
    return goal


class UnitRef(Schema):
    id: int
    name: str


class GoalOut(Schema):
    id: int
    name: str
    metric: str
    owner_kind: str
    org_unit: UnitRef
    owner: UserRef
    period_kind: str
    period_start: date
    period_end: date
    baseline: Decimal | None
    target_value: Decimal
    rationale: str
    status: str
    split_method: str
    split_weights: dict[str, str]
    seasonality: str
    seasonality_weights: list[str]
    decomposed_at: datetime | None
    version: int
    created_at: datetime


class GoalFilters(PageParams):
    q: str = ""
    year: int | None = None
    metric: str = ""
    owner_kind: str = Field("", description="company, unit or user.")
    status: str = ""
    owner: int | None = None
    unit: int | None = None
    sort: str = Field("-period_start", description="period_start, name, target_value, created_at.")


class GoalIn(Schema):
    name: str
    metric: str = Field(..., description="A metric key, e.g. signed_amount.")
    owner_kind: str = Field(..., description="company, unit or user.")
    unit: int | None = Field(None, description="For owner_kind=unit.")
    user: int | None = Field(None, description="For owner_kind=user.")
    period_kind: str = Field(..., description="year, quarter, month or custom.")
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    period_start: date | None = Field(None, description="For period_kind=custom.")
    period_end: date | None = None
    baseline: Decimal | None = None
    target_value: Decimal
    rationale: str = ""
    status: str = "draft"


class GoalUpdateIn(Schema):
    version: int
    name: str | None = None
    metric: str | None = None
    owner_kind: str | None = None
    unit: int | None = None
    user: int | None = None
    period_kind: str | None = None
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    baseline: Decimal | None = None
    target_value: Decimal | None = None
    rationale: str | None = None
    status: str | None = None


class CheckIn(Schema):
    metric: str
    owner_kind: str
    unit: int | None = None
    user: int | None = None
    period_kind: str
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    target_value: Decimal


class PreviousOut(Schema):
    start: date
    end: date
    value: Decimal


class CheckOut(Schema):
    target: Decimal
    previous: list[PreviousOut]
    projection: Decimal | None
    growth_needed: Decimal | None
    actual_to_date: Decimal | None
    gap: Decimal | None
    pipeline: Decimal | None
    coverage: Decimal | None
    verdict: str
    notes: list[str]


class DecomposeIn(Schema):
    version: int | None = None
    method: str = Field("equal", description="equal, last_year, tier or custom.")
    weights: dict[str, Decimal] = Field({}, description="Weight per user id (tier, custom).")
    seasonality: str = Field("working_days", description="working_days, history or custom.")
    seasonality_weights: list[Decimal] | None = Field(None, description="12 month weights.")


class PartOut(Schema):
    id: int
    parent_id: int | None
    granularity: str
    owner_unit_id: int | None
    owner_user_id: int | None
    start: date
    end: date
    amount: Decimal

    @staticmethod
    def resolve_granularity(obj) -> str:
        return ("period", "quarter", "month", "week", "day")[obj.granularity]


class PartFilters(PageParams):
    granularity: str = Field("", description="period, quarter, month, week or day.")
    user: int | None = None
    unit: int | None = None
    start: date | None = Field(None, description="Parts starting on or after.")
    end: date | None = Field(None, description="Parts ending on or before.")


class PartUpdateIn(Schema):
    version: int
    amount: Decimal
    mode: str = Field("siblings", description="siblings (totals stay) or total.")
    confirm_total: Decimal | None = Field(None, description="For mode=total: the new total.")


class RebalanceOut(Schema):
    units: int
    goal: GoalOut


@router.get("/goals", response={200: page_of(GoalOut), **errors(422)}, summary="Goals I can see")
def goal_list(request, filters: Query[GoalFilters]):
    qs = selectors.goal_list(
        request.auth,
        q=filters.q,
        year=filters.year,
        metric=filters.metric,
        owner_kind=filters.owner_kind,
        status=filters.status,
        owner=filters.owner,
        unit=filters.unit,
        sort=filters.sort,
    )
    return paginate(qs, filters)


@router.post(
    "/goals",
    response={201: GoalOut, **errors(403, 422)},
    summary="Set a goal (needs the set-goals permission)",
)
def goal_create(request, payload: GoalIn):
    actor = request.auth
    _require_setter(actor)
    goal = services.goal_create(actor=actor, request=request, **payload.dict())
    return Status(201, _goal(actor, goal.pk))


@router.post(
    "/goals/check",
    response={200: CheckOut, **errors(403, 422)},
    summary="The achievability check of a goal before it is saved",
)
def goal_check(request, payload: CheckIn):
    actor = request.auth
    _require_setter(actor)
    data = payload.dict()
    start, end = services.resolve_period(
        data["period_kind"],
        year=data["year"],
        quarter=data["quarter"],
        month=data["month"],
        start=data["period_start"],
        end=data["period_end"],
    )
    result = services.achievability(
        actor=actor,
        metric_key=data["metric"],
        owner_kind=data["owner_kind"],
        unit=data["unit"],
        user=data["user"],
        period_start=start,
        period_end=end,
        target_value=data["target_value"],
    )
    body = result.__dict__ | {
        "previous": [{"start": s, "end": e, "value": v} for s, e, v in result.previous],
        "notes": [str(n) for n in result.notes],
    }
    return body


@router.get("/goals/{int:goal_id}", response={200: GoalOut, **errors(404)}, summary="One goal")
def goal_detail(request, goal_id: int):
    return _goal(request.auth, goal_id)


@router.patch(
    "/goals/{int:goal_id}",
    response={200: GoalOut, **errors(403, 404, 409, 422)},
    summary="Edit a goal (a decomposed goal is split again when its target or period changes)",
)
def goal_update(request, goal_id: int, payload: GoalUpdateIn):
    actor = request.auth
    _require_setter(actor)
    goal = _goal(actor, goal_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    _goal_service(
        services.goal_update,
        request=request,
        actor=actor,
        goal=goal,
        expected_version=version,
        **changes,
    )
    return _goal(actor, goal_id)


@router.delete(
    "/goals/{int:goal_id}",
    response={204: None, **errors(403, 404)},
    summary="Move a goal to the recycle bin",
)
def goal_delete(request, goal_id: int):
    actor = request.auth
    _require_setter(actor)
    goal = _goal(actor, goal_id)
    _goal_service(services.goal_delete, request=request, actor=actor, goal=goal)
    return Status(204, None)


@router.post(
    "/goals/{int:goal_id}/decompose",
    response={200: GoalOut, **errors(403, 404, 409, 422)},
    summary="Split the goal over units, people and time (replaces the allocation)",
)
def goal_decompose(request, goal_id: int, payload: DecomposeIn):
    actor = request.auth
    _require_setter(actor)
    goal = _goal(actor, goal_id)
    data = payload.dict()
    _goal_service(
        services.goal_decompose,
        request=request,
        actor=actor,
        goal=goal,
        method=data["method"],
        weights={k: str(v) for k, v in data["weights"].items()},
        seasonality=data["seasonality"],
        seasonality_weights=data["seasonality_weights"],
        expected_version=data["version"],
    )
    return _goal(actor, goal_id)


@router.post(
    "/goals/{int:goal_id}/rebalance",
    response={200: RebalanceOut, **errors(403, 404, 409, 422)},
    summary="Redistribute the remaining days of units whose people changed",
)
def goal_rebalance(request, goal_id: int, version: int | None = None):
    actor = request.auth
    _require_setter(actor)
    goal = _goal(actor, goal_id)
    count = _goal_service(
        services.goal_rebalance, request=request, actor=actor, goal=goal, expected_version=version
    )
    return {"units": count, "goal": _goal(actor, goal_id)}


@router.get(
    "/goals/{int:goal_id}/allocation",
    response={200: page_of(PartOut), **errors(404, 422)},
    summary="The goal's parts (paginated; filter by granularity, person, unit and dates)",
)
def goal_allocation(request, goal_id: int, filters: Query[PartFilters]):
    goal = _goal(request.auth, goal_id)
    names = {"period": 0, "quarter": 1, "month": 2, "week": 3, "day": 4}
    if filters.granularity and filters.granularity not in names:
        from django.core.exceptions import ValidationError

        raise ValidationError({"granularity": [_("Select a valid choice.")]})
    qs = selectors.allocation_parts(
        goal,
        granularity=names.get(filters.granularity),
        user=filters.user,
        unit=filters.unit,
        start=filters.start,
        end=filters.end,
    )
    return paginate(qs, filters)


@router.patch(
    "/goals/{int:goal_id}/allocation/{int:part_id}",
    response={200: PartOut, **errors(403, 404, 409, 422)},
    summary="Change one part: the siblings rebalance, or the total changes (confirmed)",
)
def goal_part_update(request, goal_id: int, part_id: int, payload: PartUpdateIn):
    actor = request.auth
    _require_setter(actor)
    goal = _goal(actor, goal_id)
    try:
        _goal_service(
            services.part_set_amount,
            request=request,
            actor=actor,
            goal=goal,
            part_id=part_id,
            amount=payload.amount,
            mode=payload.mode,
            confirm_total=payload.confirm_total,
            expected_version=payload.version,
        )
    except GoalPart.DoesNotExist:
        raise not_found() from None
    return GoalPart.objects.get(pk=part_id)


def _goal_service(service, **kwargs):
    """Call a goal service; a goal the actor sees but may not change answers 403."""
    try:
        return service(**kwargs)
    except Goal.DoesNotExist:
        raise forbidden(_("You may view this goal but not change it.")) from None


# ---- progress (TGT-3) ------------------------------------------------------------------------


class FiguresOut(Schema):
    start: date
    end: date
    target: Decimal
    actual: Decimal | None
    attainment: Decimal | None = Field(description="Actual ÷ target, in %.")
    elapsed: Decimal = Field(description="Working days elapsed ÷ working days in the period, %.")
    working_days: int
    days_elapsed: int
    days_left: int
    gap: Decimal | None = Field(description="Target − actual.")
    run_rate: Decimal | None = Field(
        description="Needed per remaining working day (additive metrics only)."
    )
    projection: Decimal | None = Field(
        description="Projected finish at the current pace (additive metrics only)."
    )
    status: str = Field(description="ahead, on_track, behind or no_data.")


class GoalProgressOut(Schema):
    goal: GoalOut
    figures: FiguresOut


class PartProgressOut(Schema):
    label: str
    kind: str = Field(description="unit, person, quarter, month or week.")
    unit_id: int | None
    user_id: int | None
    part_id: int | None
    figures: FiguresOut

    @staticmethod
    def resolve_part_id(obj) -> int | None:
        return obj.node.part_id if obj.node is not None else None


class BreakdownOut(Schema):
    goal: GoalOut
    figures: FiguresOut
    focus_part_id: int | None
    owners: list[PartProgressOut]
    quarters: list[PartProgressOut]
    months: list[PartProgressOut]
    weeks: list[PartProgressOut]

    @staticmethod
    def resolve_focus_part_id(obj) -> int | None:
        return obj.focus.part_id if obj.focus is not None else None


class ProgressFilters(PageParams):
    period: str = Field("", description='"current" (running today), a year ("2026") or empty.')
    metric: str = ""
    owner: int | None = None
    status: str = Field("", description="ahead, on_track, behind or no_data.")


@router.get(
    "/progress",
    response={200: page_of(GoalProgressOut), **errors(422)},
    summary="Progress of every goal I can see",
)
def progress_list(request, filters: Query[ProgressFilters]):
    rows = progress.goals_progress(
        request.auth,
        period=filters.period,
        metric=filters.metric,
        owner=filters.owner,
        status=filters.status,
    )
    return paginate(rows, filters)


@router.get(
    "/goals/{int:goal_id}/progress",
    response={200: BreakdownOut, **errors(404)},
    summary="One goal's progress and its parts' (node: a unit or person part; month: YYYY-MM-01)",
)
def goal_progress(request, goal_id: int, node: int | None = None, month: date | None = None):
    goal = _goal(request.auth, goal_id)
    return progress.goal_breakdown(goal, node=node, month=month)
