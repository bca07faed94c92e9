"""The FUN-5 summaries (D31, D41): StageStat running totals and DurationStat whole-day histograms,
derived from the stage events by one definition, `contributions()`, used three ways:

- a stage change adds its event's contributions in the change's transaction (`add_event`);
- a deal moved to the recycle bin takes all of its events' contributions away, and a restore
  adds them back (`remove_deal` / `restore_deal`, wired to the recycle bin); a reopened won deal
  takes the win away (`undo_win`: the time it spent in the stages still counts);
- `rebuild()` recomputes both tables from the events (`salesdesk manage rebuild_stage_stats`).
Tests check that any sequence of the first two equals the third.

Upserts are one INSERT … ON CONFLICT DO UPDATE per table (SQLite ≥ 3.24 and PostgreSQL) over rows
merged by key first (PostgreSQL refuses to update one row twice in one statement).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import connections, transaction
from django.utils import timezone

from salesdesk.pipeline.models import (
    DurationStat,
    Opportunity,
    Stage,
    StageEvent,
    StageStat,
)

DAY = 86400
STAGE, CYCLE, TOTAL, LEAD = (m.value for m in DurationStat.Metric)

# StageStat: key (pipeline, stage, owner, unit, month) → values in this order.
STAT_VALUES = (
    "entered",
    "exited",
    "seconds_total",
    "won",
    "cycle_seconds_total",
    "total_seconds_total",
    "lead_converted",
    "lead_seconds_total",
)
# The event fields contributions() reads, in this order.
EVENT_FIELDS = (
    "kind",
    "from_stage_id",
    "to_stage_id",
    "at",
    "owner_id",
    "org_unit_id",
    "seconds_in_stage",
    "cycle_seconds",
    "total_seconds",
    "lead_seconds",
    "win_undone",
)


class Totals:
    """Summary rows merged by key: `stats[key] = [8 values]`, `hist[key] = count`."""

    def __init__(self) -> None:
        self.stats: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(STAT_VALUES))
        self.hist: dict[tuple, int] = defaultdict(int)

    def stat(self, key: tuple, **values: int) -> None:
        row = self.stats[key]
        for name, value in values.items():
            row[STAT_VALUES.index(name)] += value

    def duration(self, pipeline: int, metric: str, stage: int, rest: tuple, seconds: int) -> None:
        self.hist[(pipeline, metric, stage, *rest, seconds // DAY)] += 1

    def scaled(self, sign: int) -> Totals:
        out = Totals()
        for key, values in self.stats.items():
            out.stats[key] = [sign * v for v in values]
        for key, count in self.hist.items():
            out.hist[key] = sign * count
        return out


def month_of(at: datetime) -> date:
    """The first day of the local calendar month of `at`."""
    return timezone.localtime(at).date().replace(day=1)


def contributions(
    totals: Totals, event: tuple, pipeline_of: dict[int, int], *, wins_only: bool = False
) -> None:
    """Add one event's contributions (a tuple of EVENT_FIELDS) to `totals`."""
    kind, from_id, to_id, at, owner, unit, seconds, cycle, total, lead, undone = event
    month = month_of(at)
    who = (owner, unit, month)
    if from_id is not None and not wins_only:
        pipeline = pipeline_of[from_id]
        totals.stat((pipeline, from_id, *who), exited=1, seconds_total=seconds or 0)
        totals.duration(pipeline, STAGE, from_id, who, seconds or 0)
    if to_id is None:
        return
    pipeline = pipeline_of[to_id]
    key = (pipeline, to_id, *who)
    if not wins_only:
        totals.stat(key, entered=1)
        if kind == StageEvent.Kind.CREATED and lead is not None:
            totals.stat(key, lead_converted=1, lead_seconds_total=lead)
            totals.duration(pipeline, LEAD, to_id, who, lead)
    if kind == StageEvent.Kind.WON and not undone:
        cycle = cycle or 0
        total = cycle if total is None else total
        totals.stat(key, won=1, cycle_seconds_total=cycle, total_seconds_total=total)
        totals.duration(pipeline, CYCLE, to_id, who, cycle)
        totals.duration(pipeline, TOTAL, to_id, who, total)


def _stage_pipelines(using: str = "default") -> dict[int, int]:
    return dict(Stage.objects.using(using).values_list("id", "pipeline_id"))


def write(totals: Totals, using: str = "default") -> None:
    """Add `totals` to the tables. Positive rows are upserted; negative ones (a deal leaving the
    summaries) update existing rows, and rows brought to zero are removed."""
    stat_keys = ("pipeline_id", "stage_id", "owner_id", "org_unit_id", "month")
    hist_keys = ("pipeline_id", "metric", "stage_id", "owner_id", "org_unit_id", "month", "days")
    stats = [(*key, *values) for key, values in totals.stats.items() if any(values)]
    hist = [(*key, count) for key, count in totals.hist.items() if count]
    if any(v < 0 for row in stats for v in row[len(stat_keys) :]) or any(
        row[-1] < 0 for row in hist
    ):
        empty_stat = "entered = 0 AND exited = 0 AND won = 0 AND lead_converted = 0"
        _subtract(StageStat._meta.db_table, stat_keys, STAT_VALUES, stats, using, empty_stat)
        _subtract(DurationStat._meta.db_table, hist_keys, ("count",), hist, using, "count = 0")
        return
    _upsert(StageStat._meta.db_table, stat_keys, STAT_VALUES, stats, using)
    _upsert(DurationStat._meta.db_table, hist_keys, ("count",), hist, using)


def _upsert(
    table: str, keys: tuple, values: tuple, rows: list[tuple], using: str, chunk: int = 500
) -> None:
    if not rows:
        return
    columns = (*keys, *values)
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
    conflict = ", ".join(k for k in keys if k != "pipeline_id")
    with connections[using].cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our table
                f"VALUES {', '.join([placeholder] * len(part))} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                [value for row in part for value in row],
            )


def _subtract(
    table: str, keys: tuple, values: tuple, rows: list[tuple], using: str, empty: str
) -> None:
    """Subtract from existing rows (by their unique key), then delete those of them left
    `empty` (only the touched keys: no scan of the table)."""
    if not rows:
        return
    sets = ", ".join(f"{v} = {v} + %s" for v in values)
    where = " AND ".join(f"{k} = %s" for k in keys if k != "pipeline_id")
    key_params = [
        tuple(v for k, v in zip(keys, row, strict=False) if k != "pipeline_id") for row in rows
    ]
    params = [(*row[len(keys) :], *key) for row, key in zip(rows, key_params, strict=True)]
    with connections[using].cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {where}", params)  # noqa: S608
        cursor.executemany(
            f"DELETE FROM {table} WHERE {where} AND {empty}",  # noqa: S608 - our table
            key_params,
        )


def add_event(event: StageEvent, stage_pipelines: Iterable[Stage]) -> None:
    """Add the contributions of a new event (its stages passed in: no lookup)."""
    totals = Totals()
    pipeline_of = {s.pk: s.pipeline_id for s in stage_pipelines if s is not None}
    contributions(totals, tuple(getattr(event, f) for f in EVENT_FIELDS), pipeline_of)
    write(totals)


def undo_win(opportunity: Opportunity) -> None:
    """The deal's win is undone (it is reopened): its latest counted win stops counting."""
    event = (
        StageEvent.objects.filter(
            opportunity=opportunity, kind=StageEvent.Kind.WON, win_undone=False
        )
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return
    totals = Totals()
    contributions(
        totals,
        tuple(getattr(event, f) for f in EVENT_FIELDS),
        {event.to_stage_id: opportunity.pipeline_id},
        wins_only=True,
    )
    write(totals.scaled(-1))
    StageEvent.objects.filter(pk=event.pk).update(win_undone=True)


def _deal_totals(opportunity_id: int) -> Totals:
    totals = Totals()
    pipeline_of = _stage_pipelines()
    for event in StageEvent.objects.filter(opportunity_id=opportunity_id).values_list(
        *EVENT_FIELDS
    ):
        contributions(totals, event, pipeline_of)
    return totals


def remove_deal(opportunity: Opportunity) -> None:
    """The deal went to the recycle bin: its history stops counting."""
    write(_deal_totals(opportunity.pk).scaled(-1))


def restore_deal(opportunity: Opportunity) -> None:
    write(_deal_totals(opportunity.pk))


def _refresh_lead_times(using: str) -> int:
    """Set the events' lead-based durations from their deals' `lead_created_at` (which the lead
    conversion, an edit or the demo builder may set after the events exist). Returns how many
    events changed."""
    leads: list[StageEvent] = []
    wins: list[StageEvent] = []
    qs = (
        StageEvent.objects.using(using)
        .filter(kind__in=[StageEvent.Kind.CREATED, StageEvent.Kind.WON])
        .values_list(
            "pk",
            "kind",
            "at",
            "lead_seconds",
            "total_seconds",
            "cycle_seconds",
            "opportunity__lead_created_at",
            "opportunity__created_at",
        )
    )
    for pk, kind, at, lead, total, cycle, lead_at, created in qs.iterator(chunk_size=20000):
        if kind == StageEvent.Kind.CREATED:
            want = None if lead_at is None else max(0, int((created - lead_at).total_seconds()))
            if want != lead:
                leads.append(StageEvent(pk=pk, lead_seconds=want))
        else:
            want = cycle if lead_at is None else max(0, int((at - lead_at).total_seconds()))
            if want != total:
                wins.append(StageEvent(pk=pk, total_seconds=want))
    StageEvent.objects.using(using).bulk_update(leads, ["lead_seconds"], batch_size=2000)
    StageEvent.objects.using(using).bulk_update(wins, ["total_seconds"], batch_size=2000)
    return len(leads) + len(wins)


def rebuild(using: str = "default") -> dict[str, int]:
    """Recompute StageStat and DurationStat from the events of the deals not in the recycle
    bin, in one transaction."""
    with transaction.atomic(using=using):
        refreshed = _refresh_lead_times(using)
        StageStat.objects.using(using).all().delete()
        DurationStat.objects.using(using).all().delete()
        totals = Totals()
        pipeline_of = _stage_pipelines(using)
        events = (
            StageEvent.objects.using(using)
            .filter(opportunity__deleted_at__isnull=True)
            .values_list(*EVENT_FIELDS)
        )
        count = 0
        for event in events.iterator(chunk_size=20000):
            contributions(totals, event, pipeline_of)
            count += 1
        write(totals, using)
    return {
        "events": count,
        "events_refreshed": refreshed,
        "stage_stats": len(totals.stats),
        "duration_stats": len(totals.hist),
    }
