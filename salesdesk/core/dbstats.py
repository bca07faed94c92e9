"""Planner statistics. SQLite's query planner has none until ANALYZE runs: without them it may
drive a scoped search from a 2,000,000-row table instead of the user's few hundred customers
(seconds instead of milliseconds). PostgreSQL's autovacuum keeps its own, but only some time
after a bulk load.

`refresh_statistics()` runs after a demo build and after large imports, and daily as a periodic
job: SQLite `ANALYZE` reading at most `analysis_limit` rows per index (0.1 s on a 2.8 GB database
of a million customers; approximate statistics are all the planner needs), PostgreSQL `ANALYZE`.
"""

from __future__ import annotations

from django.db import connections

SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics(using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
