"""`python -m bench pipeline --size 100000`: the funnel pages and moves on N opportunities.

Per database (a fresh scratch database each): migrate, build the small demo (3,000 opportunities
with their stage events), then in a worker process copy the opportunities and their stage events
(INSERT … SELECT, doubling) until there are N, rebuild the summaries, and measure, signed in as
the demo administrator (scope: all):
- kanban first paint: the board page with its column headers and the first 30 cards of every
  column (reopening lost deals until the pipeline holds 10,000 open ones);
- one column's "load more" fragment;
- the opportunity list's first page;
- the funnel page and the time-metrics page (and API) for the whole company over two years;
- a stage move through the service (event + summary upsert + versioned save), p95 over 200 moves
  of random open deals, and the board's JSON move endpoint.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date, timedelta

from bench.common import database_urls, run, scratch_database, summary_ms, worker_json

REPEAT = 30
OPEN_DEALS = 10_000
MOVES = 200


def bench(args) -> dict:
    size = int(args.size or 100_000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            run([sys.executable, "-m", "salesdesk.cli", "demo", "--size", "small"], env)
            results[label] = worker_json("pipeline", env, ["--size", str(size)])
    return {"opportunities": size, "results": results}


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def fill(target: int, open_deals: int = OPEN_DEALS) -> tuple[int, float]:
    """Copy the demo opportunities and their stage events until there are `target` deals (the
    copies' durations shifted by 0–30 days so the whole-day histograms spread as real data
    would), recompute the summaries from the events (`summaries.rebuild`, timed), then reopen
    lost deals until the pipeline holds `open_deals` open ones (figures, not history: the
    summaries are not adjusted for that). Returns the number of deals and the rebuild's
    seconds."""
    from django.db import connection

    from salesdesk.pipeline import summaries
    from salesdesk.pipeline.models import Opportunity, StageEvent

    quote = connection.ops.quote_name
    table = Opportunity._meta.db_table
    columns = [f.column for f in Opportunity._meta.concrete_fields if f.column != "id"]
    cols = ", ".join(quote(c) for c in columns)
    events = StageEvent._meta.db_table
    event_columns = [f.column for f in StageEvent._meta.concrete_fields if f.column != "id"]
    shifted = {"seconds_in_stage", "cycle_seconds", "total_seconds", "lead_seconds"}
    select = []
    for c in event_columns:
        if c == "opportunity_id":
            select.append("opportunity_id + %s")
        elif c in shifted:
            select.append(f"{quote(c)} + ((opportunity_id + %s) %% 61) * 43200")
        else:
            select.append(quote(c))
    count = Opportunity.all_objects.count()
    while count < target:
        n = min(count, target - count)
        offset = Opportunity.all_objects.order_by("-id").values_list("id", flat=True)[0]
        first = f"SELECT id FROM {table} ORDER BY id LIMIT %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (id, {cols}) SELECT id + %s, {cols} FROM {table} "  # noqa: S608
                f"WHERE id IN ({first})",
                [offset, n],
            )
            cursor.execute(
                f"INSERT INTO {events} ({', '.join(quote(c) for c in event_columns)}) "  # noqa: S608
                f"SELECT {', '.join(select)} FROM {events} WHERE opportunity_id IN ({first})",
                [offset] * (1 + len(shifted)) + [n],
            )
        count = Opportunity.all_objects.count()
    t0 = time.perf_counter()
    summaries.rebuild()
    rebuild_s = time.perf_counter() - t0
    missing = open_deals - Opportunity.objects.filter(status="open").count()
    if missing > 0:
        ids = list(
            Opportunity.objects.filter(status="lost")
            .order_by("id")
            .values_list("pk", flat=True)[:missing]
        )
        for start in range(0, len(ids), 5000):
            Opportunity.objects.filter(pk__in=ids[start : start + 5000]).update(
                status="open", reason=None, closed_at=None
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count, rebuild_s


def worker(args) -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from salesdesk.org.models import User
    from salesdesk.pipeline import services
    from salesdesk.pipeline.models import Opportunity, Pipeline, Stage

    setup_test_environment()
    target = int(args.size or 100_000)
    t0 = time.perf_counter()
    count, rebuild_s = fill(target)
    fill_s = time.perf_counter() - t0
    from salesdesk.pipeline.models import DurationStat, StageEvent, StageStat

    sizes = {
        "stage_events": StageEvent.objects.count(),
        "stage_stat_rows": StageStat.objects.count(),
        "duration_stat_rows": DurationStat.objects.count(),
    }

    admin = User.objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(Stage.objects.filter(pipeline=pipeline, is_archived=False).order_by("order"))
    open_deals = Opportunity.objects.filter(pipeline=pipeline, status="open").count()
    board_url = reverse("web:board_pipeline", args=[pipeline.pk])
    column_urls = [reverse("web:board_column", args=[pipeline.pk, s.pk]) for s in stages]

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    get(board_url)  # warm up
    paint = _timed(lambda: get(board_url), REPEAT)
    column = _timed(lambda: get(column_urls[1] + "?after=" + str(10**9)), REPEAT)
    list_url = reverse("web:opportunities")
    get(list_url)
    first_page = _timed(lambda: get(list_url), REPEAT)
    today = date.today()
    period = f"?pipeline={pipeline.pk}&from={today - timedelta(days=730)}&to={today}"
    funnel_url = reverse("web:funnel") + period
    get(funnel_url)
    funnel = _timed(lambda: get(funnel_url), REPEAT)
    metrics_url = reverse("web:time_metrics") + period
    get(metrics_url)
    metrics = _timed(lambda: get(metrics_url), REPEAT)
    api_url = (
        f"/api/v1/pipelines/{pipeline.pk}/time-metrics?date_from={today - timedelta(days=730)}"
    )
    get(api_url)
    metrics_api = _timed(lambda: get(api_url), REPEAT)

    rng = random.Random(2026)
    open_stage_ids = [s.pk for s in stages if not s.is_won and not s.is_after_sales]
    candidates = list(
        Opportunity.objects.filter(pipeline=pipeline, status="open")
        .order_by("?")
        .values_list("pk", flat=True)[: MOVES * 2]
    )
    moves = []
    for pk in candidates[:MOVES]:
        opp = Opportunity.objects.get(pk=pk)
        stage = rng.choice([s for s in open_stage_ids if s != opp.stage_id])
        t0 = time.perf_counter()
        services.opportunity_move_stage(
            opportunity=opp, stage=stage, actor=admin, expected_version=opp.version
        )
        moves.append(time.perf_counter() - t0)
    http_moves = []
    for pk in candidates[MOVES:]:
        opp = Opportunity.objects.get(pk=pk)
        stage = rng.choice([s for s in open_stage_ids if s != opp.stage_id])
        url = reverse("web:opportunity_move", args=[pk])
        t0 = time.perf_counter()
        response = client.post(url, {"stage": stage, "version": opp.version}, HTTP_X_SD_BOARD="1")
        http_moves.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "opportunities": count,
                "open_deals_in_pipeline": open_deals,
                "fill_s": round(fill_s, 1),
                "summaries_rebuild_s": round(rebuild_s, 1),
                **sizes,
                "kanban_first_paint": summary_ms(paint),
                "board_column": summary_ms(column),
                "list_first_page": summary_ms(first_page),
                "funnel_page_2y": summary_ms(funnel),
                "time_metrics_page_2y": summary_ms(metrics),
                "time_metrics_api_2y": summary_ms(metrics_api),
                "stage_move_service": summary_ms(moves),
                "stage_move_http": summary_ms(http_moves),
            }
        )
    )
    return 0
