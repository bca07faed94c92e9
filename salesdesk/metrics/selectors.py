"""Reading the metric layer (issue 5, item 1; D43). Goals, scorecards, leaderboards,
commissions and dashboards read metrics only through these functions.

Every figure comes from `MetricFact` rows (daily) and `MetricMonth` rows (whole months of the
range, D51) — one aggregate query each — never from the raw records:

- an additive metric (`signed_amount`, `won_deals` …) is the exact sum of one fact field;
- a derived metric (`win_rate`, `avg_deal_size`, `sales_cycle_days`, `satisfaction`,
  `return_rate`) is computed per group from that group's sums (numerator ÷ denominator), never by
  averaging daily or per-rep ratios; it is None when the denominator is 0;
- figures are `Decimal`, rounded half up to the metric's unit (money 0.01, count 1,
  ratio 0.0001 — 0.2500 is 25 %, days 0.01, score 0.01).

Periods are local calendar days, `start` and `end` both included. `users` limits to facts owned
by those users (ids or User objects); `units` to facts of those org units and every unit below
them (ids or OrgUnit objects; materialised paths, D1). `group_by`:

- None: `{None: figure}` (the whole selection);
- "user": `{owner id: figure}`;
- "unit": `{unit id: figure}` where each unit's figure covers its whole subtree; the units are
  those given in `units`, else every unit holding facts in the selection plus its ancestors;
- "day": `{date: figure}`, "month": `{first day of the month: figure}` (only days or months
  with facts).

`metric_values` is unscoped (jobs, and code that has already decided who may see what).
`metric_values_for(viewer, …)` first limits the facts to what `salesdesk.org.scoping` lets the
viewer see (a rep: their own figures; a team lead: their scope), exactly like the records
behind them. Pages and the API use `metric_table(viewer, …)` (scoped, with labels and a total).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from salesdesk.metrics.definitions import COUNT, METRICS, VALUE, Metric, Term, get_metric
from salesdesk.metrics.models import MetricFact, MetricMonth
from salesdesk.org.models import OrgUnit, User
from salesdesk.org.scoping import visible_to

GROUPS = ("user", "unit", "day", "month")
GROUP_COLUMN = {"user": "owner_id", "unit": "org_unit_id", "day": "day"}

Sums = dict[Any, dict[Term, Decimal]]


def metric_definitions() -> list[Metric]:
    """Every metric, in display order."""
    return list(METRICS.values())


def _ids(items: Iterable[Any] | None) -> list[int] | None:
    if items is None:
        return None
    return [int(getattr(item, "pk", item)) for item in items]


def _subtree_ids(unit_ids: list[int]) -> dict[int, list[int]]:
    """unit id → ids of it and every unit below it (deleted units included), one query."""
    paths = dict(OrgUnit.all_objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    if not paths:
        return {}
    everything = OrgUnit.all_objects.all()
    if len(paths) == 1:
        (only,) = paths.values()
        everything = everything.filter(path__startswith=only)
    rows = list(everything.values_list("pk", "path"))
    return {
        unit: [pk for pk, path in rows if path.startswith(root)] for unit, root in paths.items()
    }


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def split_by_months(start: date, end: date) -> tuple[list[tuple[date, date]], tuple | None]:
    """[start, end] as the day ranges read from daily facts (a partial first and last month)
    and the (first, last) whole months read from the monthly table, or None without any (D51)."""
    first = start if start.day == 1 else _month_end(start) + timedelta(days=1)
    last = end.replace(day=1) if end == _month_end(end.replace(day=1)) else None
    if last is None:
        last = (end.replace(day=1) - timedelta(days=1)).replace(day=1)
    if first > last:
        return [(start, end)], None
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    if end > _month_end(last):
        days.append((_month_end(last) + timedelta(days=1), end))
    return days, (first, last)


def _selection(qs: QuerySet, metric: Metric, users, units):
    qs = qs.filter(fact__in=metric.facts)
    user_ids = _ids(users)
    if user_ids is not None:
        qs = qs.filter(owner_id__in=user_ids)
    subtrees = None
    unit_ids = _ids(units)
    if unit_ids is not None:
        subtrees = _subtree_ids(unit_ids)
        qs = qs.filter(org_unit_id__in=sorted({u for ids in subtrees.values() for u in ids}))
    return qs, subtrees


def _facts(
    viewer: User | None, metric: Metric, start: date, end: date, users, units, *, daily=False
) -> tuple[list[QuerySet], dict[int, list[int]] | None]:
    """The querysets whose sums make the figure over [start, end]: daily facts for partial
    months (every day with `daily`), monthly rows for whole months."""
    days, months = ([(start, end)], None) if daily else split_by_months(start, end)
    parts = []
    subtrees = None
    if days:
        base = (
            MetricFact.objects.all() if viewer is None else visible_to(MetricFact.objects, viewer)
        )
        qs, subtrees = _selection(base, metric, users, units)
        within = Q()
        for first, last in days:
            within |= Q(day__gte=first, day__lte=last)
        parts.append(qs.filter(within))
    if months:
        base = MetricMonth.objects.all()
        if viewer is not None:
            base = visible_to(base, viewer)
        qs, subtrees = _selection(base, metric, users, units)
        parts.append(qs.filter(month__gte=months[0], month__lte=months[1]))
    return parts, subtrees


def _sums(parts: list[QuerySet], group_by: str | None) -> Sums:
    out: Sums = defaultdict(lambda: defaultdict(Decimal))
    for qs in parts:
        monthly = qs.model is MetricMonth
        if group_by is None:
            grouped = qs.values("fact")
            key = None
        elif group_by == "month" and monthly:
            grouped = qs.values("month", "fact")
            key = "month"
        elif group_by == "month":
            grouped = qs.annotate(g=TruncMonth("day")).values("g", "fact")
            key = "g"
        else:
            key = GROUP_COLUMN[group_by]
            grouped = qs.values(key, "fact")
        for row in grouped.annotate(v=Sum("value"), n=Sum("count")).order_by():
            group = row[key] if key else None
            if isinstance(group, date) and hasattr(group, "date"):  # TruncMonth on some backends
                group = group.date()
            out[group][(row["fact"], VALUE)] += Decimal(row["v"] or 0)
            out[group][(row["fact"], COUNT)] += Decimal(row["n"] or 0)
    return {group: dict(terms) for group, terms in out.items()}


def _roll_up_units(sums: Sums, subtrees: dict[int, list[int]] | None) -> Sums:
    """Per-unit sums → per-unit sums of whole subtrees."""
    if subtrees is None:  # every unit holding facts, and its ancestors
        paths = dict(OrgUnit.all_objects.filter(pk__in=list(sums)).values_list("pk", "path"))
        members: dict[int, list[int]] = defaultdict(list)
        for unit, path in paths.items():
            for ancestor in (int(p) for p in path.strip("/").split("/") if p):
                members[ancestor].append(unit)
        subtrees = dict(members)
    out: Sums = {}
    for root, units in subtrees.items():
        total: dict[Term, Decimal] = defaultdict(Decimal)
        for unit in units:
            for term, value in sums.get(unit, {}).items():
                total[term] += value
        out[root] = dict(total)
    return out


def metric_sums(
    metric: str,
    *,
    start: date,
    end: date,
    users: Iterable[Any] | None = None,
    units: Iterable[Any] | None = None,
    group_by: str | None = None,
    viewer: User | None = None,
) -> Sums:
    """The exact sums behind a metric: `{group: {(fact, "value" | "count"): Decimal}}`, for
    callers that combine them themselves (e.g. a weighted score). Scoped to `viewer` when given;
    arguments as in the module docstring."""
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    definition = get_metric(metric)
    parts, subtrees = _facts(viewer, definition, start, end, users, units, daily=group_by == "day")
    if group_by == "unit":
        return _roll_up_units(_sums(parts, "unit"), subtrees)
    return _sums(parts, group_by)


def metric_sums_by_owner_and_unit(
    metric: str, *, start: date, end: date
) -> dict[tuple[int, int], dict[Term, Decimal]]:
    """Unscoped sums behind a metric per (owner id, unit id) over `start`..`end`, in one
    aggregate: enough to derive every person's, every unit's (with its sub-units) and the
    company's figure of the period without a query per part (goal progress, TGT-3)."""
    parts, _subtrees = _facts(None, get_metric(metric), start, end, users=None, units=None)
    out: dict[tuple[int, int], dict[Term, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for qs in parts:
        rows = qs.values("owner_id", "org_unit_id", "fact")
        for row in rows.annotate(v=Sum("value"), n=Sum("count")).order_by():
            terms = out[(row["owner_id"], row["org_unit_id"])]
            terms[(row["fact"], VALUE)] += Decimal(row["v"] or 0)
            terms[(row["fact"], COUNT)] += Decimal(row["n"] or 0)
    return {key: dict(terms) for key, terms in out.items()}


def metric_values(
    metric: str,
    *,
    start: date,
    end: date,
    users: Iterable[Any] | None = None,
    units: Iterable[Any] | None = None,
    group_by: str | None = None,
) -> dict[Any, Decimal | None]:
    """The figure of `metric` over `start`..`end` (both included), per group; unscoped. With
    `group_by=None` the answer is `{None: figure}` (a figure of 0 when there are no facts for an
    additive metric, None for a derived one). KeyError for an unknown metric, ValueError for an
    unknown grouping."""
    definition = get_metric(metric)
    sums = metric_sums(metric, start=start, end=end, users=users, units=units, group_by=group_by)
    if group_by is None:
        sums.setdefault(None, {})
    return {group: definition.compute(terms) for group, terms in sums.items()}


def metric_values_for(
    viewer: User,
    metric: str,
    *,
    start: date,
    end: date,
    users: Iterable[Any] | None = None,
    units: Iterable[Any] | None = None,
    group_by: str | None = None,
) -> dict[Any, Decimal | None]:
    """`metric_values` limited to the facts `viewer` may see (salesdesk.org.scoping): a rep
    gets their own figures only, whatever `users` or `units` asks for."""
    definition = get_metric(metric)
    sums = metric_sums(
        metric,
        start=start,
        end=end,
        users=users,
        units=units,
        group_by=group_by,
        viewer=viewer,
    )
    if group_by is None:
        sums.setdefault(None, {})
    return {group: definition.compute(terms) for group, terms in sums.items()}


# --- the table of the metrics page and API ------------------------------------------------------


@dataclass
class MetricRow:
    key: Any  # owner id, unit id, date, or None for the total
    label: str
    value: Decimal | None
    depth: int = 0  # units: depth in the tree (for indentation)


@dataclass
class MetricTable:
    metric: Metric
    start: date
    end: date
    group_by: str
    rows: list[MetricRow]
    total: MetricRow


def metric_table(
    viewer: User, metric: str, *, start: date, end: date, group_by: str = "user"
) -> MetricTable:
    """One scoped table: a row per rep (by name), unit (tree order, each with its subtree) or
    month/day (in order), and the total of everything the viewer may see. Queries: the scope's
    id list (managers, once per request), one aggregate, the names (users or units)."""
    if group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    definition = get_metric(metric)
    sums = metric_sums(metric, start=start, end=end, group_by=group_by, viewer=viewer)
    total_terms: dict[Term, Decimal] = defaultdict(Decimal)
    if group_by == "unit":
        # The roots of the rolled-up tree hold everything: sum the units without an ancestor.
        units = {
            u.pk: u
            for u in OrgUnit.all_objects.filter(pk__in=list(sums)).only(
                "id", "name", "path", "depth"
            )
        }
        rows = [
            MetricRow(pk, units[pk].name, definition.compute(terms), units[pk].depth)
            for pk, terms in sums.items()
            if pk in units
        ]
        rows.sort(key=lambda r: units[r.key].path)
        roots = [pk for pk in units if not set(units[pk].ancestor_ids()[:-1]) & set(units)]
        for pk in roots:
            for term, value in sums[pk].items():
                total_terms[term] += value
    else:
        for terms in sums.values():
            for term, value in terms.items():
                total_terms[term] += value
        if group_by == "user":
            names = {
                u.pk: u.name
                for u in User.objects.filter(pk__in=list(sums)).only(
                    "id", "username", "display_name", "first_name", "last_name"
                )
            }
            rows = [
                MetricRow(pk, names.get(pk, str(pk)), definition.compute(terms))
                for pk, terms in sums.items()
            ]
            rows.sort(key=lambda r: (r.label, r.key))
        else:
            rows = [
                MetricRow(key, key.isoformat(), definition.compute(terms))
                for key, terms in sorted(sums.items())
            ]
    total = MetricRow(None, "", definition.compute(dict(total_terms)))
    return MetricTable(definition, start, end, group_by, rows, total)
