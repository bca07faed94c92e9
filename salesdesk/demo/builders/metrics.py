"""The metric layer's facts (issue 5, D43) for the demo: the builders insert records in bulk
without announcing them, so the facts are recomputed from the records once every builder that
makes them has run."""

from __future__ import annotations

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register


def reset_metrics(ctx: DemoContext) -> None:
    from salesdesk.metrics.models import MetricFact

    MetricFact.objects.using(ctx.using).all()._raw_delete(ctx.using)


@register(
    "metrics",
    after=("customers", "pool", "pipeline", "leads", "sales", "customer_service"),
    reset=reset_metrics,
)
def build_metrics(ctx: DemoContext) -> None:
    """Recompute the metric facts from the demo's contracts, payments, returns, deals,
    customers, follow-ups and satisfaction records."""
    from salesdesk.metrics.sources import rebuild

    rebuild(using=ctx.using)
