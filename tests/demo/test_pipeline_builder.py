"""Demo opportunities: counts, realistic outcomes, events chaining per deal, and summaries equal
to a recomputation from the events."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from salesdesk.demo.runner import build_demo
from salesdesk.pipeline.models import DurationStat, Opportunity, StageEvent, StageStat
from tests.pipeline.conftest import recomputed_stats, stored_stats

TODAY = date(2026, 3, 2)


@pytest.fixture
def small(db):
    return build_demo(size="small", seed=2026, today=TODAY)


def test_small_opportunities_with_consistent_events_and_summaries(small):
    assert small.counts["pipeline.Opportunity"] == 3_000 == Opportunity.objects.count()
    events = StageEvent.objects.count()
    assert small.counts["pipeline.StageEvent"] == events
    assert 5.0 <= events / 3_000 <= 5.4  # large: 1,000,000 deals, about 5,000,000 events
    reopened = StageEvent.objects.filter(kind="reopened", from_stage=None).count()
    assert 100 < reopened < 3_000
    statuses = {s: Opportunity.objects.filter(status=s).count() for s in ("open", "won", "lost")}
    assert all(n > 100 for n in statuses.values()), statuses
    assert stored_stats() == recomputed_stats()
    # the summaries builder added lead times and the whole-day histograms
    with_lead = Opportunity.objects.filter(lead_created_at__isnull=False).count()
    assert with_lead > 0
    assert StageStat.objects.aggregate(n=Sum("lead_converted"))["n"] == with_lead
    histogram = dict(
        DurationStat.objects.values("metric").annotate(n=Sum("count")).values_list("metric", "n")
    )
    wins = StageEvent.objects.filter(kind="won", win_undone=False).count()
    exits = StageEvent.objects.exclude(from_stage=None).count()
    assert histogram == {"stage": exits, "cycle": wins, "total": wins, "lead": with_lead}
    # each deal's events chain from stage to stage and end where the deal is
    last = {}
    for e in StageEvent.objects.order_by("opportunity_id", "at", "id").iterator():
        assert e.from_stage_id == last.get(e.opportunity_id)
        last[e.opportunity_id] = e.to_stage_id
    for pk, stage_id, status in Opportunity.objects.values_list("pk", "stage_id", "status"):
        assert last[pk] == (None if status == "lost" else stage_id)


def test_deterministic(db):
    first = build_demo(size="small", seed=7, today=TODAY)
    a = list(Opportunity.objects.order_by("pk").values_list("title", "amount", "status")[:50])
    assert first.counts["pipeline.Opportunity"] == 3_000
    build_demo(size="small", seed=7, today=TODAY, reset=True)
    b = list(Opportunity.objects.order_by("pk").values_list("title", "amount", "status")[:50])
    assert a == b
