"""Reads of goals and their decomposition, always through the scoping function (ORG-2).

Figures of a metric (history, trend, last year's shares) come from the metric layer
(`salesdesk.metrics.selectors`, D43); only the open pipeline reads opportunities.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from salesdesk.metrics.selectors import metric_values
from salesdesk.org.models import DataScope, OrgUnit, User
from salesdesk.org.scoping import visible_to
from salesdesk.targets.metric_rules import goal_metric
from salesdesk.targets.models import Goal, GoalPart, GoalStatus, Granularity, OwnerKind

SORTS: dict[str, list[Any]] = {
    "period_start": [F("period_start").asc(), F("id").asc()],
    "-period_start": [F("period_start").desc(), F("id").desc()],
    "name": [F("name").asc(), F("id").asc()],
    "-name": [F("name").desc(), F("id").desc()],
    "target_value": [F("target_value").asc(), F("id").asc()],
    "-target_value": [F("target_value").desc(), F("id").desc()],
    "created_at": [F("created_at").asc(), F("id").asc()],
    "-created_at": [F("created_at").desc(), F("id").desc()],
}
DEFAULT_SORT = "-period_start"


def goals_visible(user: User) -> QuerySet[Goal]:
    return visible_to(Goal.objects.all(), user)


def goal_list(
    user: User,
    *,
    q: str = "",
    year: int | None = None,
    metric: str = "",
    owner_kind: str = "",
    status: str = "",
    owner: int | None = None,
    unit: int | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Goal]:
    qs = goals_visible(user)
    if q:
        qs = qs.filter(name__icontains=q)
    if year:
        qs = qs.filter(period_start__lte=date(year, 12, 31), period_end__gte=date(year, 1, 1))
    if metric:
        qs = qs.filter(metric=metric)
    if owner_kind in OwnerKind.values:
        qs = qs.filter(owner_kind=owner_kind)
    if status in GoalStatus.values:
        qs = qs.filter(status=status)
    if owner:
        qs = qs.filter(owner_id=owner)
    if unit:
        qs = qs.filter(org_unit_id=unit)
    return qs.select_related("owner", "org_unit").order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def goal_detail(user: User, pk: int) -> Goal | None:
    return (
        goals_visible(user).select_related("owner", "org_unit", "created_by").filter(pk=pk).first()
    )


# ---- organisation ------------------------------------------------------------------------------


def company_unit() -> OrgUnit | None:
    """The root of the organisation (the company)."""
    return OrgUnit.objects.filter(parent__isnull=True).order_by("path", "id").first()


def unit_parents_below(unit: OrgUnit) -> dict[int, int | None]:
    """{unit id: parent id} of the unit's subtree (the unit itself maps to None)."""
    rows = OrgUnit.objects.filter(path__startswith=unit.path).values_list("id", "parent_id")
    return {pk: (parent if pk != unit.pk else None) for pk, parent in rows}


def sales_people(unit_ids) -> list[tuple[int, int]]:
    """(user id, unit id) of the active people who carry a target in these units: those whose
    role's scope is their own (and their subordinates') records, that is reps and team leads;
    managers, directors, finance and administrators steer rather than sell."""
    return list(
        User.objects.filter(
            is_active=True,
            unit_id__in=list(unit_ids),
            role__data_scope__in=(DataScope.OWN, DataScope.OWN_SUBORDINATES),
        )
        .order_by("id")
        .values_list("id", "unit_id")
    )


# ---- decomposition -----------------------------------------------------------------------------


@dataclass
class OwnerRow:
    """A period part of the owner tree (a unit or a person) with its place in the tree."""

    part_id: int
    parent_id: int | None
    unit_id: int | None
    user_id: int | None
    amount: Decimal
    name: str = ""
    children: list[OwnerRow] = field(default_factory=list)

    @property
    def is_person(self) -> bool:
        return self.user_id is not None

    def people(self) -> list[OwnerRow]:
        if not self.children:
            return [self]
        out: list[OwnerRow] = []
        for child in self.children:
            out.extend(child.people())
        return out


def owner_rows(goal: Goal) -> dict[int, OwnerRow]:
    """Every owner node (PERIOD part) of the goal by part id, linked to its children, with names
    (three queries: parts, units, users)."""
    rows = {
        pk: OwnerRow(pk, parent, unit, user, amount)
        for pk, parent, unit, user, amount in GoalPart.objects.filter(
            goal=goal, granularity=Granularity.PERIOD
        ).values_list("id", "parent_id", "owner_unit_id", "owner_user_id", "amount")
    }
    units = dict(
        OrgUnit.all_objects.filter(pk__in={r.unit_id for r in rows.values()}).values_list(
            "id", "name"
        )
    )
    users = {
        u.pk: u.name
        for u in User.objects.filter(pk__in={r.user_id for r in rows.values() if r.user_id})
    }
    for row in sorted(rows.values(), key=lambda r: r.part_id):
        row.name = users.get(row.user_id, "") if row.user_id else units.get(row.unit_id, "")
        if row.parent_id in rows:
            rows[row.parent_id].children.append(row)
    return rows


def root_row(rows: dict[int, OwnerRow]) -> OwnerRow | None:
    return next((r for r in rows.values() if r.parent_id is None), None)


def leaf_parts(goal: Goal, granularity: int, leaves: list[OwnerRow], *, start=None, end=None):
    """{(unit id, user id): [(part id, start, end, amount)]} of the leaves' parts of one
    granularity (optionally within [start, end])."""
    people = [r.user_id for r in leaves if r.user_id]
    qs = GoalPart.objects.filter(goal=goal, granularity=granularity)
    if people and all(r.user_id for r in leaves):
        qs = qs.filter(owner_user_id__in=people)
    elif not people:
        qs = qs.filter(owner_user__isnull=True)
    if start is not None:
        qs = qs.filter(start__gte=start)
    if end is not None:
        qs = qs.filter(end__lte=end)
    out: dict[tuple, list] = defaultdict(list)
    wanted = {(r.unit_id, r.user_id) for r in leaves}
    for pk, unit, user, s, e, amount in qs.order_by("start", "id").values_list(
        "id", "owner_unit_id", "owner_user_id", "start", "end", "amount"
    ):
        if (unit, user) in wanted:
            out[(unit, user)].append((pk, s, e, amount))
    return out


def leaf_part_sums(
    goal: Goal, granularity: int, leaves: list[OwnerRow], *, start=None, end=None
) -> dict[tuple[date, date], Decimal]:
    """{(start, end): the sum of the leaves' parts} of one granularity, added up in the database
    when the leaves are all people or all units (one aggregate), else from `leaf_parts`."""
    people = [r.user_id for r in leaves if r.user_id]
    if people and len(people) != len(leaves):
        out: dict[tuple[date, date], Decimal] = defaultdict(Decimal)
        for values in leaf_parts(goal, granularity, leaves, start=start, end=end).values():
            for _pk, s, e, amount in values:
                out[(s, e)] += amount
        return dict(out)
    qs = GoalPart.objects.filter(goal=goal, granularity=granularity)
    if people:
        qs = qs.filter(owner_user_id__in=people)
    else:
        qs = qs.filter(owner_user__isnull=True, owner_unit_id__in=[r.unit_id for r in leaves])
    if start is not None:
        qs = qs.filter(start__gte=start)
    if end is not None:
        qs = qs.filter(end__lte=end)
    rows = qs.values("start", "end").annotate(total=Sum("amount")).order_by()
    return {(r["start"], r["end"]): Decimal(r["total"]) for r in rows}


@dataclass
class GridRow:
    row: OwnerRow
    cells: list[dict]  # {"amount", "part_id" (None: a sum, read only)}


def month_grid(goal: Goal, focus: OwnerRow) -> tuple[list[tuple[date, date]], list[GridRow]]:
    """Rows: the focus's children (or the focus itself when it is a leaf) × the goal's months.
    A person's (or leaf's) cells are its month parts (editable); a unit's cells are the sums of
    its people's (one query for every month part below the focus)."""
    rows = focus.children or [focus]
    leaves = focus.people()
    parts = leaf_parts(goal, Granularity.MONTH, leaves)
    months = sorted({(s, e) for values in parts.values() for _pk, s, e, _a in values})
    grid = []
    for row in rows:
        sums: dict[date, Decimal] = defaultdict(Decimal)
        ids: dict[date, int] = {}
        for leaf in row.people():
            for pk, s, _e, amount in parts.get((leaf.unit_id, leaf.user_id), []):
                sums[s] += amount
                ids[s] = pk
        editable = not row.children
        grid.append(
            GridRow(
                row,
                [
                    {"amount": sums.get(s, Decimal(0)), "part_id": ids.get(s) if editable else None}
                    for s, _e in months
                ],
            )
        )
    return months, grid


def month_detail(goal: Goal, focus: OwnerRow, month_start: date, month_end: date):
    """The people below the focus × the week pieces and working days of one month: (weeks,
    days, rows) where each row is (owner row, {week start: cell}, {day: cell})."""
    leaves = focus.people()
    weeks = leaf_parts(goal, Granularity.WEEK, leaves, start=month_start, end=month_end)
    days = leaf_parts(goal, Granularity.DAY, leaves, start=month_start, end=month_end)
    week_keys = sorted({(s, e) for v in weeks.values() for _pk, s, e, _a in v})
    day_keys = sorted({s for v in days.values() for _pk, s, _e, _a in v})
    out = []
    for leaf in leaves:
        key = (leaf.unit_id, leaf.user_id)
        out.append(
            (
                leaf,
                {s: {"part_id": pk, "amount": a} for pk, s, _e, a in weeks.get(key, [])},
                {s: {"part_id": pk, "amount": a} for pk, s, _e, a in days.get(key, [])},
            )
        )
    return week_keys, day_keys, out


def allocation_parts(goal: Goal, *, granularity=None, user=None, unit=None, start=None, end=None):
    """The goal's parts for the API (filters optional), in a stable order."""
    qs = GoalPart.objects.filter(goal=goal)
    if granularity is not None:
        qs = qs.filter(granularity=granularity)
    if user is not None:
        qs = qs.filter(owner_user_id=user)
    if unit is not None:
        qs = qs.filter(owner_unit_id=unit)
    if start is not None:
        qs = qs.filter(start__gte=start)
    if end is not None:
        qs = qs.filter(end__lte=end)
    return qs.order_by("id")


# ---- history and pipeline ----------------------------------------------------------------------


def _owner_args(owner_kind: str, unit: OrgUnit | None, user: User | None) -> dict:
    """The metric layer's selection for a goal's owner: a person's facts, a unit's subtree, or
    everything (the company)."""
    if owner_kind == OwnerKind.USER and user is not None:
        return {"users": [user]}
    if owner_kind == OwnerKind.UNIT and unit is not None:
        return {"units": [unit]}
    return {}


def metric_actual(
    metric: str, owner_kind: str, unit: OrgUnit | None, user: User | None, start: date, end: date
) -> Decimal | None:
    """The metric's value for the goal's owner over [start, end] from the metric layer, in the
    goal's scale (ratios as percentages); None for a derived metric without data."""
    value = metric_values(metric, start=start, end=end, **_owner_args(owner_kind, unit, user))
    return goal_metric(metric).to_goal_scale(value[None])


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def open_pipeline(
    metric: str, owner_kind: str, unit: OrgUnit | None, user: User | None, start: date, end: date
) -> Decimal | None:
    """The open, probability-weighted pipeline expected to close in [start, end]: the amount
    (amount × stage probability) for money metrics read from deals and contracts, the number of
    deals (× probability) for counts of deals and contracts; None for other metrics. Open deals
    make no facts (D43), so this one reads the opportunities."""
    from salesdesk.pipeline.models import Opportunity, OpportunityStatus

    if metric not in ("won_amount", "signed_amount", "won_deals", "contract_count"):
        return None
    if owner_kind == OwnerKind.USER and user is not None:
        who = Q(owner_id=user.pk)
    elif owner_kind == OwnerKind.UNIT and unit is not None:
        who = Q(org_unit__path__startswith=unit.path)
    else:
        who = Q()
    qs = Opportunity.objects.filter(
        who,
        status=OpportunityStatus.OPEN,
        expected_close_date__gte=start,
        expected_close_date__lte=end,
    )
    money = DecimalField(max_digits=20, decimal_places=4)
    if metric in ("won_deals", "contract_count"):
        weighted = ExpressionWrapper(F("stage__probability") / Decimal(100), output_field=money)
    else:
        weighted = ExpressionWrapper(
            F("amount") * F("stage__probability") / Decimal(100), output_field=money
        )
    value = qs.aggregate(v=Coalesce(Sum(weighted), Decimal(0), output_field=money))["v"]
    return Decimal(value).quantize(Decimal("0.01"))


def last_year_values(metric: str, people: list[int], start: date, end: date) -> dict[int, Decimal]:
    """Each person's value of the metric over the same period a year earlier (the weights of the
    "last year's share" split), from the metric layer in one query."""
    values = metric_values(
        metric, start=_year_earlier(start), end=_year_earlier(end), users=people, group_by="user"
    )
    to_scale = goal_metric(metric).to_goal_scale
    return {owner: to_scale(v) or Decimal(0) for owner, v in values.items()}


def monthly_history(
    metric: str, owner_kind: str, unit: OrgUnit | None, user: User | None, year: int
) -> list[Decimal]:
    """The metric per calendar month of `year` for the goal's owner (seasonality "from
    history"), from the metric layer in one query."""
    values = metric_values(
        metric,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        group_by="month",
        **_owner_args(owner_kind, unit, user),
    )
    to_scale = goal_metric(metric).to_goal_scale
    return [to_scale(values.get(date(year, m, 1))) or Decimal(0) for m in range(1, 13)]


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def goal_people(goal: Goal) -> list[User]:
    """The people a decomposition of the goal would split over (for the wizard's weights)."""
    if goal.owner_kind == OwnerKind.USER:
        return list(User.objects.filter(pk=goal.owner_id).select_related("unit"))
    ids = [p for p, _u in sales_people(unit_parents_below(goal.org_unit).keys())]
    return list(User.objects.filter(pk__in=ids).select_related("unit").order_by("unit__path", "id"))
