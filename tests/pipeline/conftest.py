"""Helpers for the funnel tests: the default pipeline (put back after flushes), customers and
deals made through the services, and an independent recomputation of the stage summaries."""

from __future__ import annotations

from collections import defaultdict
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from salesdesk.pipeline import services
from salesdesk.pipeline.models import Opportunity, Pipeline, Stage, StageEvent, StageStat


def ensure_default_pipeline() -> Pipeline:
    """Transactional tests flush the tables, data-migration rows included: put them back."""
    if not Pipeline.objects.exists():
        import_module("salesdesk.pipeline.migrations.0002_default_pipeline_and_reasons").create(
            apps, None
        )
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def pipeline(db) -> Pipeline:
    return ensure_default_pipeline()


@pytest.fixture
def stages(pipeline) -> list[Stage]:
    return list(Stage.objects.filter(pipeline=pipeline).order_by("order"))


@pytest.fixture
def customers(org):
    from tests.customers.conftest import build_book

    return build_book(org)


def make_deal(owner, customer, title="Deal", **fields):
    return services.opportunity_create(actor=owner, customer=customer, title=title, **fields)


def undone_wins() -> set[int]:
    """Won events followed by a reopening of the same deal out of a won stage (plain Python)."""
    undone, last_win = set(), {}
    for e in StageEvent.objects.order_by("at", "id"):
        if e.kind == StageEvent.Kind.WON:
            last_win[e.opportunity_id] = e.pk
        elif e.kind == StageEvent.Kind.REOPENED and e.from_stage_id is not None:
            undone.add(last_win.pop(e.opportunity_id))
    return undone


def recomputed_stats() -> dict[tuple, tuple]:
    """StageStat as plain Python over StageEvent: key (stage, owner, unit, month) →
    (entered, exited, seconds, won, cycle seconds); deals in the recycle bin and undone wins do
    not count."""
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    deleted = set(
        Opportunity.all_objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)
    )
    undone = undone_wins()
    for e in StageEvent.objects.all():
        if e.opportunity_id in deleted:
            continue
        month = timezone.localtime(e.at).date().replace(day=1)
        if e.from_stage_id is not None:
            row = out[(e.from_stage_id, e.owner_id, e.org_unit_id, month)]
            row[1] += 1
            row[2] += e.seconds_in_stage
        if e.to_stage_id is not None:
            row = out[(e.to_stage_id, e.owner_id, e.org_unit_id, month)]
            row[0] += 1
            if e.kind == StageEvent.Kind.WON and e.pk not in undone:
                row[3] += 1
                row[4] += e.cycle_seconds
    return {k: tuple(v) for k, v in out.items()}


def stored_stats() -> dict[tuple, tuple]:
    return {
        (s.stage_id, s.owner_id, s.org_unit_id, s.month): (
            s.entered,
            s.exited,
            s.seconds_total,
            s.won,
            s.cycle_seconds_total,
        )
        for s in StageStat.objects.all()
    }
