"""Time metrics and funnel (FUN-5) equal an independent computation in plain Python over the same
deals and events, on generated histories that skip and revisit stages, win, lose, reopen won and
lost deals, come from leads, and go to the recycle bin and back. The independent computation
derives every duration from the event times and the deals' creation and lead times (not from the
stored per-event durations)."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesdesk.pipeline import services, summaries
from salesdesk.pipeline.metrics import deals_behind, funnel, median_of_histogram, time_metrics
from salesdesk.pipeline.models import DurationStat, Opportunity, Reason, StageEvent, StageStat
from tests.pipeline.conftest import make_deal, undone_wins

T0 = timezone.make_aware(timezone.datetime(2025, 6, 2, 9, 0))
DAY = 86400


def _history(org, customers, stages, seed=1, deals=24):
    rng = random.Random(seed)
    won, lost = (
        Reason.objects.filter(kind="won").first(),
        Reason.objects.filter(kind="lost").first(),
    )
    owners = [("rep", org.rep), ("lead", org.lead), ("other_rep", org.other_rep)]
    for n in range(deals):
        key, owner = owners[n % 3]
        at = T0 + timedelta(days=rng.randint(0, 200), seconds=rng.randint(0, DAY))
        lead_at = at - timedelta(seconds=rng.randint(0, 40 * DAY)) if n % 2 else None
        opp = make_deal(
            owner,
            customers[key],
            f"H{n}",
            amount=rng.randint(1, 9) * 1000,
            at=at,
            lead_created_at=lead_at,
        )
        for _ in range(rng.randint(1, 8)):
            at += timedelta(seconds=rng.randint(600, 30 * DAY))
            opp.refresh_from_db()
            action = rng.random()
            try:
                if opp.status == "lost" and action < 0.5:
                    services.opportunity_reopen(actor=owner, opportunity=opp, at=at)
                elif action < 0.6:
                    target = stages[rng.randint(0, 6)]
                    services.opportunity_move_stage(
                        opportunity=opp, stage=target, actor=owner, reason=won, at=at
                    )
                elif action < 0.7:
                    services.opportunity_win(actor=owner, opportunity=opp, reason=won, at=at)
                elif action < 0.8:
                    services.opportunity_lose(actor=owner, opportunity=opp, reason=lost, at=at)
                elif action < 0.9:
                    services.opportunity_reopen(actor=owner, opportunity=opp, at=at)
                elif action < 0.95:
                    services.opportunity_delete(actor=org.admin, opportunity=opp)
                else:
                    services.opportunity_restore(actor=org.admin, opportunity=opp)
            except (ValidationError, Opportunity.DoesNotExist):
                pass


def _expected(date_from: date | None = None, date_to: date | None = None, owner_ids=None):
    """{(scope, key): {figure name: (mean days, median whole days)}} for scope "rep", "team" and
    "company" (key 0), figure names ("stage", stage id), "lead", "cycle", "total"."""
    deals = {o.pk: o for o in Opportunity.all_objects.all()}
    undone = undone_wins()
    values = defaultdict(list)

    def add(event, name, seconds):
        month = timezone.localtime(event.at).date().replace(day=1)
        if date_from and month < date_from.replace(day=1):
            return
        if date_to and month > date_to.replace(day=1):
            return
        values[("company", 0, name)].append(seconds)
        if owner_ids is None or event.owner_id in owner_ids:
            values[("rep", event.owner_id, name)].append(seconds)
            values[("team", event.org_unit_id, name)].append(seconds)

    entered_at = {}
    for e in StageEvent.objects.order_by("at", "id"):
        deal = deals[e.opportunity_id]
        if deal.deleted_at is None:
            if e.from_stage_id is not None:
                add(e, ("stage", e.from_stage_id), (e.at - entered_at[deal.pk]).total_seconds())
            if e.kind == "created" and deal.lead_created_at is not None:
                add(e, "lead", (deal.created_at - deal.lead_created_at).total_seconds())
            if e.kind == "won" and e.pk not in undone:
                add(e, "cycle", (e.at - deal.created_at).total_seconds())
                start = deal.lead_created_at or deal.created_at
                add(e, "total", (e.at - start).total_seconds())
        if e.to_stage_id is not None:
            entered_at[deal.pk] = e.at
    out = defaultdict(dict)
    for (scope, key, name), seconds in values.items():
        mean = round(sum(int(s) for s in seconds) / len(seconds) / DAY, 1)
        median = float(statistics.median([int(s) // DAY for s in seconds]))
        out[(scope, key)][name] = (mean, median)
    return dict(out)


def _got(metrics) -> dict:
    out = {}

    def row_figures(row):
        figures = {}
        for stage_id, cell in row.cells.items():
            if cell.count:
                figures[("stage", stage_id)] = (cell.days, cell.median)
        for name in ("lead", "cycle", "total"):
            figure = row.figure(name)
            if figure.count:
                figures[name] = (figure.days, figure.median)
        return figures

    out[("company", 0)] = row_figures(metrics.company)
    for row in metrics.reps:
        out[("rep", row.key)] = row_figures(row)
    for row in metrics.teams:
        out[("team", row.key)] = row_figures(row)
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_time_metrics_equal_plain_python(org, customers, pipeline, stages, seed):
    _history(org, customers, stages, seed=seed)
    expected = _expected()
    assert _got(time_metrics(org.admin, pipeline)) == expected
    assert any("lead" in v for v in expected.values())
    assert any("cycle" in v for v in expected.values())
    # a date range keeps only its months
    window = (date(2025, 8, 15), date(2025, 10, 3))
    got = _got(time_metrics(org.admin, pipeline, date_from=window[0], date_to=window[1]))
    assert got == _expected(*window)
    # flags: above the company mean
    metrics = time_metrics(org.admin, pipeline)
    company = expected[("company", 0)]
    for row in metrics.reps + metrics.teams:
        for stage_id, cell in row.cells.items():
            if cell.count:
                assert row.above[stage_id] == (cell.days > company[("stage", stage_id)][0])
        for name in ("lead", "cycle", "total"):
            if row.figure(name).count:
                assert row.deal_above[name] == (row.figure(name).days > company[name][0])
    # a rep sees only their own row, compared with the whole company's figures
    mine = time_metrics(org.rep, pipeline)
    assert [r.key for r in mine.reps] == [org.rep.pk]
    assert _got(mine) == _expected(owner_ids={org.rep.pk}) | {("company", 0): company}


def _summary_rows():
    stats = {
        (s.stage_id, s.owner_id, s.org_unit_id, s.month): tuple(
            getattr(s, f) for f in summaries.STAT_VALUES
        )
        for s in StageStat.objects.all()
    }
    hist = {
        (h.metric, h.stage_id, h.owner_id, h.org_unit_id, h.month, h.days): h.count
        for h in DurationStat.objects.all()
    }
    return stats, hist


@pytest.mark.parametrize("seed", [4, 5])
def test_incremental_summaries_equal_rebuild(org, customers, pipeline, stages, seed):
    _history(org, customers, stages, seed=seed, deals=30)
    incremental = _summary_rows()
    assert all(v >= 0 for row in incremental[0].values() for v in row)
    assert all(v > 0 for v in incremental[1].values())
    counts = summaries.rebuild()
    assert counts["events_refreshed"] == 0
    assert _summary_rows() == incremental
    assert counts["events"] == StageEvent.objects.filter(opportunity__deleted_at=None).count()


def test_delete_restore_and_reopen_move_the_figures(org, customers, pipeline, stages):
    won = Reason.objects.filter(kind="won").first()
    deal = make_deal(org.rep, customers["rep"], "D", at=T0, lead_created_at=T0 - timedelta(days=3))
    services.opportunity_move_stage(
        opportunity=deal, stage=stages[2], actor=org.rep, at=T0 + timedelta(days=2)
    )
    deal.refresh_from_db()
    services.opportunity_win(
        actor=org.rep, opportunity=deal, reason=won, at=T0 + timedelta(days=10, hours=1)
    )
    company = time_metrics(org.admin, pipeline).company
    assert (company.cycle.count, company.cycle.days, company.cycle.median) == (1, 10.0, 10.0)
    total = company.figure("total")
    assert (total.count, total.days, total.median) == (1, 13.0, 13.0)
    assert (company.figure("lead").days, company.figure("lead").median) == (3.0, 3.0)
    assert company.cells[stages[0].pk].days == 2.0
    # reopened: the win stops counting, the stage times stay
    deal.refresh_from_db()
    services.opportunity_reopen(actor=org.rep, opportunity=deal, at=T0 + timedelta(days=11))
    company = time_metrics(org.admin, pipeline).company
    assert company.cycle.count == 0 and company.cycle.median is None
    assert company.cells[stages[0].pk].count == 1
    assert StageEvent.objects.filter(kind="won", win_undone=True).count() == 1
    # in the recycle bin: nothing counts; restored: everything is back
    services.opportunity_delete(actor=org.admin, opportunity=deal)
    assert (StageStat.objects.count(), DurationStat.objects.count()) == (0, 0)
    assert time_metrics(org.admin, pipeline).company.cells == {}
    services.opportunity_restore(actor=org.admin, opportunity=deal)
    company = time_metrics(org.admin, pipeline).company
    assert company.cells[stages[0].pk].days == 2.0
    assert company.figure("lead").count == 1 and company.cycle.count == 0


def test_median_of_histogram():
    assert median_of_histogram({}) is None
    assert median_of_histogram({3: 1}) == 3.0
    assert median_of_histogram({1: 1, 4: 1}) == 2.5
    assert median_of_histogram({0: 2, 9: 1}) == 0.0
    assert median_of_histogram({0: 1, 2: 2, 7: 1}) == 2.0
    rng = random.Random(7)
    for _ in range(200):
        values = [rng.randint(0, 30) for _ in range(rng.randint(1, 15))]
        histogram = defaultdict(int)
        for v in values:
            histogram[v] += 1
        assert median_of_histogram(histogram) == float(statistics.median(values))


def test_deals_behind_a_figure(org, customers, pipeline, stages):
    slow = make_deal(org.rep, customers["rep"], "Slow", at=T0)
    fast = make_deal(org.rep, customers["rep"], "Fast", at=T0)
    theirs = make_deal(org.other_rep, customers["other_rep"], "Theirs", at=T0)
    for deal, days in ((slow, 9), (fast, 1), (theirs, 5)):
        services.opportunity_move_stage(
            opportunity=deal, stage=stages[1], actor=deal.owner, at=T0 + timedelta(days=days)
        )
    rows = list(deals_behind(org.admin, pipeline, metric="stage", stage=stages[0]))
    assert [(r.opportunity.title, r.duration) for r in rows] == [
        ("Slow", 9 * DAY),
        ("Theirs", 5 * DAY),
        ("Fast", 1 * DAY),
    ]
    mine = deals_behind(org.rep, pipeline, metric="stage", stage=stages[0])
    assert [r.opportunity.title for r in mine] == ["Slow", "Fast"]
    assert not deals_behind(
        org.rep, pipeline, metric="stage", stage=stages[0], owner_id=org.other_rep.pk
    ).exists()
    assert not deals_behind(
        org.admin, pipeline, metric="stage", stage=stages[0], date_to=date(2025, 5, 31)
    ).exists()
    assert not deals_behind(org.admin, pipeline, metric="cycle").exists()
    with pytest.raises(ValueError):
        deals_behind(org.admin, pipeline, metric="nonsense")


def test_funnel_counts_amounts_and_conversion(org, customers, pipeline, stages):
    a = make_deal(org.rep, customers["rep"], "A", amount=100, at=T0)
    b = make_deal(org.rep, customers["rep"], "B", amount=200, at=T0)
    make_deal(org.rep, customers["rep"], "C", amount=400, at=T0)
    services.opportunity_move_stage(opportunity=a, stage=stages[1], actor=org.rep, at=T0)
    services.opportunity_move_stage(opportunity=b, stage=stages[2], actor=org.rep, at=T0)
    rows = funnel(org.rep, pipeline, date_from=T0.date(), date_to=T0.date())
    by_name = {r.stage.name_en: r for r in rows}
    assert (by_name["Lead capture"].open_count, by_name["Lead capture"].open_amount) == (1, 400)
    assert (by_name["Prospect"].open_count, by_name["Contact"].open_count) == (1, 1)
    assert by_name["Lead capture"].entered == 3 and by_name["Prospect"].entered == 1
    assert by_name["Lead capture"].conversion == 33.3
    assert by_name["Prospect"].conversion == 100.0  # 1 entered Contact (b skipped Prospect)
    assert funnel(org.other_rep, pipeline)[0].open_count == 0


def test_generated_histories_cover_the_hard_cases(org, customers, pipeline, stages):
    _history(org, customers, stages, seed=4, deals=30)
    kinds = set(StageEvent.objects.values_list("kind", flat=True))
    assert kinds == {"created", "moved", "won", "lost", "reopened"}
    assert StageEvent.objects.filter(win_undone=True).exists()
    assert Opportunity.all_objects.filter(deleted_at__isnull=False).exists()
    assert StageEvent.objects.filter(kind="reopened", from_stage=None).exists()  # lost → open
    skipped = StageEvent.objects.filter(kind="moved", from_stage__order=0, to_stage__order__gt=1)
    assert skipped.exists()  # a stage skipped
