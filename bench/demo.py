"""`python -m bench demo --size large`: wall time of `salesdesk demo --size N` per database.

Measures the whole command as a user runs it (process start, Django set-up, the build in one
transaction) on a freshly migrated, empty database; migration time is reported separately.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import database_urls, run, scratch_database, worker_json


def bench(args) -> dict:
    size = args.size or "large"
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            t0 = time.perf_counter()
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            migrate_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            out = run([sys.executable, "-m", "salesdesk.cli", "demo", "--size", size], env).stdout
            command_s = time.perf_counter() - t0
            counts = worker_json("demo", env, [])
            results[label] = {
                "migrate_s": round(migrate_s, 2),
                "demo_command_s": round(command_s, 2),
                "build_s": _build_seconds(out),
                **counts,
            }
    return {"size": size, "results": results}


def _build_seconds(output: str) -> float | None:
    for line in output.splitlines():
        if line.startswith("Done in "):
            return float(line.split()[2])
    return None


def worker(_args) -> int:
    import django

    django.setup()
    from salesdesk.org.models import OrgUnit, User

    print(json.dumps({"users": User.objects.count(), "units": OrgUnit.objects.count()}))
    return 0
