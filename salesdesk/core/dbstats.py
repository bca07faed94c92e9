"""Planner statistics. SQLite's query planner has none until ANALYZE runs: without them it drove a
rep's contact search from the 2,000,000-row contacts table (3.7 s) instead of the rep's customers
(17 ms), and a phone search from the `deleted_at` index (1.3 s) instead of the phone key's (1 ms).
Sampled statistics (`analysis_limit`) are not enough: the first rows of the `deleted_at` index are
all NULL, so a sample cannot tell the planner that the index matches every live row.
PostgreSQL's autovacuum keeps its own, but only some time after a bulk load.

- `refresh_statistics()`: full `ANALYZE` (19 s on SQLite for a million customers with their
  contacts and follow-ups; PostgreSQL samples, a few seconds); after a demo build and daily.
- `refresh_statistics(light=True)`: after large imports: SQLite `PRAGMA optimize` (analyses only
  tables never analysed or whose size changed a lot), PostgreSQL `ANALYZE`.
"""

from __future__ import annotations

from django.db import connections


def refresh_statistics(using: str = "default", *, light: bool = False) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 0")
            cursor.execute("PRAGMA optimize" if light else "ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
