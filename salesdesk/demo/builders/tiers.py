"""Demo sales tiers (ORG-4): four tiers 新人 Trainee / 专员 Associate / 资深 Senior / 金牌 Gold with
criteria on the metric layer, quotas, multipliers and commission rates; a membership for every
sales person (reps and team leads) — the tier their figures qualified for last month, some with an
earlier stretch as trainee — except a few whose tier lags, so last month's computed review has a
few pending proposals. Runs after `metrics` (the review reads the facts). Bounded: one membership
or two per sales person, one review."""

from __future__ import annotations

from datetime import timedelta

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

TIERS = [
    {
        "code": "trainee",
        "name": "新人",
        "name_en": "Trainee",
        "rank": 1,
        "criteria": [],
        "customer_quota": 300,
        "target_multiplier": "0.6",
        "commission_rate": "2",
    },
    {
        "code": "associate",
        "name": "专员",
        "name_en": "Associate",
        "rank": 2,
        "criteria": [{"metric": "signed_amount", "window_months": 3, "min": "100000"}],
        "customer_quota": 500,
        "target_multiplier": "1",
        "commission_rate": "3",
    },
    {
        "code": "senior",
        "name": "资深",
        "name_en": "Senior",
        "rank": 3,
        "criteria": [
            {"metric": "signed_amount", "window_months": 3, "min": "400000"},
            {"metric": "win_rate", "window_months": 3, "min": "0.3"},
        ],
        "customer_quota": 800,
        "target_multiplier": "1.3",
        "commission_rate": "4",
    },
    {
        "code": "gold",
        "name": "金牌",
        "name_en": "Gold",
        "rank": 4,
        "criteria": [
            {"metric": "signed_amount", "window_months": 3, "min": "1000000"},
            {"metric": "win_rate", "window_months": 3, "min": "0.4"},
        ],
        "customer_quota": 0,
        "target_multiplier": "1.6",
        "commission_rate": "5",
    },
]
LAGGING = 5  # people whose tier does not match their figures: the review's pending proposals


def reset_tiers(ctx: DemoContext) -> None:
    from salesdesk.tiers.models import Tier, TierMembership, TierProposal, TierReview

    TierProposal.objects.using(ctx.using).all().delete()
    TierReview.objects.using(ctx.using).all().delete()
    TierMembership.objects.using(ctx.using).all().delete()
    Tier.history.model.objects.using(ctx.using).all().delete()
    Tier.all_objects.using(ctx.using).all().delete()


@register("tiers", after=("metrics",), reset=reset_tiers)
def build_tiers(ctx: DemoContext) -> None:
    from salesdesk.org.models import User
    from salesdesk.tiers import services
    from salesdesk.tiers.models import TierMembership

    org = ctx.results.get("org")
    admin = User.objects.using(ctx.using).filter(pk__in=org.admin_ids).order_by("id").first()
    if admin is None:
        return
    tiers = [services.tier_create(actor=admin, **t) for t in TIERS]
    rng = ctx.rng_for("tiers")
    last_month = ctx.today.replace(day=1) - timedelta(days=1)
    start, end = services.month_bounds(last_month)
    people = services.review_people()
    figures = services.trailing_figures(tiers, people, start, end)
    lagging = set(rng.sample(people, min(LAGGING, len(people))))
    year_ago = ctx.today.replace(day=1) - timedelta(days=365)
    rows = []
    for person in people:
        tier = services.qualifying_tier(tiers, person, figures)
        if person in lagging:  # one tier off, so the review proposes a move
            others = [t for t in tiers if abs(t.rank - tier.rank) == 1]
            tier = rng.choice(others) if others else tier
        since = year_ago
        if tier.rank > 1 and rng.random() < 0.4:  # promoted some months ago
            since = year_ago + timedelta(days=rng.randint(90, 240))
            rows.append(
                TierMembership(
                    user_id=person,
                    tier=tiers[0],
                    valid_from=year_ago,
                    valid_to=since,
                    note="入职 Joined",
                    created_by=admin,
                )
            )
        rows.append(
            TierMembership(user_id=person, tier=tier, valid_from=since, note="", created_by=admin)
        )
    ctx.bulk_insert(TierMembership, rows)
    services.review_compute(day=last_month)
