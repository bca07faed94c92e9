"""Time metrics and funnel (FUN-5) equal an independent computation in plain Python over the same
stage events, on generated histories that skip and revisit stages."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from salesdesk.pipeline import services
from salesdesk.pipeline.metrics import funnel, time_metrics
from salesdesk.pipeline.models import Reason, StageEvent
from tests.pipeline.conftest import make_deal

T0 = timezone.make_aware(timezone.datetime(2025, 6, 2, 9, 0))


def _history(org, customers, stages, seed=1):
    rng = random.Random(seed)
    won, lost = (
        Reason.objects.filter(kind="won").first(),
        Reason.objects.filter(kind="lost").first(),
    )
    owners = [("rep", org.rep), ("lead", org.lead), ("other_rep", org.other_rep)]
    for n in range(24):
        key, owner = owners[n % 3]
        at = T0 + timedelta(days=rng.randint(0, 200))
        opp = make_deal(owner, customers[key], f"H{n}", amount=rng.randint(1, 9) * 1000, at=at)
        for _ in range(rng.randint(1, 7)):
            at += timedelta(seconds=rng.randint(3600, 30 * 86400))
            opp.refresh_from_db()
            action = rng.random()
            try:
                if action < 0.7:
                    target = stages[rng.randint(0, 5)]
                    services.opportunity_move_stage(
                        opportunity=opp, stage=target, actor=owner, reason=won, at=at
                    )
                elif action < 0.85:
                    services.opportunity_lose(actor=owner, opportunity=opp, reason=lost, at=at)
                else:
                    services.opportunity_reopen(actor=owner, opportunity=opp, at=at)
            except ValidationError:
                pass


def _expected(owner_ids=None):
    """Mean days per (owner, stage) and cycle per owner, straight from the events."""
    stage_time = defaultdict(lambda: [0, 0])
    cycle = defaultdict(lambda: [0, 0])
    company = defaultdict(lambda: [0, 0])
    for e in StageEvent.objects.all():
        if e.from_stage_id is not None:
            company[e.from_stage_id][0] += e.seconds_in_stage
            company[e.from_stage_id][1] += 1
            if owner_ids is None or e.owner_id in owner_ids:
                cell = stage_time[(e.owner_id, e.from_stage_id)]
                cell[0] += e.seconds_in_stage
                cell[1] += 1
        if e.kind == "won" and (owner_ids is None or e.owner_id in owner_ids):
            cycle[e.owner_id][0] += e.cycle_seconds
            cycle[e.owner_id][1] += 1

    def days(pair):
        return round(pair[0] / pair[1] / 86400, 1)

    return (
        {k: days(v) for k, v in stage_time.items()},
        {k: days(v) for k, v in cycle.items()},
        {k: days(v) for k, v in company.items()},
    )


def test_time_metrics_equal_plain_python(org, customers, pipeline, stages):
    _history(org, customers, stages)
    metrics = time_metrics(org.admin, pipeline)
    per_stage, cycles, company = _expected()
    got = {
        (row.key, stage_id): cell.days
        for row in metrics.reps
        for stage_id, cell in row.cells.items()
        if cell.count
    }
    assert got == per_stage
    assert {r.key: r.cycle.days for r in metrics.reps if r.cycle.count} == cycles
    assert {k: c.days for k, c in metrics.company.cells.items() if c.count} == company
    for row in metrics.reps:
        for stage_id, cell in row.cells.items():
            if cell.count:
                assert row.above[stage_id] == (cell.days > company[stage_id])
    # a rep sees only their own row, compared with the whole company's mean
    mine = time_metrics(org.rep, pipeline)
    assert [r.key for r in mine.reps] == [org.rep.pk]
    assert {k: c.days for k, c in mine.company.cells.items() if c.count} == company


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
