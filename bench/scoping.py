"""`python -m bench scoping --size 5000`: p50/p95 of the scoping filter (ORG-2).

Builds the large demo organisation (~5,000 users in ~500 units), then a bench-only table of
business-like records (owner + org unit, RECORDS_PER_USER per user) since the business models do
not exist yet. For every director and manager and for a sample of team leads and reps it times
building and executing `visible_to(queryset, user).count()`, over both the users table and the
records table. Run on SQLite and on PostgreSQL (`--database-url`).
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import database_urls, run, scratch_database, summary_ms, worker_json

RECORDS_PER_USER = 20
REPEAT = 3


def bench(args) -> dict:
    users = int(args.size or 5000)
    size = "small" if users <= 100 else "medium" if users <= 1000 else "large"
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            run([sys.executable, "-m", "salesdesk.cli", "demo", "--size", size], env)
            results[label] = worker_json("scoping", env, [])
    return {
        "demo_size": size,
        "records_per_user": RECORDS_PER_USER,
        "repeat": REPEAT,
        "results": results,
    }


def _bench_model():
    from django.db import models

    from salesdesk.org.scoping import ScopedQuerySet

    class BenchRecord(models.Model):  # noqa: DJ008 - bench-only table
        owner = models.ForeignKey("org.User", on_delete=models.DO_NOTHING, related_name="+")
        org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.DO_NOTHING, related_name="+")
        amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)

        objects = ScopedQuerySet.as_manager()
        scope_owner_field = "owner"
        scope_unit_field = "org_unit"

        class Meta:
            app_label = "core"
            db_table = "bench_record"

    return BenchRecord


def worker(_args) -> int:
    import random

    import django

    django.setup()
    from django.db import connection, transaction

    from salesdesk.org.models import OrgUnit, User
    from salesdesk.org.scoping import visible_to

    record_model = _bench_model()
    with connection.schema_editor() as editor:
        editor.create_model(record_model)
    rng = random.Random(42)
    owners = list(User.objects.values_list("pk", "unit_id"))
    t0 = time.perf_counter()
    with transaction.atomic():
        rows = [
            record_model(owner_id=pk, org_unit_id=unit, amount=rng.randint(1, 10**6))
            for pk, unit in owners
            for _ in range(RECORDS_PER_USER)
        ]
        record_model.objects.bulk_create(rows, batch_size=5000)
    insert_s = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    viewers = {}

    def by_role(code):
        return list(
            User.objects.filter(role__code=code, is_active=True)
            .select_related("role")
            .order_by("pk")
        )

    viewers["director"] = by_role("director")
    viewers["manager"] = by_role("manager")
    viewers["team_lead"] = rng.sample(by_role("team_lead"), min(200, len(by_role("team_lead"))))
    viewers["rep"] = rng.sample(by_role("rep"), 100)

    figures: dict = {
        "n_users": User.objects.count(),
        "n_units": OrgUnit.objects.count(),
        "n_records": record_model.objects.count(),
        "insert_records_s": round(insert_s, 2),
        "vendor": connection.vendor,
    }
    for table, queryset in (("users", User.objects.all()), ("records", record_model.objects.all())):
        for viewer in viewers["director"][:2]:  # warm the caches
            visible_to(queryset, viewer).count()
        per_role = {}
        all_times = []
        for role, people in viewers.items():
            times, visible = [], []
            try:
                for person in people:
                    for _ in range(REPEAT):
                        # a fresh request: the id lists cached on the user object are rebuilt
                        person.__dict__.pop("_salesdesk_scope_ids", None)
                        t0 = time.perf_counter()
                        n = visible_to(queryset, person).count()
                        times.append(time.perf_counter() - t0)
                    visible.append(n)
            except Exception as exc:  # report the failure as a figure, keep measuring the rest
                per_role[role] = {"error": str(exc).splitlines()[0]}
                continue
            per_role[role] = {
                **summary_ms(times),
                "viewers": len(people),
                "avg_visible": round(sum(visible) / len(visible), 1),
            }
            if role in ("director", "team_lead", "manager"):
                all_times += times
        figures[f"{table}_table"] = {"directors_managers_leads": summary_ms(all_times), **per_role}
    print(json.dumps(figures))
    return 0
