"""`python -m bench performance --size 1000`: monthly scorecards of N reps (PRF-2, goal < 30 s).

Per database (a fresh scratch database each): migrate, create the organisation of the targets
bench (20 reps per team, 5 teams per region), ~10 metric facts per rep over the month, a rep
scheme of five metrics; then time `scorecards_compute` (first run: inserts; second run: drafts
recomputed), publishing all, and the leaderboard of the company by signed amount.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date

from bench.common import database_urls, run, scratch_database
from bench.targets import _organisation

FACTS = ("signed", "payment", "won", "lost", "cycle", "new_customer", "activity")


def bench(args) -> dict:
    size = int(args.size or 1000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            done = run(
                [sys.executable, "-m", "bench", "performance", "--worker", "--size", str(size)], env
            )
            results[label] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"reps": size, "results": results}


def worker(args) -> int:
    import django

    django.setup()
    from salesdesk.metrics.models import MetricFact
    from salesdesk.metrics.sources import rebuild_months
    from salesdesk.org.models import Role, User
    from salesdesk.performance import selectors, services

    reps = int(args.size or 1000)
    admin, _teams = _organisation(reps)
    admin.is_superuser = True
    admin.save()
    rng = random.Random(48)
    rows = []
    for user_id, unit_id in User.objects.filter(role__code="rep").values_list("pk", "unit_id"):
        for fact in FACTS:
            day = date(2026, 3, rng.randint(1, 31))
            rows.append(
                MetricFact(
                    fact=fact,
                    day=day,
                    owner_id=user_id,
                    org_unit_id=unit_id,
                    value=rng.randint(0, 200000),
                    count=rng.randint(1, 5),
                )
            )
    MetricFact.objects.bulk_create(rows, batch_size=2000)
    rebuild_months()  # the monthly rows beside the daily ones (D51)
    scheme = services.kpi_scheme_create(
        actor=admin,
        name="Rep monthly",
        role=Role.objects.get(code="rep").pk,
        period_kind="month",
        metrics=[
            {"metric": "signed_amount", "weight": "40", "target": "100000"},
            {"metric": "payments_received", "weight": "20", "target": "80000"},
            {"metric": "new_customers", "weight": "15", "normalisation": "peer"},
            {"metric": "win_rate", "weight": "15", "normalisation": "peer"},
            {"metric": "sales_cycle_days", "weight": "10", "target": "45"},
        ],
        grade_bands={"S": "100", "A": "85", "B": "70", "C": "60"},
    )
    day = date(2026, 3, 15)
    out = {}
    t0 = time.perf_counter()
    first = services.scorecards_compute(actor=admin, scheme=scheme, day=day)
    out["compute_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    services.scorecards_compute(actor=admin, scheme=scheme, day=day)
    out["recompute_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    out["published"] = services.scorecards_publish(actor=admin, scheme=scheme, day=day)
    out["publish_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    board = selectors.leaderboard(admin, metric="signed_amount", day=day)
    out["leaderboard_s"] = round(time.perf_counter() - t0, 3)
    out["scorecards"] = first.created
    out["board_rows"] = len(board.rows)
    print(json.dumps(out))
    return 0
