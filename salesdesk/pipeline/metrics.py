"""Time metrics and the funnel (FUN-5), read from the StageStat summaries (D31) and one
aggregate over open deals — never from the raw stage events.

- Time in stage: total seconds spent in a stage ÷ number of exits, per rep, per team (org unit)
  and company-wide, for the months of a date range (months are local calendar months).
- Sales cycle: total seconds from creation to win ÷ wins (the won stage's rows).
- Reps and teams whose mean is above the company mean are flagged.
- Funnel: open deals and their amount per stage now, and stage-to-stage conversion over the
  period (deals entering the next stage ÷ deals entering this one).
Rows are scoped like the deals (a rep sees their own figures); the company mean is over the
whole company, so a rep can compare with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from salesdesk.org.models import OrgUnit, User
from salesdesk.org.scoping import visible_to
from salesdesk.pipeline.models import Opportunity, OpportunityStatus, Pipeline, Stage, StageStat

DAY = 86400


@dataclass
class Figure:
    seconds: int = 0
    count: int = 0

    @property
    def days(self) -> float | None:
        return round(self.seconds / self.count / DAY, 1) if self.count else None


@dataclass
class Row:
    key: int
    name: str
    cells: dict[int, Figure] = field(default_factory=dict)  # stage id -> figure
    cycle: Figure = field(default_factory=Figure)
    above: dict[int, bool] = field(default_factory=dict)
    cycle_above: bool = False


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


def _fill(rows: dict[int, Row], key_field: str, data, names: dict[int, str]) -> None:
    for r in data:
        key = r[key_field]
        row = rows.setdefault(key, Row(key=key, name=names.get(key, str(key))))
        cell = row.cells.setdefault(r["stage_id"], Figure())
        cell.seconds += r["seconds"]
        cell.count += r["exits"]
        row.cycle.seconds += r["cycle"]
        row.cycle.count += r["wins"]


def time_metrics(
    user: User, pipeline: Pipeline, *, date_from: date | None = None, date_to: date | None = None
) -> TimeMetrics:
    """Three aggregate queries on StageStat (company, per rep and stage, per unit and stage)."""
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("order", "id"))
    base = _month_range(StageStat.objects.filter(pipeline=pipeline), date_from, date_to)
    sums = {
        "seconds": Coalesce(Sum("seconds_total"), 0),
        "exits": Coalesce(Sum("exited"), 0),
        "cycle": Coalesce(Sum("cycle_seconds_total"), 0),
        "wins": Coalesce(Sum("won"), 0),
    }
    company = Row(key=0, name="")
    for r in base.values("stage_id").annotate(**sums).order_by():
        cell = company.cells.setdefault(r["stage_id"], Figure())
        cell.seconds, cell.count = r["seconds"], r["exits"]
        company.cycle.seconds += r["cycle"]
        company.cycle.count += r["wins"]
    scoped = visible_to(base, user)
    per_rep = list(scoped.values("owner_id", "stage_id").annotate(**sums).order_by())
    per_unit = list(scoped.values("org_unit_id", "stage_id").annotate(**sums).order_by())
    user_names = {
        u.pk: u.name
        for u in User.objects.filter(pk__in={r["owner_id"] for r in per_rep}).only(
            "id", "username", "display_name"
        )
    }
    unit_names = dict(
        OrgUnit.all_objects.filter(pk__in={r["org_unit_id"] for r in per_unit}).values_list(
            "pk", "name"
        )
    )
    reps: dict[int, Row] = {}
    teams: dict[int, Row] = {}
    _fill(reps, "owner_id", per_rep, user_names)
    _fill(teams, "org_unit_id", per_unit, unit_names)
    for row in [*reps.values(), *teams.values()]:
        for stage_id, cell in row.cells.items():
            mean = company.cells.get(stage_id)
            row.above[stage_id] = bool(
                cell.days is not None and mean and mean.days is not None and cell.days > mean.days
            )
        row.cycle_above = bool(
            row.cycle.days is not None
            and company.cycle.days is not None
            and row.cycle.days > company.cycle.days
        )
    return TimeMetrics(
        stages=stages,
        company=company,
        reps=sorted(reps.values(), key=lambda r: r.name),
        teams=sorted(teams.values(), key=lambda r: r.name),
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
