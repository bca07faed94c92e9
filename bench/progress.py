"""`python -m bench progress --size 1000`: the progress page of a director over all goals (TGT-3;
goal: p95 < 300 ms at 1,000 reps and 1,000,000 opportunities).

Per database (a fresh scratch database each): migrate, the organisation of `bench targets` (N
reps, 20 per team, 5 teams per region), then metric facts as 1,000 opportunities per rep make
them (per rep and working day of 2026: a signed contract, a won and a lost deal: ~750 fact rows
per rep), a company goal on the signed amount decomposed to every rep × working day, one
won-amount goal per team, one personal signed-amount goal per rep and a win-rate goal per
region. Timed: the whole page (`/targets/progress/`, rendered, 50 goals a page) for the
company's director (the admin, who sees every goal) and the API's `/api/v1/progress`, and one
goal's drill-down (the company goal's units, quarters, months and weeks).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import database_urls, run, scratch_database, summary_ms, worker_json

REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))


def bench(args) -> dict:
    size = int(args.size or 1000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            results[label] = worker_json("progress", env, ["--size", str(size)])
    return {"reps": size, "results": results}


def _facts(reps) -> int:
    from salesdesk.core.workdays import is_working_day
    from salesdesk.metrics.models import MetricFact
    from salesdesk.metrics.sources import rebuild_months

    days = [
        date(2026, 1, 1) + timedelta(days=i)
        for i in range(365)
        if is_working_day(date(2026, 1, 1) + timedelta(days=i))
    ]
    total = 0
    for n, rep in enumerate(reps):
        rows = []
        for i, day in enumerate(days):
            amount = Decimal(1000 + (n * 7 + i * 13) % 9000)
            rows.append(
                MetricFact(
                    fact="signed",
                    owner_id=rep.pk,
                    org_unit_id=rep.unit_id,
                    day=day,
                    value=amount,
                    count=1,
                )
            )
            rows.append(
                MetricFact(
                    fact="won",
                    owner_id=rep.pk,
                    org_unit_id=rep.unit_id,
                    day=day,
                    value=amount,
                    count=1 + i % 2,
                )
            )
            rows.append(
                MetricFact(
                    fact="lost",
                    owner_id=rep.pk,
                    org_unit_id=rep.unit_id,
                    day=day,
                    value=amount / 2,
                    count=1 + i % 3,
                )
            )
        MetricFact.objects.bulk_create(rows, batch_size=5000)
        total += len(rows)
    rebuild_months()  # the monthly rows beside the daily ones (D51)
    return total


def worker(args) -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from bench.targets import _organisation
    from salesdesk.org.models import OrgUnit, User
    from salesdesk.targets import services

    setup_test_environment()
    size = int(args.size or 1000)
    admin, teams = _organisation(size)
    reps = list(User.objects.filter(role__code="rep").order_by("id"))
    t0 = time.perf_counter()
    facts = _facts(reps)
    facts_s = time.perf_counter() - t0

    def goal(**kw):
        return services.goal_create(
            actor=admin, period_kind="year", year=2026, status="active", **kw
        )

    company = goal(
        name="Company", metric="signed_amount", owner_kind="company", target_value="2000000000"
    )
    services.goal_decompose(actor=admin, goal=company)
    for team in teams:
        goal(
            name=f"Won {team.name}",
            metric="won_amount",
            owner_kind="unit",
            unit=team.pk,
            target_value="30000000",
        )
    for region in OrgUnit.objects.filter(kind="region"):
        goal(
            name=f"Win rate {region.name}",
            metric="win_rate",
            owner_kind="unit",
            unit=region.pk,
            target_value="45",
        )
    for rep in reps:
        goal(
            name=f"Signed {rep.username}",
            metric="signed_amount",
            owner_kind="user",
            user=rep.pk,
            target_value="1500000",
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from salesdesk.core.runtime import tune_gc

    tune_gc()  # as config/wsgi.py does in a serving process
    client = Client()
    client.force_login(admin)

    def timed(url: str) -> list[float]:
        client.get(url)  # warm up
        out = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            response = client.get(url)
            out.append(time.perf_counter() - t0)
            assert response.status_code == 200, (url, response.status_code)
        return out

    from salesdesk.targets.models import Goal

    print(
        json.dumps(
            {
                "goals": Goal.objects.count(),
                "fact_rows": facts,
                "facts_s": round(facts_s, 2),
                "page": summary_ms(timed("/targets/progress/")),
                "api": summary_ms(timed("/api/v1/progress?page_size=50")),
                "company_goal_drill_down": summary_ms(timed(f"/targets/progress/{company.pk}/")),
            }
        )
    )
    return 0
