"""Writes of goals (TGT-1) and their decomposition (TGT-2); one transaction each.

Rules:
- setting, decomposing and editing goals needs the "set goals" permission (ORG-3) and write
  access to the goal (ORG-2); a goal outside the actor's scope raises Goal.DoesNotExist (404),
  a visible one the actor may not change raises PermissionDenied (403);
- a company goal needs the company unit in the actor's scope, a unit goal the unit, a personal
  goal the person (active);
- edits are optimistic-locked on the goal's version, allocation edits included (one grid edit
  bumps it, so a grid opened before is refused as stale); deletion moves the goal to the recycle
  bin (delete permission);
- additive metrics (amounts, counts) are split so that every part is the sum of its children to
  the cent (counts: to one); ratios, scores and averages are copied to every part.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core import workdays
from salesdesk.core.bulk import insert_text_rows, reserve_ids
from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.recycle import record_restore, record_soft_delete, recycle_bin
from salesdesk.org.models import OrgUnit, User
from salesdesk.org.permissions import can_manage_goals
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.targets import decompose, selectors
from salesdesk.targets.metric_rules import GOAL_METRICS as METRICS
from salesdesk.targets.metric_rules import goal_metric as metric
from salesdesk.targets.models import (
    Goal,
    GoalPart,
    GoalStatus,
    Granularity,
    OwnerKind,
    PeriodKind,
    Seasonality,
    SplitMethod,
)

recycle_bin.register(Goal)

EDIT_FIELDS = (
    "name",
    "metric",
    "owner_kind",
    "unit",
    "user",
    "period_kind",
    "year",
    "quarter",
    "month",
    "period_start",
    "period_end",
    "baseline",
    "target_value",
    "rationale",
    "status",
)
# Changing one of these on a decomposed goal decomposes it again with its settings.
RESPLIT_FIELDS = ("metric", "owner_kind", "org_unit", "owner", "period_start", "period_end")
MAX_PERIOD_DAYS = 731
RATIO_MAX = Decimal("100")


# ---- access ----------------------------------------------------------------------------------


def _require_setter(actor: User) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))
    if not can_manage_goals(actor):
        raise PermissionDenied(_("You do not have permission to set goals."))


def _editable(actor: User, pk: int, *, lock: bool = True) -> Goal:
    _require_setter(actor)
    qs = Goal.objects.select_for_update() if lock else Goal.objects.all()
    goal = editable_by(qs, actor).filter(pk=pk).first()
    if goal is None:
        if visible_to(Goal.objects.filter(pk=pk), actor).exists():
            raise PermissionDenied(_("You may view this goal but not change it."))
        raise Goal.DoesNotExist
    return goal


# ---- values ----------------------------------------------------------------------------------


def value_for(metric_key: str, raw: Any, field_name: str) -> Decimal:
    """A goal value in the metric's steps (cents; whole numbers for counts), or a field error."""
    info = metric(metric_key)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        raise ValidationError({field_name: [_("Enter a number.")]})
    if value < 0:
        raise ValidationError({field_name: [_("Enter a value of zero or more.")]})
    if value != value.quantize(info.quantum):
        if info.quantum == 1:
            raise ValidationError({field_name: [_("Enter a whole number for this metric.")]})
        raise ValidationError({field_name: [_("Enter at most two decimal places.")]})
    if info.kind == "ratio" and value > RATIO_MAX:
        raise ValidationError({field_name: [_("A percentage cannot exceed 100.")]})
    return value.quantize(Decimal("0.01"))


def _month_end(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1) - timedelta(days=1)


def resolve_period(
    kind: str,
    *,
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[date, date]:
    """(first, last day) of a year, a quarter, a month or a custom period; field errors else."""
    if kind not in PeriodKind.values:
        raise ValidationError({"period_kind": [_("Select a valid period.")]})
    if kind == PeriodKind.CUSTOM:
        if start is None:
            raise ValidationError({"period_start": [_("Enter the first day.")]})
        if end is None:
            raise ValidationError({"period_end": [_("Enter the last day.")]})
        if end < start:
            raise ValidationError({"period_end": [_("The period ends before it starts.")]})
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationError({"period_end": [_("A goal's period is at most two years.")]})
        return start, end
    if not year or not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
    year = int(year)
    if kind == PeriodKind.YEAR:
        return date(year, 1, 1), date(year, 12, 31)
    if kind == PeriodKind.QUARTER:
        if not quarter or not 1 <= int(quarter) <= 4:
            raise ValidationError({"quarter": [_("Select a quarter.")]})
        first = date(year, 3 * int(quarter) - 2, 1)
        return first, _month_end(date(year, 3 * int(quarter), 1))
    if not month or not 1 <= int(month) <= 12:
        raise ValidationError({"month": [_("Select a month.")]})
    first = date(year, int(month), 1)
    return first, _month_end(first)


@dataclass
class Owner:
    kind: str
    unit: OrgUnit
    user: User | None
    responsible: User


def resolve_owner(actor: User, kind: str, *, unit=None, user=None) -> Owner:
    """Whose goal it is, checked against the actor's scope (field errors name the field)."""
    from salesdesk.org.selectors import units_visible, users_visible

    if kind == OwnerKind.COMPANY:
        root = selectors.company_unit()
        if root is None or not units_visible(actor).filter(pk=root.pk).exists():
            raise ValidationError({"owner_kind": [_("You may not set goals for the company.")]})
        return Owner(kind, root, None, _manager_or(root, actor))
    if kind == OwnerKind.UNIT:
        unit_id = getattr(unit, "pk", unit)
        found = units_visible(actor).filter(pk=unit_id).first() if unit_id else None
        if found is None:
            raise ValidationError({"unit": [_("Select a unit in your scope.")]})
        return Owner(kind, found, None, _manager_or(found, actor))
    if kind == OwnerKind.USER:
        user_id = getattr(user, "pk", user)
        found = (
            users_visible(actor, include_inactive=False).filter(pk=user_id).first()
            if user_id
            else None
        )
        if found is None:
            raise ValidationError({"user": [_("Select an active person in your scope.")]})
        if found.unit_id is None:
            raise ValidationError({"user": [_("This person belongs to no org unit.")]})
        return Owner(kind, found.unit, found, found)
    raise ValidationError({"owner_kind": [_("Select whose goal this is.")]})


def _manager_or(unit: OrgUnit, actor: User) -> User:
    manager = unit.manager
    return manager if manager is not None and manager.is_active else actor


def _clean(goal: Goal) -> None:
    goal.name = (goal.name or "").strip()
    if not goal.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(goal.name) > 120:
        raise ValidationError({"name": [_("Ensure this value has at most 120 characters.")]})
    metric(goal.metric)
    goal.target_value = value_for(goal.metric, goal.target_value, "target_value")
    if goal.baseline not in (None, ""):
        goal.baseline = value_for(goal.metric, goal.baseline, "baseline")
    else:
        goal.baseline = None
    if goal.status not in GoalStatus.values:
        raise ValidationError({"status": [_("Select a valid status.")]})
    goal.rationale = (goal.rationale or "").strip()


def _period_and_owner(actor: User, data: dict, goal: Goal | None = None) -> None:
    """Fill period_start/end and owner/org unit of `data` from the period and owner inputs."""
    kind = data.get("period_kind", goal.period_kind if goal else None)
    start, end = resolve_period(
        kind,
        year=data.get("year", goal.period_start.year if goal else None),
        quarter=data.get("quarter", (goal.period_start.month + 2) // 3 if goal else None),
        month=data.get("month", goal.period_start.month if goal else None),
        start=data.get("period_start", goal.period_start if goal else None),
        end=data.get("period_end", goal.period_end if goal else None),
    )
    data.update(period_kind=kind, period_start=start, period_end=end)
    owner_kind = data.get("owner_kind", goal.owner_kind if goal else None)
    unit = data.get("unit", goal.org_unit_id if goal else None)
    user = data.get("user", goal.owner_id if goal else None)
    owner = resolve_owner(actor, owner_kind, unit=unit, user=user)
    data.update(owner_kind=owner.kind, org_unit=owner.unit)
    if goal is None or owner.kind != goal.owner_kind or owner.unit.pk != goal.org_unit_id:
        data["owner"] = owner.responsible
    elif owner.kind == OwnerKind.USER:
        data["owner"] = owner.user
    for key in ("year", "quarter", "month", "unit", "user"):
        data.pop(key, None)


# ---- goals -----------------------------------------------------------------------------------


@transaction.atomic
def goal_create(*, actor: User, request=None, **fields: Any) -> Goal:
    _require_setter(actor)
    unknown = set(fields) - set(EDIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown goal fields: {sorted(unknown)}")
    data = dict(fields)
    _period_and_owner(actor, data)
    goal = Goal(created_by=actor, status=data.pop("status", None) or GoalStatus.DRAFT, **data)
    _clean(goal)
    goal._history_user = actor
    goal.save()
    return goal


@transaction.atomic
def goal_update(
    *, actor: User, goal: Goal, expected_version: int | None = None, request=None, **changes
) -> Goal:
    unknown = set(changes) - set(EDIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown goal fields: {sorted(unknown)}")
    current = _editable(actor, goal.pk)
    check_version(current, expected_version)
    data = dict(changes)
    period_or_owner = {"period_kind", "year", "quarter", "month", "period_start", "period_end"}
    period_or_owner |= {"owner_kind", "unit", "user"}
    if period_or_owner & set(data):
        _period_and_owner(actor, data, current)
    before = {f: getattr(current, f) for f in (*RESPLIT_FIELDS, "target_value")}
    for name, value in data.items():
        setattr(current, name, value)
    _clean(current)
    changed = [f for f in before if getattr(current, f) != before[f]]
    fields = sorted(set(data) | {"target_value", "baseline", "name", "rationale"})
    save_versioned(current, expected_version=current.version, fields=fields, actor=actor)
    if current.is_decomposed and changed:
        _decompose(current, actor=actor)
    return current


def goal_delete(*, actor: User, goal: Goal, request=None) -> Goal:
    _require_setter(actor)
    return record_soft_delete(model=Goal, pk=goal.pk, actor=actor, request=request)


def goal_restore(*, actor: User, goal: Goal, request=None) -> Goal:
    _require_setter(actor)
    return record_restore(model=Goal, pk=goal.pk, actor=actor, request=request)


# ---- achievability ---------------------------------------------------------------------------


@dataclass
class Achievability:
    """What the form shows before saving: the target against the trailing trend and against the
    open pipeline. `None` values: not available for this metric (yet)."""

    target: Decimal
    previous: list[tuple[date, date, Decimal]] = field(default_factory=list)
    projection: Decimal | None = None  # the trend carried forward one period
    growth_needed: Decimal | None = None  # target ÷ last period − 1, in %
    actual_to_date: Decimal | None = None
    gap: Decimal | None = None
    pipeline: Decimal | None = None  # open weighted pipeline closing in the period
    coverage: Decimal | None = None  # pipeline ÷ gap
    verdict: str = "unknown"  # realistic, stretch, unlikely, unknown
    notes: list[str] = field(default_factory=list)


def _shift(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, _month_end(date(year, month, 1)).day))


def _previous_periods(start: date, end: date, count: int = 2) -> list[tuple[date, date]]:
    """The `count` periods before [start, end] of the same shape: whole months shift by whole
    months (a year by a year), other periods by their length in days."""
    out = []
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    whole = start.day == 1 and end == _month_end(end)
    for i in range(1, count + 1):
        if whole:
            s = _shift(start, -months * i)
            out.append((s, _month_end(_shift(s, months - 1))))
        else:
            length = (end - start).days + 1
            out.append((start - timedelta(days=length * i), end - timedelta(days=length * i)))
    return out


def achievability(
    *,
    actor: User,
    metric_key: str,
    owner_kind: str,
    unit=None,
    user=None,
    period_start: date,
    period_end: date,
    target_value: Any,
    today: date | None = None,
) -> Achievability:
    """The achievability check (TGT-1), read only: raises the same field errors as the form."""
    info = metric(metric_key)
    target = value_for(metric_key, target_value, "target_value")
    owner = resolve_owner(actor, owner_kind, unit=unit, user=user)
    result = Achievability(target=target)
    args = (metric_key, owner.kind, owner.unit, owner.user)
    previous = []
    for s, e in _previous_periods(period_start, period_end):
        value = selectors.metric_actual(*args, s, e)
        if value is None:
            break
        previous.append((s, e, value))
    result.previous = previous
    if previous and info.additive:
        last = previous[0][2]
        if last > 0:
            result.growth_needed = ((target / last - 1) * 100).quantize(Decimal("0.1"))
        if len(previous) > 1 and previous[1][2] > 0:
            result.projection = (last * last / previous[1][2]).quantize(Decimal("0.01"))
        elif last > 0:
            result.projection = last
    elif not previous:
        result.notes.append(_("No history for this metric yet: the trend is not available."))
    today = today or timezone.localdate()
    actual = selectors.metric_actual(*args, period_start, min(period_end, today))
    if actual is not None and info.additive:
        result.actual_to_date = actual if period_start <= today else Decimal(0)
        result.gap = max(target - result.actual_to_date, Decimal(0))
        pipeline = selectors.open_pipeline(*args, max(period_start, today), period_end)
        if pipeline is not None:
            result.pipeline = pipeline
            if result.gap > 0:
                result.coverage = (pipeline / result.gap).quantize(Decimal("0.01"))
    result.verdict = _verdict(result)
    return result


def _verdict(r: Achievability) -> str:
    """realistic: at most 10 % above the trend, or the pipeline covers the gap; stretch: up to
    30 % above the trend, or half the gap covered; unlikely: beyond both."""
    if r.gap == 0 and r.actual_to_date is not None:
        return "realistic"
    scores = []
    if r.projection is not None and r.projection > 0:
        ratio = r.target / r.projection
        scores.append(0 if ratio <= Decimal("1.1") else 1 if ratio <= Decimal("1.3") else 2)
    if r.coverage is not None:
        scores.append(0 if r.coverage >= 1 else 1 if r.coverage >= Decimal("0.5") else 2)
    if not scores:
        return "unknown"
    return ("realistic", "stretch", "unlikely")[min(scores)]


# ---- decomposition ---------------------------------------------------------------------------


def _number(raw: Any, field_name: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip() or "0")
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e14"):
        raise ValidationError({field_name: [_("Enter a value of zero or more.")]})
    return value


def _people_weights(goal: Goal, method: str, people: list[int], given: dict) -> dict[int, Decimal]:
    if method == SplitMethod.EQUAL:
        return dict.fromkeys(people, Decimal(1))
    if method == SplitMethod.LAST_YEAR:
        values = selectors.last_year_values(goal.metric, people, goal.period_start, goal.period_end)
        return {p: values.get(p, Decimal(0)) for p in people}
    defaults = _tier_multipliers(goal, people) if method == SplitMethod.TIER else {}
    weights = {}
    for p in people:
        raw = given.get(str(p), given.get(p))
        weights[p] = (
            _number(raw, "weights") if raw not in (None, "") else defaults.get(p, Decimal(0))
        )
    return weights


def _tier_multipliers(goal: Goal, people: list[int]) -> dict[int, Decimal]:
    """Each person's sales-tier target multiplier on the goal's first day (ORG-4); 1 without a
    tier."""
    from salesdesk.tiers.selectors import tiers_on

    tiers = tiers_on(people, goal.period_start)
    return {p: Decimal(tiers[p].target_multiplier) if p in tiers else Decimal(1) for p in people}


def _seasonality_weights(goal: Goal, seasonality: str, given) -> list[Decimal] | None:
    if seasonality == Seasonality.WORKING_DAYS:
        return None
    if seasonality == Seasonality.CUSTOM:
        values = list(given or [])
        if len(values) != 12:
            raise ValidationError({"seasonality_weights": [_("Enter a weight for each month.")]})
        weights = [_number(v, "seasonality_weights") for v in values]
        if not any(weights):
            raise ValidationError({"seasonality_weights": [_("At least one month needs weight.")]})
        return weights
    if seasonality == Seasonality.HISTORY:
        unit = goal.org_unit if goal.owner_kind == OwnerKind.UNIT else None
        user = goal.owner if goal.owner_kind == OwnerKind.USER else None
        weights = selectors.monthly_history(
            goal.metric, goal.owner_kind, unit, user, goal.period_start.year - 1
        )
        return weights if any(weights) else None
    raise ValidationError({"seasonality": [_("Select a valid seasonality.")]})


def _owner_tree(goal: Goal, weights: dict[int, Decimal] | None = None):
    if goal.owner_kind == OwnerKind.USER:
        return decompose.person_tree(goal.owner_id, goal.org_unit_id), [goal.owner_id]
    parents = selectors.unit_parents_below(goal.org_unit)
    people = selectors.sales_people(parents.keys())
    ids = [p for p, _u in people]
    weights = weights if weights is not None else dict.fromkeys(ids, Decimal(1))
    tree = decompose.owner_tree(
        goal.org_unit_id, parents, [(p, u, weights.get(p, Decimal(0))) for p, u in people]
    )
    return tree, ids


def _decompose(goal: Goal, *, actor: User, weights_given=None, seasonality_given=None) -> int:
    """(Re)write the goal's parts with its stored settings (`weights_given`/`seasonality_given`
    override the stored inputs). Returns the number of parts."""
    info = METRICS[goal.metric]
    given = weights_given if weights_given is not None else (goal.split_weights or {})
    if goal.owner_kind == OwnerKind.USER:
        tree, people = _owner_tree(goal)
        used = {}
    else:
        _tree, people = _owner_tree(goal)
        used = _people_weights(goal, goal.split_method, people, given)
        tree, people = _owner_tree(goal, used)
    season_given = seasonality_given if seasonality_given is not None else goal.seasonality_weights
    season = _seasonality_weights(goal, goal.seasonality, season_given)
    try:
        time_root = decompose.calendar(
            goal.period_start, goal.period_end, workdays.is_working_day, season
        )
    except ValueError:
        raise ValidationError(_("The goal's period has no working days.")) from None
    if goal.split_method in (SplitMethod.TIER, SplitMethod.CUSTOM):
        goal.split_weights = {str(p): str(w) for p, w in used.items()}
    else:
        goal.split_weights = {}
    goal.seasonality_weights = (
        [str(w) for w in season] if goal.seasonality == Seasonality.CUSTOM and season else []
    )
    total = decompose.to_units(goal.target_value, info.quantum)
    planned = decompose.plan(total, tree, time_root, additive=info.additive)
    GoalPart.objects.filter(goal=goal)._raw_delete(GoalPart.objects.db)
    return write_parts(goal, planned, info.quantum)


PART_COLUMNS = (
    "id",
    "goal_id",
    "parent_id",
    "granularity",
    "owner_unit_id",
    "owner_user_id",
    "start",
    "end",
    "amount",
)


def write_parts(goal: Goal, planned, quantum: Decimal, *, root_parent: int | None = None) -> int:
    """Insert planned parts (decompose.plan) with reserved ids, in one statement (COPY on
    PostgreSQL); parts without a parent in the plan hang under `root_parent`. Dates go as ISO
    text and amounts as exact decimal text, which both databases store in their columns."""
    planned = list(planned)
    ids = reserve_ids(GoalPart, len(planned))
    cents = quantum == Decimal("0.01")
    gid = goal.pk
    days: dict[date, str] = {}

    def rows():
        for key, parent, granularity, unit_id, user_id, start, end, units in planned:
            s = days.get(start)
            if s is None:
                s = days[start] = start.isoformat()
            e = days.get(end)
            if e is None:
                e = days[end] = end.isoformat()
            yield (
                ids[key],
                gid,
                ids[parent] if parent is not None else root_parent,
                granularity,
                unit_id,
                user_id,
                s,
                e,
                f"{units // 100}.{units % 100:02d}" if cents else str(units),
            )

    return insert_text_rows(GoalPart, PART_COLUMNS, rows())


@transaction.atomic
def goal_decompose(
    *,
    actor: User,
    goal: Goal,
    method: str = SplitMethod.EQUAL,
    weights: dict | None = None,
    seasonality: str = Seasonality.WORKING_DAYS,
    seasonality_weights: list | None = None,
    expected_version: int | None = None,
    request=None,
) -> Goal:
    """Split the goal over its units and people (`method`, `weights` by user id for tier and
    custom) and over quarters, months, ISO-week pieces and working days (`seasonality`): the old
    parts are replaced in the same transaction."""
    current = _editable(actor, goal.pk)
    check_version(current, expected_version)
    if method not in SplitMethod.values:
        raise ValidationError({"method": [_("Select a valid method.")]})
    if seasonality not in Seasonality.values:
        raise ValidationError({"seasonality": [_("Select a valid seasonality.")]})
    current.split_method = method
    current.seasonality = seasonality
    current.decomposed_at = timezone.now()
    _decompose(
        current,
        actor=actor,
        weights_given=weights or {},
        seasonality_given=seasonality_weights,
    )
    fields = ["split_method", "split_weights", "seasonality", "seasonality_weights"]
    save_versioned(
        current,
        expected_version=current.version,
        fields=[*fields, "decomposed_at"],
        actor=actor,
    )
    return current


# ---- editing the allocation ------------------------------------------------------------------


MODE_SIBLINGS, MODE_TOTAL = "siblings", "total"


@dataclass
class _Part:
    pk: int
    parent: int | None
    granularity: int
    unit: int | None
    user: int | None
    start: date
    end: date
    amount: int
    children: list[_Part] = field(default_factory=list)


def _load(goal: Goal, qs, quantum: Decimal) -> dict[int, _Part]:
    parts = {
        pk: _Part(pk, parent, g, u, us, s, e, decompose.to_units(a, quantum))
        for pk, parent, g, u, us, s, e, a in qs.values_list(
            "id",
            "parent_id",
            "granularity",
            "owner_unit_id",
            "owner_user_id",
            "start",
            "end",
            "amount",
        )
    }
    for part in sorted(parts.values(), key=lambda p: p.pk):
        if part.parent in parts:
            parts[part.parent].children.append(part)
    return parts


def _subtree_query(goal: Goal, part: GoalPart):
    """The parts at and below `part` (one query; a person's parts by the person index)."""
    base = GoalPart.objects.filter(goal=goal)
    if part.granularity != Granularity.PERIOD or part.owner_user_id is not None:
        return base.filter(
            owner_unit_id=part.owner_unit_id,
            owner_user_id=part.owner_user_id,
            granularity__gte=part.granularity,
            start__gte=part.start,
            end__lte=part.end,
        )
    rows = selectors.owner_rows(goal)
    row = rows[part.pk]
    leaves = row.people()
    owners = [r.part_id for r in _walk_rows(row)]
    people = [r.user_id for r in leaves if r.user_id]
    from django.db.models import Q

    cond = Q(pk__in=owners)
    if people:
        cond |= Q(owner_user_id__in=people, granularity__gt=Granularity.PERIOD)
    else:
        cond |= Q(owner_unit_id=part.owner_unit_id, owner_user__isnull=True)
    return base.filter(cond)


def _walk_rows(row):
    yield row
    for child in row.children:
        yield from _walk_rows(child)


def _resplit(node: _Part, changed: dict[int, int]) -> None:
    """Give `node`'s children its (new) amount in proportion to what they had (all zero:
    equally), down to the days."""
    if not node.children:
        return
    parts = decompose.split(node.amount, [c.amount for c in node.children])
    for child, amount in zip(node.children, parts, strict=True):
        if child.amount != amount:
            child.amount = amount
            changed[child.pk] = amount
        _resplit(child, changed)


def _update_amounts(changed: dict[int, int], quantum: Decimal) -> None:
    if not changed:
        return
    table = GoalPart._meta.db_table
    ids = list(changed)
    amounts = [str(decompose.from_units(changed[pk], quantum)) for pk in ids]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement instead of a round trip per row
            cursor.execute(
                f"UPDATE {table} AS p SET amount = v.amount FROM "  # noqa: S608 - our table
                "(SELECT unnest(%s::bigint[]) AS id, unnest(%s::numeric[]) AS amount) AS v "
                "WHERE p.id = v.id",
                [ids, amounts],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET amount = %s WHERE id = %s",  # noqa: S608 - our table
                list(zip(amounts, ids, strict=True)),
            )


@transaction.atomic
def part_set_amount(
    *,
    actor: User,
    goal: Goal,
    part_id: int,
    amount: Any,
    mode: str = MODE_SIBLINGS,
    confirm_total: Any = None,
    expected_version: int | None = None,
    request=None,
) -> Goal:
    """Change one part of the allocation. `siblings`: the other parts under the same parent give
    or take the difference in proportion to their amounts, so the totals above stay; `total`:
    every part above changes by the difference and so does the goal's target, which the caller
    confirms by sending the new total as `confirm_total`. The parts below are re-split in
    proportion. Ratios and scores: the part and those below it take the value."""
    current = _editable(actor, goal.pk)
    check_version(current, expected_version)
    if not current.is_decomposed:
        raise ValidationError(_("Decompose the goal first."))
    info = METRICS[current.metric]
    quantum = info.quantum
    part = GoalPart.objects.filter(goal=current, pk=part_id).first()
    if part is None:
        raise GoalPart.DoesNotExist
    new_value = value_for(current.metric, amount, "amount")
    new = decompose.to_units(new_value, quantum)
    changed: dict[int, int] = {}
    if not info.additive:
        subtree = _load(current, _subtree_query(current, part), quantum)
        changed = {pk: new for pk, p in subtree.items() if p.amount != new}
        _update_amounts(changed, quantum)
        save_versioned(current, expected_version=current.version, fields=[], actor=actor)
        return current
    old = decompose.to_units(part.amount, quantum)
    delta = new - old
    if mode == MODE_SIBLINGS:
        if part.parent_id is None:
            raise ValidationError(
                {"amount": [_("The whole goal has no siblings: change the total instead.")]}
            )
        parent = GoalPart.objects.get(pk=part.parent_id)
        siblings = _load(current, _subtree_query(current, parent), quantum)
        node = siblings[parent.pk]
        others = [c for c in node.children if c.pk != part.pk]
        left = sum(c.amount for c in others) - delta
        if left < 0 or not others:
            raise ValidationError(
                {"amount": [_("The other parts cannot give up that much. Change the total.")]}
            )
        me = siblings[part.pk]
        me.amount = new
        changed[me.pk] = new
        _resplit(me, changed)
        for sibling, value in zip(
            others, decompose.split(left, [c.amount for c in others]), strict=True
        ):
            if sibling.amount != value:
                sibling.amount = value
                changed[sibling.pk] = value
            _resplit(sibling, changed)
    elif mode == MODE_TOTAL:
        new_total = current.target_value + decompose.from_units(delta, quantum)
        try:
            confirmed = value_for(current.metric, confirm_total, "confirm_total")
        except ValidationError:
            confirmed = None
        if confirmed != new_total:
            raise ValidationError(
                {
                    "confirm_total": [
                        _("Confirm the new total of the goal: %(total)s.") % {"total": new_total}
                    ]
                }
            )
        subtree = _load(current, _subtree_query(current, part), quantum)
        me = subtree[part.pk]
        me.amount = new
        changed[me.pk] = new
        _resplit(me, changed)
        ancestor_id = part.parent_id
        while ancestor_id is not None:
            ancestor = GoalPart.objects.get(pk=ancestor_id)
            changed[ancestor.pk] = decompose.to_units(ancestor.amount, quantum) + delta
            ancestor_id = ancestor.parent_id
        current.target_value = new_total
    else:
        raise ValidationError({"mode": [_("Select how the other parts should change.")]})
    _update_amounts(changed, quantum)
    save_versioned(current, expected_version=current.version, fields=["target_value"], actor=actor)
    return current


# ---- rebalancing when people join or leave ---------------------------------------------------


@dataclass
class RebalanceNeed:
    unit_id: int
    unit_name: str
    leavers: list[int]
    joiners: list[int]


def rebalance_needs(goal: Goal, from_date: date | None = None) -> list[RebalanceNeed]:
    """Units of a decomposed goal whose people changed since the decomposition: people who left
    (deactivated or moved) and still have parts from `from_date` (default today) on, and active
    sales people who joined."""
    if not goal.is_decomposed or goal.owner_kind == OwnerKind.USER:
        return []
    rows = selectors.owner_rows(goal)
    units = [r for r in rows.values() if not r.is_person and any(c.is_person for c in r.children)]
    unit_ids = [r.unit_id for r in units]
    current: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in selectors.sales_people(unit_ids):
        current[unit_id].add(user_id)
    gone = {
        (c.unit_id, c.user_id)
        for r in units
        for c in r.children
        if c.is_person and c.user_id not in current.get(r.unit_id, set())
    }
    still_due = set()
    if gone:
        still_due = set(
            GoalPart.objects.filter(
                goal=goal,
                granularity=Granularity.DAY,
                owner_user_id__in={u for _unit, u in gone},
                start__gte=from_date or timezone.localdate(),
                amount__gt=0,
            )
            .values_list("owner_unit_id", "owner_user_id")
            .distinct()
        )
    needs = []
    for row in units:
        had = {c.user_id for c in row.children if c.is_person}
        now = current.get(row.unit_id, set())
        leavers = sorted(u for u in had - now if (row.unit_id, u) in still_due)
        joiners = sorted(now - had)
        if leavers or joiners:
            needs.append(RebalanceNeed(row.unit_id, row.name, leavers, joiners))
    return needs


@transaction.atomic
def goal_rebalance(
    *,
    actor: User,
    goal: Goal,
    from_date: date | None = None,
    expected_version: int | None = None,
    request=None,
) -> int:
    """Redistribute the remaining working days (from `from_date`, default today) of every unit
    whose people changed: each day's amount of the unit is split again over its current active
    sales people by the goal's method (people missing from the weights: the unit's average
    weight), leavers keep their past days only, joiners get parts. The unit's totals stay.
    Returns the number of units rebalanced."""
    current = _editable(actor, goal.pk)
    check_version(current, expected_version)
    from_date = from_date or timezone.localdate()
    needs = rebalance_needs(current, from_date)
    if not needs:
        return 0
    info = METRICS[current.metric]
    quantum = info.quantum
    rows = selectors.owner_rows(current)
    by_unit = {
        r.unit_id: r
        for r in rows.values()
        if not r.is_person and any(c.is_person for c in r.children)
    }
    people_now = defaultdict(list)
    for user_id, unit_id in selectors.sales_people([n.unit_id for n in needs]):
        people_now[unit_id].append(user_id)
    time_root = decompose.calendar(
        current.period_start, current.period_end, workdays.is_working_day, None
    )
    done = 0
    for need in needs:
        members = people_now.get(need.unit_id, [])
        if not members:
            continue  # nobody left to carry the unit's target: keep it as it is
        unit_row = by_unit[need.unit_id]
        _add_people(current, unit_row, need.joiners, time_root, quantum, info.additive)
        if info.additive:
            _redistribute(current, unit_row, members, from_date, quantum)
        done += 1
    save_versioned(current, expected_version=current.version, fields=[], actor=actor)
    return done


def _add_people(goal, unit_row, joiners, time_root, quantum, additive) -> None:
    """Parts for people who joined a unit, hung under the unit's part: zero amounts (a copy of
    the goal's value for ratios and scores); `_redistribute` fills their remaining days."""
    if not joiners:
        return
    value = 0 if additive else decompose.to_units(goal.target_value, quantum)
    rows, offset = [], 0
    for user_id in joiners:
        tree = decompose.person_tree(user_id, unit_row.unit_id)
        parts = list(decompose.plan(value, tree, time_root, additive=False))
        rows.extend(
            decompose.PlannedPart(
                p.key + offset,
                p.parent + offset if p.parent is not None else None,
                p.granularity,
                p.unit_id,
                p.user_id,
                p.start,
                p.end,
                p.amount,
            )
            for p in parts
        )
        offset += len(parts)
    write_parts(goal, rows, quantum, root_parent=unit_row.part_id)


def _redistribute(goal, unit_row, members, from_date, quantum) -> None:
    """Split each remaining day's unit amount over `members` and sum the days up again."""
    people = [c for c in selectors.owner_rows(goal)[unit_row.part_id].children if c.is_person]
    user_ids = [c.user_id for c in people]
    parts = _load(
        goal,
        GoalPart.objects.filter(
            goal=goal, owner_unit_id=unit_row.unit_id, owner_user_id__in=user_ids
        ),
        quantum,
    )
    weights = _member_weights(goal, members)
    day_parts: dict[date, dict[int, _Part]] = defaultdict(dict)
    for p in parts.values():
        if p.granularity == Granularity.DAY and p.start >= from_date:
            day_parts[p.start][p.user] = p
    changed: dict[int, int] = {}
    for _day, by_user in day_parts.items():
        pool = sum(p.amount for p in by_user.values())
        present = [m for m in members if m in by_user]
        shares = decompose.split(pool, [weights[m] for m in present]) if present else []
        new = dict(zip(present, shares, strict=True))
        for user_id, p in by_user.items():
            value = new.get(user_id, 0)
            if p.amount != value:
                p.amount = value
                changed[p.pk] = value
    # Sum every changed person's tree up again (week ← days … period ← quarters).
    for top in (p for p in parts.values() if p.granularity == Granularity.PERIOD):
        _sum_up(top, changed)
    _update_amounts(changed, quantum)


def _sum_up(node: _Part, changed: dict[int, int]) -> int:
    if not node.children:
        return node.amount
    total = sum(_sum_up(c, changed) for c in node.children)
    if total != node.amount:
        node.amount = total
        changed[node.pk] = total
    return total


def _member_weights(goal: Goal, members: list[int]) -> dict[int, Decimal]:
    if goal.split_method == SplitMethod.LAST_YEAR:
        weights = _people_weights(goal, goal.split_method, members, {})
    elif goal.split_method == SplitMethod.TIER:
        # Joiners without a stored weight get their tier's multiplier.
        stored = goal.split_weights or {}
        tiers = _tier_multipliers(goal, [m for m in members if str(m) not in stored])
        weights = {m: Decimal(stored[str(m)]) if str(m) in stored else tiers[m] for m in members}
    elif goal.split_method == SplitMethod.CUSTOM:
        stored = goal.split_weights or {}
        known = [Decimal(stored[str(m)]) for m in members if str(m) in stored]
        average = sum(known) / len(known) if known else Decimal(1)
        weights = {m: Decimal(stored[str(m)]) if str(m) in stored else average for m in members}
    else:
        weights = dict.fromkeys(members, Decimal(1))
    return weights
