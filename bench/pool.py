"""`python -m bench pool --size 1000000`: the public pool's auto-return job (CUS-6) on N customers.

Per database (a fresh scratch database each): migrate, build the small demo (organisation, 2,000
customers, the default pool and its four rules), then in a worker process copy the customers
(INSERT … SELECT, doubling) until there are N, and time `pool_rules_apply` for today twice: the
first run returns every overdue customer and writes the reminders, the second finds nothing to do
(idempotent). The job must stay set-based: a constant number of statements per rule.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import database_urls, run, scratch_database, worker_json


def bench(args) -> dict:
    size = int(args.size or 1_000_000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            run([sys.executable, "-m", "salesdesk.cli", "demo", "--size", "small"], env)
            results[label] = worker_json("pool", env, ["--size", str(size)])
    return {"customers": size, "results": results}


def worker(args) -> int:
    import django

    django.setup()
    from django.db import connection

    from salesdesk.customers.models import Customer
    from salesdesk.customers.pool.autoreturn import pool_rules_apply

    target = int(args.size or 1_000_000)
    table = Customer._meta.db_table
    columns = [f.column for f in Customer._meta.concrete_fields if f.column != "id"]
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    t0 = time.perf_counter()
    count = Customer.all_objects.count()
    while count < target:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {table} "  # noqa: S608
                f"ORDER BY id LIMIT %s",
                [min(count, target - count)],
            )
        count = Customer.all_objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    fill_s = time.perf_counter() - t0
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        result = pool_rules_apply()
        runs.append(
            {
                "seconds": round(time.perf_counter() - t0, 2),
                "returned": result.returned,
                "reminded": result.reminded,
                "rules": result.rules,
            }
        )
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "customers": count,
                "fill_s": round(fill_s, 1),
                "first_run": runs[0],
                "second_run": runs[1],
            }
        )
    )
    return 0
