"""`salesdesk manage rebuild_metrics`: recompute the metric layer's facts from the records. The
facts are kept current on every change; this is for repairs, upgrades and bulk-loaded data."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute the metric facts (issue 5: the metric layer) from the records."

    def handle(self, *args, **options):
        from salesdesk.metrics.sources import rebuild

        started = time.perf_counter()
        counts = rebuild()
        rows = counts.pop("rows")
        records = ", ".join(f"{key} {n}" for key, n in counts.items())
        self.stdout.write(
            f"{rows} fact rows from {records} in {time.perf_counter() - started:.1f} s."
        )
