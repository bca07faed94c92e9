"""Keeps MetricFact current in the writing transaction (D43): the metric layer's listener on
record changes (`salesdesk.core.changes`). For a change of tracked rows it takes their
contributions (sources.py) before and after the write and adds the difference; for created rows
it adds theirs. Untracked models cost no query.
"""

from __future__ import annotations

from django.db import models

from salesdesk.core.changes import record_changes
from salesdesk.metrics import sources


class MetricFactsListener:
    def snapshot(self, model: type[models.Model], ids: list[int]) -> sources.Facts | None:
        if not ids or not sources.tracks(model):
            return None
        return sources.contributions(model, ids)

    def changed(
        self, model: type[models.Model], ids: list[int], before: sources.Facts | None
    ) -> None:
        if not ids or not sources.tracks(model):
            return
        if before is None:  # created rows (core.changes: `created`, nothing before)
            sources.write(sources.contributions(model, ids, created=True))
            return
        sources.write(sources.contributions(model, ids).minus(before))


record_changes.register("metrics", MetricFactsListener())
