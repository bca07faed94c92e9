"""Goal progress (TGT-3, D47): for a goal and each part of its decomposition, the actual from the
metric layer (D43), attainment, time elapsed, gap, the run-rate still needed, the projected finish
and a status.

Rules (docs/decisions.md D47):
- *actual*: the metric over the part's period for its owner: a person's facts, a unit's with
  every sub-unit, the company's: everything. Ratios are in the goal's scale (percentages).
- *time elapsed*: working days (core/workdays.py) from the period's start through today ÷ the
  period's working days, in % (0 before the start, 100 after the end).
- *attainment*: actual ÷ target in % (none for a target of 0).
- additive metrics: *gap* = target − actual (negative: beyond the target); *run-rate needed* =
  the positive gap ÷ the working days left after today; *projection* = actual ÷ working days
  elapsed × working days in the period (the current pace kept to the end).
- ratio metrics (derived): actual is the ratio over the period so far; no run-rate and no
  projection; the gap is target − actual.
- *status*: additive: attainment − time elapsed (the other way round for lower-is-better
  metrics) below −margin is behind, above +margin ahead, else on track; ratios compare attainment
  with 100 % the same way; a ratio without data has no status. The margin is
  `settings.SALESDESK_PROGRESS_MARGIN` percentage points (default 5).

Speed: the facts are read once per (metric, period) grouped by owner and unit
(`metric_sums_by_owner_and_unit`), and every person's, unit's and company's figure of that period
is summed from that answer in Python; working days are counted once per period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.core.workdays import working_days_between
from salesdesk.metrics.definitions import Term
from salesdesk.metrics.selectors import metric_sums, metric_sums_by_owner_and_unit
from salesdesk.org.models import OrgUnit, User
from salesdesk.org.permissions import can_manage_goals
from salesdesk.targets import selectors
from salesdesk.targets.metric_rules import GoalMetric, goal_metric
from salesdesk.targets.models import Goal, GoalStatus, Granularity, OwnerKind

HUNDRED = Decimal(100)
PERCENT = Decimal("0.1")
CENT = Decimal("0.01")
DEFAULT_MARGIN = Decimal(5)

Terms = dict[Term, Decimal]


class Status(models.TextChoices):
    AHEAD = "ahead", _("Ahead")
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")
    NO_DATA = "no_data", _("No data yet")


def margin() -> Decimal:
    return Decimal(str(getattr(settings, "SALESDESK_PROGRESS_MARGIN", DEFAULT_MARGIN)))


@dataclass
class Figures:
    start: date
    end: date
    target: Decimal
    actual: Decimal | None
    attainment: Decimal | None  # % of the target
    elapsed: Decimal  # % of the period's working days
    working_days: int
    days_elapsed: int
    days_left: int
    gap: Decimal | None
    run_rate: Decimal | None  # needed per remaining working day
    projection: Decimal | None
    status: str
    additive: bool

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def bar(self) -> Decimal:
        """The attainment for a progress bar (0–100)."""
        return min(max(self.attainment or Decimal(0), Decimal(0)), HUNDRED)


class Calendar:
    """Working days of periods, counted once per period and day."""

    def __init__(self) -> None:
        self._cache: dict[tuple[date, date], int] = {}

    def days(self, start: date, end: date) -> int:
        """Working days in [start, end]."""
        if end < start:
            return 0
        key = (start, end)
        if key not in self._cache:
            self._cache[key] = working_days_between(start - timedelta(days=1), end)
        return self._cache[key]


def _percent(top: Decimal, bottom: Decimal) -> Decimal:
    return (Decimal(top) * HUNDRED / Decimal(bottom)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def _status(lead: Decimal, higher_is_better: bool, limit: Decimal) -> str:
    lead = lead if higher_is_better else -lead
    if lead < -limit:
        return Status.BEHIND
    if lead > limit:
        return Status.AHEAD
    return Status.ON_TRACK


def figures(
    metric: GoalMetric,
    target: Decimal,
    terms: Terms,
    start: date,
    end: date,
    *,
    today: date,
    calendar: Calendar,
    status_margin: Decimal | None = None,
) -> Figures:
    """The progress figures of one goal or part from the sums behind its actual (module doc)."""
    limit = margin() if status_margin is None else status_margin
    actual = metric.to_goal_scale(metric.definition.compute(terms))
    total = calendar.days(start, end)
    done = calendar.days(start, min(end, today)) if today >= start else 0
    left = total - done
    # A period without a working day is all elapsed once it is over.
    elapsed = _percent(done, total) if total else HUNDRED if today >= end else Decimal(0)
    attainment = _percent(actual, target) if actual is not None and target else None
    gap = target - actual if actual is not None else None
    run_rate = projection = None
    if metric.additive:
        assert actual is not None and gap is not None
        if left:
            run_rate = (max(gap, Decimal(0)) / left).quantize(CENT, rounding=ROUND_HALF_UP)
        if done:
            projection = (actual * total / done).quantize(CENT, rounding=ROUND_HALF_UP)
        if attainment is None:  # a target of 0
            status = Status.ON_TRACK
        else:
            status = _status(attainment - elapsed, metric.higher_is_better, limit)
    elif attainment is None:
        status = Status.NO_DATA
    else:
        status = _status(attainment - HUNDRED, metric.higher_is_better, limit)
    return Figures(
        start=start,
        end=end,
        target=target,
        actual=actual,
        attainment=attainment,
        elapsed=elapsed,
        working_days=total,
        days_elapsed=done,
        days_left=left,
        gap=gap,
        run_rate=run_rate,
        projection=projection,
        status=status,
        additive=metric.additive,
    )


def _add(into: Terms, terms: Terms) -> None:
    for term, value in terms.items():
        into[term] = into.get(term, Decimal(0)) + value


class Actuals:
    """The sums behind goals' actuals, read once per (metric, period) grouped by owner and unit;
    a person's, a unit's (with its sub-units) and the company's sums are added up from them."""

    def __init__(self) -> None:
        self._grids: dict[tuple[str, date, date], dict] = {}
        self._paths: dict[int, str] | None = None

    def _unit_paths(self) -> dict[int, str]:
        if self._paths is None:
            self._paths = dict(OrgUnit.all_objects.values_list("id", "path"))
        return self._paths

    def _grid(self, metric: str, start: date, end: date) -> dict:
        key = (metric, start, end)
        if key not in self._grids:
            rows = metric_sums_by_owner_and_unit(metric, start=start, end=end)
            users: dict[int, Terms] = defaultdict(dict)
            units: dict[int, Terms] = defaultdict(dict)
            company: Terms = {}
            paths = self._unit_paths() if rows else {}
            for (owner, unit), terms in rows.items():
                _add(users[owner], terms)
                _add(company, terms)
                for ancestor in (int(p) for p in paths.get(unit, "").strip("/").split("/") if p):
                    _add(units[ancestor], terms)
            self._grids[key] = {"users": users, "units": units, "company": company}
        return self._grids[key]

    def user(self, metric: str, start: date, end: date, user_id: int) -> Terms:
        return self._grid(metric, start, end)["users"].get(user_id, {})

    def unit(self, metric: str, start: date, end: date, unit_id: int) -> Terms:
        return self._grid(metric, start, end)["units"].get(unit_id, {})

    def company(self, metric: str, start: date, end: date) -> Terms:
        return self._grid(metric, start, end)["company"]

    def owner(self, goal: Goal, start: date, end: date) -> Terms:
        """The sums for the goal's owner over [start, end]."""
        if goal.owner_kind == OwnerKind.USER:
            return self.user(goal.metric, start, end, goal.owner_id)
        if goal.owner_kind == OwnerKind.UNIT:
            return self.unit(goal.metric, start, end, goal.org_unit_id)
        return self.company(goal.metric, start, end)


# ---- goals -----------------------------------------------------------------------------------


@dataclass
class GoalProgress:
    goal: Goal
    figures: Figures


def goal_progress(
    goal: Goal,
    *,
    today: date | None = None,
    actuals: Actuals | None = None,
    calendar: Calendar | None = None,
) -> Figures:
    """The goal's own figures over its whole period."""
    today = today or timezone.localdate()
    actuals = actuals or Actuals()
    terms = actuals.owner(goal, goal.period_start, goal.period_end)
    return figures(
        goal_metric(goal.metric),
        goal.target_value,
        terms,
        goal.period_start,
        goal.period_end,
        today=today,
        calendar=calendar or Calendar(),
    )


def progress_goals(
    viewer: User,
    *,
    period: str = "",
    metric: str = "",
    owner: int | None = None,
    today: date | None = None,
):
    """The goals `viewer` may see for the progress page (archived ones left out): `period` is
    "current" (running today), a year ("2026": overlapping it) or "" (all)."""
    today = today or timezone.localdate()
    qs = selectors.goals_visible(viewer).exclude(status=GoalStatus.ARCHIVED)
    if period == "current":
        qs = qs.filter(period_start__lte=today, period_end__gte=today)
    elif period.isdigit() and len(period) == 4:
        year = int(period)
        qs = qs.filter(period_start__lte=date(year, 12, 31), period_end__gte=date(year, 1, 1))
    if metric:
        qs = qs.filter(metric=metric)
    if owner:
        qs = qs.filter(owner_id=owner)
    return qs.select_related("owner", "org_unit").order_by("-period_start", "name", "id")


def goals_progress(
    viewer: User,
    *,
    period: str = "",
    metric: str = "",
    owner: int | None = None,
    status: str = "",
    today: date | None = None,
) -> list[GoalProgress]:
    """Every goal `viewer` may see (filters as `progress_goals`) with its figures; `status`
    keeps only goals in that status. Queries: the goals, then one aggregate per distinct
    (metric, period) and one for the units' paths, whatever the number of goals."""
    today = today or timezone.localdate()
    goals = list(progress_goals(viewer, period=period, metric=metric, owner=owner, today=today))
    actuals, calendar = Actuals(), Calendar()
    out = [
        GoalProgress(g, goal_progress(g, today=today, actuals=actuals, calendar=calendar))
        for g in goals
    ]
    if status in Status.values:
        out = [p for p in out if p.figures.status == status]
    return out


def goals_behind(user: User, *, today: date | None = None) -> list[GoalProgress]:
    """Active goals running today that are behind plan and concern `user`: their own goals and,
    for people who set goals (managers), every goal in their scope (their units' and reps')."""
    today = today or timezone.localdate()
    running = [
        p
        for p in goals_progress(user, period="current", status=Status.BEHIND, today=today)
        if p.goal.status == GoalStatus.ACTIVE
    ]
    if can_manage_goals(user):
        return running
    return [p for p in running if p.goal.owner_id == user.pk]


# ---- the parts of one goal -------------------------------------------------------------------


@dataclass
class PartProgress:
    label: str
    kind: str  # unit, person, quarter, month, week
    figures: Figures
    unit_id: int | None = None
    user_id: int | None = None
    node: selectors.OwnerRow | None = None


@dataclass
class Breakdown:
    goal: Goal
    figures: Figures
    focus: selectors.OwnerRow | None = None
    trail: list[selectors.OwnerRow] = field(default_factory=list)
    owners: list[PartProgress] = field(default_factory=list)  # the focus's children
    quarters: list[PartProgress] = field(default_factory=list)
    months: list[PartProgress] = field(default_factory=list)
    weeks: list[PartProgress] = field(default_factory=list)


def _node_terms(goal: Goal, actuals: Actuals, row: selectors.OwnerRow, root_id: int) -> Terms:
    if row.part_id == root_id:
        return actuals.owner(goal, goal.period_start, goal.period_end)
    if row.user_id:
        return actuals.user(goal.metric, goal.period_start, goal.period_end, row.user_id)
    return actuals.unit(goal.metric, goal.period_start, goal.period_end, row.unit_id)


def _focus_sums(
    goal: Goal, focus: selectors.OwnerRow, root_id: int, start: date, end: date, group_by: str
) -> dict[date, Terms]:
    """The focus's sums per month or day over [start, end] (one or two aggregates; whole months
    come from the monthly metric rows, D51)."""
    if focus.part_id == root_id:
        if goal.owner_kind == OwnerKind.USER:
            who: dict = {"users": [goal.owner_id]}
        elif goal.owner_kind == OwnerKind.UNIT:
            who = {"units": [goal.org_unit_id]}
        else:
            who = {}
    elif focus.user_id:
        who = {"users": [focus.user_id]}
    else:
        who = {"units": [focus.unit_id]}
    return metric_sums(goal.metric, start=start, end=end, group_by=group_by, **who)


def _time_parts(goal, focus, granularity, kind, sums, info, make, *, start=None, end=None):
    """The focus's parts of one granularity (sums of its people's parts), with figures. `sums`
    are per month (quarters and months: parts are whole months cut at the period, D44) or per
    day (weeks)."""
    amounts = selectors.leaf_part_sums(goal, granularity, focus.people(), start=start, end=end)
    monthly = granularity in (Granularity.QUARTER, Granularity.MONTH)
    out = []
    for (s, e), amount in sorted(amounts.items()):
        terms: Terms = {}
        first = s.replace(day=1) if monthly else s
        for key, key_terms in sums.items():
            if first <= key <= e:
                _add(terms, key_terms)
        target = amount if info.additive else focus.amount
        out.append(PartProgress(_label(kind, s, e), kind, make(target, terms, s, e)))
    return out


def _label(kind: str, start: date, end: date) -> str:
    if kind == "quarter":
        return f"{start.year} Q{(start.month + 2) // 3}"
    if kind == "month":
        return start.strftime("%Y-%m")
    year, week, _day = start.isocalendar()
    return f"{year}-W{week:02d} ({start:%m-%d}–{end:%m-%d})"


def goal_breakdown(
    goal: Goal,
    *,
    node: int | None = None,
    month: date | None = None,
    today: date | None = None,
) -> Breakdown:
    """The goal's figures and, when it is decomposed, those of the focus node's children
    (units → people), of the focus's quarters and months, and of the week pieces of `month`
    (or of the current month). Queries: the grid of the period (one), the units' paths, the
    owner parts with names (three), the focus's monthly and daily sums (two to four) and
    one per granularity of time parts, whatever the number of parts."""
    today = today or timezone.localdate()
    actuals, calendar = Actuals(), Calendar()
    info = goal_metric(goal.metric)
    out = Breakdown(goal, goal_progress(goal, today=today, actuals=actuals, calendar=calendar))
    if not goal.is_decomposed:
        return out
    rows = selectors.owner_rows(goal)
    root = selectors.root_row(rows)
    if root is None:
        return out
    focus = rows.get(node) if node else None
    focus = focus or root
    trail, walk = [], focus
    while walk is not None:
        trail.insert(0, walk)
        walk = rows.get(walk.parent_id)
    out.focus, out.trail = focus, trail

    def make(amount, terms, s, e):
        return figures(info, amount, terms, s, e, today=today, calendar=calendar)

    start, end = goal.period_start, goal.period_end
    for child in focus.children:
        terms = _node_terms(goal, actuals, child, root.part_id)
        out.owners.append(
            PartProgress(
                child.name,
                "person" if child.user_id else "unit",
                make(child.amount, terms, start, end),
                child.unit_id,
                child.user_id,
                child,
            )
        )
    if focus.part_id != root.part_id:
        terms = _node_terms(goal, actuals, focus, root.part_id)
        out.figures = make(focus.amount, terms, start, end)
    monthly = _focus_sums(goal, focus, root.part_id, start, end, "month")
    out.quarters = _time_parts(goal, focus, Granularity.QUARTER, "quarter", monthly, info, make)
    out.months = _time_parts(goal, focus, Granularity.MONTH, "month", monthly, info, make)
    wanted = (month or today).replace(day=1)
    chosen = next((m for m in out.months if m.figures.start.replace(day=1) == wanted), None)
    if chosen is not None:
        daily = _focus_sums(
            goal, focus, root.part_id, chosen.figures.start, chosen.figures.end, "day"
        )
        out.weeks = _time_parts(
            goal,
            focus,
            Granularity.WEEK,
            "week",
            daily,
            info,
            make,
            start=chosen.figures.start,
            end=chosen.figures.end,
        )
    return out
