"""`python -m bench segments --size medium`: persona figures of CUS-3 on the demo data.

Per database (a fresh scratch database each): migrate, `salesdesk demo --size <size>` (small
2,000 / medium 50,000 / large 1,000,000 customers; the demo adds six example segments), then in a
worker process, for every demo segment and three viewers (the administrator: every customer; the
demo director: a region; the demo rep: their own), time:
- persona: `salesdesk.customers.segments.selectors.persona` (the six queries of the persona page
  and API);
- count: `segment_count` (the preview of the segment form);
- first page: the first 50 customers of the segment, newest first (the customer list filtered by
  `segment=<id>` and the API's /segments/{id}/customers).
p50/p95 in milliseconds; each timed call starts from a fresh user object (scope id lists are
reloaded, as in a new request).
"""

from __future__ import annotations

import sys
import time

from bench.common import database_urls, run, scratch_database, summary_ms, worker_json

SIZES = {"small": 2_000, "medium": 50_000, "large": 1_000_000}
REPEAT = 3


def bench(args) -> dict:
    size = args.size if args.size in SIZES else "medium"
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            t0 = time.perf_counter()
            run(
                [sys.executable, "-m", "salesdesk.cli", "demo", "--size", size],
                env,
                timeout=4 * 3600,
            )
            demo_s = time.perf_counter() - t0
            results[label] = {
                "demo_command_s": round(demo_s, 1),
                **worker_json("segments", env, []),
            }
    return {"size": size, "customers": SIZES[size], "repeat": REPEAT, "results": results}


def worker(_args) -> int:
    import json

    import django

    django.setup()
    from django.db import connection

    from salesdesk.customers.segments import selectors
    from salesdesk.customers.segments.models import Segment
    from salesdesk.org.models import User

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    viewers = {
        u.username: u
        for u in User.objects.filter(username__in=["admin", "director", "rep"]).select_related(
            "role"
        )
    }

    def fresh(user: User) -> User:
        user.__dict__.pop("_salesdesk_scope_ids", None)
        return user

    figures: dict = {"vendor": connection.vendor, "segments": {}}
    for segment in Segment.objects.order_by("pk"):
        per_viewer = {}
        for name, user in viewers.items():
            timings: dict[str, list[float]] = {"persona": [], "count": [], "first_page": []}
            size = 0
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                size = selectors.persona(fresh(user), segment.criteria)["size"]
                timings["persona"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                selectors.segment_count(fresh(user), segment.criteria)
                timings["count"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                list(
                    selectors.segment_customers(fresh(user), segment.criteria).order_by(
                        "-created_at", "-id"
                    )[:50]
                )
                timings["first_page"].append(time.perf_counter() - t0)
            per_viewer[name] = {
                "size": size,
                **{k: summary_ms(v)["p50_ms"] for k, v in timings.items()},
            }
        figures["segments"][segment.name] = per_viewer
    print(json.dumps(figures, ensure_ascii=False))
    return 0
