"""Demo commission plans (PRF-4) and statements: last month's drafts for the demo reps and the
month before, computed and locked, through the services (as an administrator), so the
commission pages have something to show. Runs after `targets` (attainment reads the reps' goals)
and `metrics`; a tier builder, when present, should run before it (tier rates are read at the
period's end)."""

from __future__ import annotations

from datetime import timedelta

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register


def reset_commissions(ctx: DemoContext) -> None:
    from salesdesk.commissions.models import (
        CommissionLine,
        CommissionPeriodLock,
        CommissionPlan,
        CommissionStatement,
    )

    CommissionLine.objects.using(ctx.using).all().delete()
    CommissionStatement.all_objects.using(ctx.using).all().delete()
    CommissionPeriodLock.objects.using(ctx.using).all().delete()
    CommissionPlan.history.model.objects.using(ctx.using).all().delete()
    CommissionPlan.all_objects.using(ctx.using).all().delete()


@register("commissions", after=("targets", "metrics", "tiers"), reset=reset_commissions)
def build_commissions(ctx: DemoContext) -> None:
    from salesdesk.commissions import services
    from salesdesk.org.models import Role, User
    from salesdesk.sales.models import ProductLine

    org = ctx.results.get("org")
    admin = User.objects.using(ctx.using).filter(pk__in=org.admin_ids).order_by("id").first()
    if admin is None:
        return
    rep = Role.objects.get(code="rep").pk
    lines = list(ProductLine.objects.order_by("id").values_list("pk", flat=True)[:2])
    multipliers = {str(lines[0]): "1.2"} if lines else {}
    monthly = services.commission_plan_create(
        actor=admin,
        name="销售代表月度回款提成 Rep monthly (cash basis)",
        role=rep,
        period_kind="month",
        base="payments",
        base_rate="1",
        bands=[
            {"from": "0", "rate": "2"},
            {"from": "80", "rate": "3"},
            {"from": "100", "rate": "4"},
            {"from": "120", "rate": "5"},
        ],
        line_multipliers=multipliers,
        add_tier_rate=True,
    )
    services.commission_plan_create(
        actor=admin,
        name="团队主管季度签约提成 Team lead quarterly (contracts)",
        role=Role.objects.get(code="team_lead").pk,
        period_kind="quarter",
        base="contracts",
        base_rate="0.5",
        bands=[{"from": "0", "rate": "0.5"}, {"from": "100", "rate": "1"}],
        cap="50000",
    )
    last_month = ctx.today.replace(day=1) - timedelta(days=1)
    month_before = last_month.replace(day=1) - timedelta(days=1)
    services.statements_compute(actor=admin, plan=monthly, day=month_before)
    services.period_lock(actor=admin, period_kind="month", day=month_before)
    services.statements_compute(actor=admin, plan=monthly, day=last_month)
