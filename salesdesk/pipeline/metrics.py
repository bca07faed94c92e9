"""Time metrics and the funnel (FUN-5), read from the summaries (salesdesk.pipeline.summaries,
D31) and one aggregate over open deals — never from the raw stage events.

- Time in stage: seconds spent in a stage, per departure from it (month of leaving).
- Sales cycle: deal created → won; total sales time: lead created (or the deal, without a lead)
  → won (month of the win; undone wins do not count).
- Lead conversion time: lead created → deal created (month of the deal's creation).
Each figure has a mean (exact, from the second totals) and a median in whole days (from the
whole-day histograms: the middle value of the durations floored to days, the mean of the two
middle ones for an even count), per rep, per team (org unit) and company-wide, for the months of
a date range (local calendar months). Reps and teams whose mean is above the company mean are
flagged. Deals in the recycle bin do not count.
- Funnel: open deals and their amount per stage now, and stage-to-stage conversion over the
  period (deals entering the next stage ÷ deals entering this one).
Rows are scoped like the deals (a rep sees their own figures); the company mean is over the
whole company, so a rep can compare with it. `deals_behind()` lists the durations behind a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from salesdesk.org.models import OrgUnit, User
from salesdesk.org.scoping import visible_to
from salesdesk.pipeline.models import (
    DurationStat,
    Opportunity,
    OpportunityStatus,
    Pipeline,
    Stage,
    StageEvent,
    StageStat,
)

DAY = 86400
Metric = DurationStat.Metric
# The whole-deal metrics (one figure per row), in display order.
DEAL_METRICS = (Metric.LEAD, Metric.CYCLE, Metric.TOTAL)


@dataclass
class Figure:
    seconds: int = 0
    count: int = 0
    histogram: dict[int, int] = field(default_factory=dict)  # whole days -> durations

    @property
    def days(self) -> float | None:
        """The mean in days, one decimal."""
        return round(self.seconds / self.count / DAY, 1) if self.count else None

    @property
    def median(self) -> float | None:
        """The median of the durations in whole days."""
        return median_of_histogram(self.histogram)


def median_of_histogram(histogram: dict[int, int]) -> float | None:
    n = sum(histogram.values())
    if n <= 0:
        return None
    wanted = [(n + 1) // 2, n // 2 + 1]  # 1-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        while len(found) < 2 and seen >= wanted[len(found)]:
            found.append(days)
    low, high = found if n % 2 == 0 else (found[0], found[0])
    return (low + high) / 2


@dataclass
class Row:
    key: int
    name: str
    cells: dict[int, Figure] = field(default_factory=dict)  # stage id -> figure
    deal: dict[str, Figure] = field(default_factory=dict)  # lead / cycle / total -> figure
    above: dict[int, bool] = field(default_factory=dict)
    deal_above: dict[str, bool] = field(default_factory=dict)

    def figure(self, metric: str) -> Figure:
        return self.deal.setdefault(metric, Figure())

    @property
    def cycle(self) -> Figure:
        return self.figure(Metric.CYCLE)

    @property
    def cycle_above(self) -> bool:
        return self.deal_above.get(Metric.CYCLE, False)


@dataclass
class TimeMetrics:
    stages: list[Stage]
    company: Row
    reps: list[Row]
    teams: list[Row]


def _month_range(qs, date_from: date | None, date_to: date | None):
    if date_from:
        qs = qs.filter(month__gte=date_from.replace(day=1))
    if date_to:
        qs = qs.filter(month__lte=date_to.replace(day=1))
    return qs


SUMS = {
    "seconds": Coalesce(Sum("seconds_total"), 0),
    "exits": Coalesce(Sum("exited"), 0),
    "cycle": Coalesce(Sum("cycle_seconds_total"), 0),
    "total": Coalesce(Sum("total_seconds_total"), 0),
    "wins": Coalesce(Sum("won"), 0),
    "lead": Coalesce(Sum("lead_seconds_total"), 0),
    "leads": Coalesce(Sum("lead_converted"), 0),
}


def _add_sums(row: Row, r: dict) -> None:
    cell = row.cells.setdefault(r["stage_id"], Figure())
    cell.seconds += r["seconds"]
    cell.count += r["exits"]
    for metric, seconds, count in (
        (Metric.CYCLE, r["cycle"], r["wins"]),
        (Metric.TOTAL, r["total"], r["wins"]),
        (Metric.LEAD, r["lead"], r["leads"]),
    ):
        figure = row.figure(metric)
        figure.seconds += seconds
        figure.count += count


def _flag(row: Row, company: Row) -> None:
    for stage_id, cell in row.cells.items():
        mean = company.cells.get(stage_id)
        row.above[stage_id] = bool(
            cell.days is not None and mean and mean.days is not None and cell.days > mean.days
        )
    for metric in DEAL_METRICS:
        mine, theirs = row.figure(metric).days, company.figure(metric).days
        row.deal_above[metric] = bool(mine is not None and theirs is not None and mine > theirs)


def time_metrics(
    user: User, pipeline: Pipeline, *, date_from: date | None = None, date_to: date | None = None
) -> TimeMetrics:
    """One pass over the totals and one over the histograms of the period, each grouped by
    owner and unit, summed in Python into the company's row (everything) and the rows of the
    reps and teams the user may see (the (owner, unit) pairs `visible_to` lets through, read
    from the small totals table: every histogram entry has a totals row with the same owner,
    unit and month). The histogram pass reads a covering index."""
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("order", "id"))
    base = _month_range(StageStat.objects.filter(pipeline=pipeline), date_from, date_to)
    hist = _month_range(DurationStat.objects.filter(pipeline=pipeline), date_from, date_to)
    visible = set(visible_to(base, user).values_list("owner_id", "org_unit_id").distinct())
    company = Row(key=0, name="")
    reps: dict[int, Row] = {}
    teams: dict[int, Row] = {}

    def rows_of(owner_id: int, unit_id: int) -> tuple[Row, ...]:
        if (owner_id, unit_id) not in visible:
            return (company,)
        rep = reps.get(owner_id) or reps.setdefault(owner_id, Row(key=owner_id, name=""))
        team = teams.get(unit_id) or teams.setdefault(unit_id, Row(key=unit_id, name=""))
        return (company, rep, team)

    for r in base.values("owner_id", "org_unit_id", "stage_id").annotate(**SUMS).order_by():
        for row in rows_of(r["owner_id"], r["org_unit_id"]):
            _add_sums(row, r)
    grouped = (
        hist.values_list("owner_id", "org_unit_id", "metric", "stage_id", "days")
        .annotate(n=Sum("count"))
        .order_by()
    )
    stage_metric = Metric.STAGE.value
    for owner_id, unit_id, metric, stage_id, days, n in grouped:
        for row in rows_of(owner_id, unit_id):
            if metric == stage_metric:
                figure = row.cells.get(stage_id) or row.cells.setdefault(stage_id, Figure())
            else:
                figure = row.deal.get(metric) or row.figure(metric)
            figure.histogram[days] = figure.histogram.get(days, 0) + n
    user_names = {
        u.pk: u.name
        for u in User.objects.filter(pk__in=reps).only("id", "username", "display_name")
    }
    unit_names = dict(OrgUnit.all_objects.filter(pk__in=teams).values_list("pk", "name"))
    for key, row in reps.items():
        row.name = user_names.get(key, str(key))
    for key, row in teams.items():
        row.name = unit_names.get(key, str(key))
    for row in [*reps.values(), *teams.values()]:
        _flag(row, company)
    return TimeMetrics(
        stages=stages,
        company=company,
        reps=sorted(reps.values(), key=lambda r: r.name),
        teams=sorted(teams.values(), key=lambda r: r.name),
    )


# --- drill-down ---------------------------------------------------------------------------------


def _month_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day.replace(day=1), time.min))


def deals_behind(
    user: User,
    pipeline: Pipeline,
    *,
    metric: str,
    stage: Stage | None = None,
    owner_id: int | None = None,
    unit_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """The stage events behind a figure, longest first, each annotated with `duration` (seconds):
    departures from `stage` (time in stage), counted wins (cycle, total) or deals created from a
    lead (lead conversion), in the figure's months, of the rep or unit, scoped like the figures
    and limited to deals the user may see."""
    qs = StageEvent.objects.filter(opportunity__pipeline=pipeline)
    if metric == Metric.STAGE:
        qs = qs.filter(from_stage=stage).exclude(seconds_in_stage=None)
        duration = "seconds_in_stage"
    elif metric in (Metric.CYCLE, Metric.TOTAL):
        qs = qs.filter(kind=StageEvent.Kind.WON, win_undone=False)
        duration = "cycle_seconds" if metric == Metric.CYCLE else "total_seconds"
    elif metric == Metric.LEAD:
        qs = qs.filter(kind=StageEvent.Kind.CREATED).exclude(lead_seconds=None)
        duration = "lead_seconds"
    else:
        raise ValueError(f"unknown metric {metric!r}")
    if metric != Metric.STAGE and stage is not None:
        qs = qs.filter(to_stage=stage)
    if date_from:
        qs = qs.filter(at__gte=_month_start(date_from))
    if date_to:
        following = (date_to.replace(day=1) + timedelta(days=32)).replace(day=1)
        qs = qs.filter(at__lt=_month_start(following))
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if unit_id:
        qs = qs.filter(org_unit_id=unit_id)
    qs = visible_to(qs, user).filter(opportunity__in=visible_to(Opportunity.objects.all(), user))
    return (
        qs.select_related("opportunity", "opportunity__customer", "owner", "from_stage", "to_stage")
        .annotate(duration=Coalesce(duration, 0))
        .order_by("-duration", "-id")
    )


@dataclass
class FunnelStage:
    stage: Stage
    open_count: int
    open_amount: Decimal
    entered: int
    conversion: float | None  # share of this stage's entries that reached the next stage


def funnel(
    user: User, pipeline: Pipeline, *, date_from: date | None = None, date_to: date | None = None
) -> list[FunnelStage]:
    """Two aggregate queries: open deals per stage now; entries per stage over the period."""
    stages = list(Stage.objects.filter(pipeline=pipeline, is_archived=False).order_by("order"))
    open_rows = {
        r["stage_id"]: r
        for r in visible_to(Opportunity.objects.filter(pipeline=pipeline), user)
        .filter(status=OpportunityStatus.OPEN)
        .values("stage_id")
        .annotate(n=Count("id"), total=Coalesce(Sum("amount"), Decimal(0)))
        .order_by()
    }
    entries = dict(
        visible_to(
            _month_range(StageStat.objects.filter(pipeline=pipeline), date_from, date_to), user
        )
        .values("stage_id")
        .annotate(n=Coalesce(Sum("entered"), 0))
        .order_by()
        .values_list("stage_id", "n")
    )
    out = []
    for index, stage in enumerate(stages):
        entered = entries.get(stage.pk, 0)
        following = stages[index + 1] if index + 1 < len(stages) else None
        conversion = None
        if following is not None and entered:
            conversion = round(100 * entries.get(following.pk, 0) / entered, 1)
        row = open_rows.get(stage.pk, {})
        out.append(
            FunnelStage(
                stage=stage,
                open_count=row.get("n", 0),
                open_amount=row.get("total", Decimal(0)),
                entered=entered,
                conversion=conversion,
            )
        )
    return out
