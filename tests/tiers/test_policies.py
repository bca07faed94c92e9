"""The tier-based policies in other modules (ORG-4): customer quota, goal decomposition by tier
multiplier, KPI schemes per tier."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesdesk.customers.models import Customer
from salesdesk.customers.pool import services as pool_services
from salesdesk.customers.pool.models import Pool
from salesdesk.org.models import Role
from salesdesk.performance import services as perf_services
from salesdesk.performance.models import Scorecard
from salesdesk.targets import services as target_services
from salesdesk.targets.models import GoalPart, Granularity
from salesdesk.tiers import services
from tests.conftest import make_user
from tests.customers.conftest import make_customer
from tests.customers.pool_helpers import make_pool, put_in_pool
from tests.performance.conftest import SCHEME
from tests.tiers.conftest import fact

pytestmark = pytest.mark.django_db


def _assign(org, user, tier, day=date(2026, 1, 1)):
    return services.tier_assign(actor=org.admin, user=user, tier=tier, valid_from=day)


# ---- customer quota --------------------------------------------------------------------------


@pytest.fixture
def pooled(org):
    pool = make_pool(org.admin, member_units=[org.east], is_default=True)
    customers = []
    for i in range(3):
        customer = make_customer(org.rep, f"公海客户{i}有限公司")
        put_in_pool(customer, pool)
        customers.append(Customer.objects.get(pk=customer.pk))
    return pool, customers


def test_quota_is_stricter_of_pool_and_tier(org, tiers, pooled):
    pool, customers = pooled
    Pool.objects.filter(pk=pool.pk).update(quota=5)
    pool.refresh_from_db()
    trainee = tiers["trainee"]
    services.tier_update(actor=org.admin, tier=trainee, customer_quota=1)
    _assign(org, org.other_rep, trainee, timezone.localdate())
    assert pool_services.customer_quota(pool, org.other_rep) == 1
    assert pool_services.customer_quota(pool, org.rep) == 5  # no tier: the pool's
    pool_services.pool_claim(actor=org.other_rep, customer=customers[0])
    with pytest.raises(ValidationError) as exc:
        pool_services.pool_claim(actor=org.other_rep, customer=customers[1])
    assert "the quota of 1 is reached" in exc.value.messages[0]
    assert Customer.objects.filter(owner=org.other_rep).count() == 1
    # a pool without a quota: the tier's applies; a tier quota of 0 means no limit
    Pool.objects.filter(pk=pool.pk).update(quota=0)
    pool.refresh_from_db()
    assert pool_services.customer_quota(pool, org.other_rep) == 1
    with pytest.raises(ValidationError):
        pool_services.pool_assign(
            actor=org.director, pool=pool, customers=[customers[1]], to_user=org.other_rep
        )
    _assign(org, org.other_rep, tiers["gold"], timezone.localdate())  # correction, quota 0
    assert pool_services.customer_quota(pool, org.other_rep) == 0
    pool_services.pool_assign(
        actor=org.director, pool=pool, customers=[customers[1]], to_user=org.other_rep
    )
    assert Customer.objects.filter(owner=org.other_rep).count() == 2


# ---- goal decomposition by tier multiplier ---------------------------------------------------


def test_tier_method_uses_tier_multipliers(org, tiers):
    third = make_user("third", "rep", org.team_a, org.lead)
    _assign(org, org.rep, tiers["senior"])  # 1.5
    _assign(org, org.lead, tiers["trainee"])  # 0.5
    # third: no tier → 1; other_rep in Team B is outside the Team A goal
    goal = target_services.goal_create(
        actor=org.director,
        name="Team A",
        metric="signed_amount",
        owner_kind="unit",
        unit=org.team_a.pk,
        period_kind="year",
        year=2026,
        target_value="30000.00",
    )
    goal = target_services.goal_decompose(
        actor=org.director, goal=goal, method="tier", weights={str(third.pk): "2"}
    )
    periods = dict(
        GoalPart.objects.filter(goal=goal, granularity=Granularity.PERIOD)
        .exclude(owner_user=None)
        .values_list("owner_user__username", "amount")
    )
    # weights 1.5 + 0.5 + 2 (explicit) = 4 → 11,250 / 3,750 / 15,000
    assert periods == {
        "rep": Decimal("11250.00"),
        "lead": Decimal("3750.00"),
        "third": Decimal("15000.00"),
    }
    assert goal.split_weights == {
        str(org.rep.pk): "1.500",
        str(org.lead.pk): "0.500",
        str(third.pk): "2",
    }


def test_tier_method_without_tiers_is_equal(org):
    goal = target_services.goal_create(
        actor=org.director,
        name="Team A",
        metric="signed_amount",
        owner_kind="unit",
        unit=org.team_a.pk,
        period_kind="year",
        year=2026,
        target_value="30000.00",
    )
    target_services.goal_decompose(actor=org.director, goal=goal, method="tier")
    amounts = set(
        GoalPart.objects.filter(goal=goal, granularity=Granularity.PERIOD)
        .exclude(owner_user=None)
        .values_list("amount", flat=True)
    )
    assert amounts == {Decimal("15000.00")}


# ---- KPI schemes per tier --------------------------------------------------------------------


def test_scheme_tier_must_name_a_tier(org, tiers):
    rep_role = Role.objects.get(code="rep").pk
    with pytest.raises(ValidationError) as exc:
        perf_services.kpi_scheme_create(actor=org.admin, role=rep_role, tier_id=99999, **SCHEME)
    assert exc.value.message_dict == {"tier_id": ["Select a sales tier."]}
    scheme = perf_services.kpi_scheme_create(
        actor=org.admin, role=rep_role, tier_id=tiers["gold"].pk, **SCHEME
    )
    assert scheme.tier_id == tiers["gold"].pk


def test_people_are_scored_by_their_tiers_scheme(org, tiers):
    rep_role = Role.objects.get(code="rep").pk
    third = make_user("third", "rep", org.team_a, org.lead)
    general = perf_services.kpi_scheme_create(actor=org.admin, role=rep_role, **SCHEME)
    gold = perf_services.kpi_scheme_create(
        actor=org.admin, role=rep_role, tier_id=tiers["gold"].pk, **{**SCHEME, "name": "Gold"}
    )
    _assign(org, org.rep, tiers["gold"])
    _assign(org, org.other_rep, tiers["senior"])  # senior has no scheme: the general one
    fact(org.rep, "signed", date(2026, 3, 5), 100000, 1)
    march = date(2026, 3, 10)
    perf_services.scorecards_compute(actor=org.admin, scheme=general, day=march)
    perf_services.scorecards_compute(actor=org.admin, scheme=gold, day=march)

    def people(scheme):
        return set(
            Scorecard.objects.filter(scheme=scheme, subject_kind="user").values_list(
                "owner__username", flat=True
            )
        )

    assert people(general) == {"other_rep", third.username}
    assert people(gold) == {"rep"}
    card = Scorecard.objects.get(scheme=gold, owner=org.rep)
    assert (card.rank, card.ranked_of) == (1, 1)
