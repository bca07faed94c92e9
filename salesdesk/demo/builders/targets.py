"""Demo goals (TGT-1, TGT-2): a company year goal on the signed contract amount for the current
year, decomposed to units, people, months, ISO-week pieces and working days, plus a few unit and
personal goals. Written through the services (as an administrator), so the demo's allocation is
exactly what a user would get."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

# A typical Chinese sales year: a slow Spring Festival month, a strong June and December.
SEASONALITY = [7, 5, 8, 8, 9, 10, 8, 8, 9, 8, 9, 11]


def reset_targets(ctx: DemoContext) -> None:
    from salesdesk.targets.models import Goal, GoalPart

    GoalPart.objects.using(ctx.using).all()._raw_delete(ctx.using)
    Goal.history.model.objects.using(ctx.using).all().delete()
    Goal.all_objects.using(ctx.using).all().delete()


@register("targets", after=("sales", "pipeline", "metrics"), reset=reset_targets)
def build_targets(ctx: DemoContext) -> None:
    """Goals: the company's signed amount for this year (decomposed), unit and personal goals."""
    from salesdesk.org.models import OrgUnit, User
    from salesdesk.targets import selectors, services

    org = ctx.results.get("org")
    admin = User.objects.using(ctx.using).filter(pk__in=org.admin_ids).order_by("id").first()
    if admin is None:
        return
    rng = ctx.rng_for("targets")
    year = ctx.today.year
    last_year = selectors.metric_actual(
        "signed_amount", "company", None, None, date(year - 1, 1, 1), date(year - 1, 12, 31)
    )
    base = last_year if last_year else Decimal(len(org.rep_ids) * 1_200_000)
    target = (base * Decimal("1.15")).quantize(Decimal("10000"))
    company = services.goal_create(
        actor=admin,
        name=f"{year} 公司签约目标 Company signed amount",
        metric="signed_amount",
        owner_kind="company",
        period_kind="year",
        year=year,
        baseline=last_year or None,
        target_value=target,
        rationale="去年签约额 +15%，与渠道扩张计划一致。Last year's signed amount plus 15 %.",
        status="active",
    )
    services.goal_decompose(
        actor=admin,
        goal=company,
        method="last_year" if last_year else "equal",
        seasonality="custom",
        seasonality_weights=SEASONALITY,
    )
    count = 1
    teams = list(OrgUnit.objects.using(ctx.using).filter(pk__in=org.team_ids).order_by("id")[:3])
    quarter = (ctx.today.month - 1) // 3 + 1
    for team in teams:
        goal = services.goal_create(
            actor=admin,
            name=f"{year} Q{quarter} {team.name} 赢单金额 Won amount",
            metric="won_amount",
            owner_kind="unit",
            unit=team.pk,
            period_kind="quarter",
            year=year,
            quarter=quarter,
            target_value=Decimal(rng.randrange(80, 200)) * 10_000,
            status="active",
        )
        services.goal_decompose(actor=admin, goal=goal, method="equal")
        count += 1
    for rep_id in org.rep_ids[:5]:
        goal = services.goal_create(
            actor=admin,
            name=f"{ctx.today:%Y-%m} 新增客户 New customers",
            metric="new_customers",
            owner_kind="user",
            user=rep_id,
            period_kind="month",
            year=year,
            month=ctx.today.month,
            target_value=rng.randrange(5, 20),
            status="active",
        )
        services.goal_decompose(actor=admin, goal=goal, method="equal")
        count += 1
    services.goal_create(
        actor=admin,
        name=f"{year} 赢单率 Win rate",
        metric="win_rate",
        owner_kind="company",
        period_kind="year",
        year=year,
        target_value="32.50",
        status="draft",
    )
    ctx.counts["targets.Goal"] = count + 1
