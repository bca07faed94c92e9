"""`salesdesk manage rebuild_stage_stats`: recompute the FUN-5 summaries (StageStat and the
duration histograms) from the stage events. The summaries are kept current on every change; this
is for repairs, upgrades and bulk-loaded histories."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute the time-metric and funnel summaries from the stage events (FUN-5)."

    def handle(self, *args, **options):
        from salesdesk.pipeline.summaries import rebuild

        started = time.perf_counter()
        counts = rebuild()
        self.stdout.write(
            f"{counts['events']} stage events → {counts['stage_stats']} stage rows, "
            f"{counts['duration_stats']} duration rows "
            f"({counts['events_refreshed']} lead times refreshed) "
            f"in {time.perf_counter() - started:.1f} s."
        )
