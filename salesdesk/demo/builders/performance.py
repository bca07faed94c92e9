"""Demo KPI scheme (PRF-1) and last month's published scorecards (PRF-2), computed from the
metric layer through the services (as an administrator), so the evaluation and leaderboard
pages have something to show. Runs after `metrics`, which rebuilds the facts."""

from __future__ import annotations

from datetime import timedelta

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register


def reset_performance(ctx: DemoContext) -> None:
    from salesdesk.performance.models import KpiScheme, Scorecard

    Scorecard.history.model.objects.using(ctx.using).all().delete()
    Scorecard.all_objects.using(ctx.using).all().delete()
    KpiScheme.history.model.objects.using(ctx.using).all().delete()
    KpiScheme.all_objects.using(ctx.using).all().delete()


@register("performance", after=("metrics",), reset=reset_performance)
def build_performance(ctx: DemoContext) -> None:
    from salesdesk.org.models import Role, User
    from salesdesk.performance import services

    org = ctx.results.get("org")
    admin = User.objects.using(ctx.using).filter(pk__in=org.admin_ids).order_by("id").first()
    if admin is None:
        return
    scheme = services.kpi_scheme_create(
        actor=admin,
        name="销售代表月度考核 Rep monthly scorecard",
        role=Role.objects.get(code="rep").pk,
        period_kind="month",
        cap="120",
        metrics=[
            {
                "metric": "signed_amount",
                "weight": "40",
                "normalisation": "target",
                "target": "100000",
            },
            {
                "metric": "payments_received",
                "weight": "20",
                "normalisation": "target",
                "target": "80000",
            },
            {"metric": "new_customers", "weight": "15", "normalisation": "peer"},
            {"metric": "win_rate", "weight": "15", "normalisation": "peer"},
            {
                "metric": "sales_cycle_days",
                "weight": "10",
                "normalisation": "target",
                "target": "45",
            },
        ],
        grade_bands={"S": "100", "A": "85", "B": "70", "C": "60"},
    )
    last_month = ctx.today.replace(day=1) - timedelta(days=1)
    services.scorecards_compute(actor=admin, scheme=scheme, day=last_month)
    services.scorecards_publish(actor=admin, scheme=scheme, day=last_month)
