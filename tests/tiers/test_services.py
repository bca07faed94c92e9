from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesdesk.core.locking import StaleEditError
from salesdesk.org.models import User
from salesdesk.tiers import services
from salesdesk.tiers.models import ProposalStatus, Tier, TierMembership, TierProposal
from salesdesk.tiers.selectors import tier_of
from tests.tiers.conftest import APRIL_1, MARCH, fact


def test_tier_create_validates_criteria(org, tiers):
    assert tiers["senior"].criteria == [
        {"metric": "signed_amount", "window_months": 3, "min": "300000"},
        {"metric": "win_rate", "window_months": 3, "min": "0.5"},
    ]
    for bad in (
        [{"metric": "nope", "window_months": 1, "min": "1"}],
        [{"metric": "signed_amount", "window_months": 0, "min": "1"}],
        [{"metric": "signed_amount", "window_months": 1, "min": "-1"}],
        [{"metric": "signed_amount", "window_months": 1}],
        "x",
    ):
        with pytest.raises(ValidationError):
            services.tier_create(actor=org.admin, code="x", name="X", rank=9, criteria=bad)
    assert not Tier.objects.filter(code="x").exists()


def test_tier_code_unique_and_configure_needed(org, tiers):
    with pytest.raises(ValidationError):
        services.tier_create(actor=org.admin, code="gold", name="Again", rank=5)
    with pytest.raises(PermissionDenied):
        services.tier_create(actor=org.director, code="new", name="New", rank=5)
    assert Tier.objects.count() == 4


def test_tier_update_optimistic_lock(org, tiers):
    gold = tiers["gold"]
    services.tier_update(actor=org.admin, tier=gold, expected_version=1, customer_quota=10)
    gold.refresh_from_db()
    assert (gold.customer_quota, gold.version) == (10, 2)
    with pytest.raises(StaleEditError):
        services.tier_update(actor=org.admin, tier=gold, expected_version=1, customer_quota=99)
    gold.refresh_from_db()
    assert gold.customer_quota == 10


def test_tier_delete_to_recycle_bin_refused_while_used(org, tiers):
    services.tier_assign(
        actor=org.director, user=org.rep, tier=tiers["gold"], valid_from=date(2026, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.tier_delete(actor=org.admin, tier=tiers["gold"])
    services.tier_delete(actor=org.admin, tier=tiers["senior"])
    assert Tier.all_objects.get(pk=tiers["senior"].pk).deleted_at is not None
    services.tier_restore(actor=org.admin, tier=tiers["senior"])
    assert Tier.objects.get(pk=tiers["senior"].pk).deleted_at is None


def test_tier_assign_keeps_history(org, tiers):
    services.tier_assign(
        actor=org.director, user=org.rep, tier=tiers["trainee"], valid_from=date(2026, 1, 1)
    )
    services.tier_assign(
        actor=org.director,
        user=org.rep,
        tier=tiers["associate"],
        valid_from=date(2026, 3, 1),
        note="good quarter",
    )
    rows = list(
        TierMembership.objects.filter(user=org.rep)
        .order_by("valid_from")
        .values_list("tier__code", "valid_from", "valid_to", "note")
    )
    assert rows == [
        ("trainee", date(2026, 1, 1), date(2026, 3, 1), ""),
        ("associate", date(2026, 3, 1), None, "good quarter"),
    ]
    assert tier_of(org.rep.pk, date(2026, 2, 28)).code == "trainee"
    assert tier_of(org.rep.pk, date(2026, 3, 1)).code == "associate"
    assert tier_of(org.rep.pk, date(2025, 12, 31)) is None
    with pytest.raises(ValidationError):  # before the current stretch
        services.tier_assign(
            actor=org.director, user=org.rep, tier=tiers["gold"], valid_from=date(2026, 2, 1)
        )
    with pytest.raises(ValidationError):  # same tier
        services.tier_assign(
            actor=org.director, user=org.rep, tier=tiers["associate"], valid_from=date(2026, 5, 1)
        )
    assert TierMembership.objects.filter(user=org.rep).count() == 2


def test_tier_assign_permissions_and_scope(org, tiers):
    day = date(2026, 1, 1)
    with pytest.raises(PermissionDenied):  # a team lead does not evaluate
        services.tier_assign(actor=org.lead, user=org.rep, tier=tiers["gold"], valid_from=day)
    with pytest.raises(PermissionDenied):  # a rep neither
        services.tier_assign(actor=org.rep, user=org.rep, tier=tiers["gold"], valid_from=day)
    with pytest.raises(PermissionDenied):  # nobody their own
        services.tier_assign(
            actor=org.director, user=org.director, tier=tiers["gold"], valid_from=day
        )
    from tests.conftest import make_user

    manager = make_user("mgr", "manager", org.team_b, org.director)
    with pytest.raises(User.DoesNotExist):  # Team A is outside a Team B manager's scope
        services.tier_assign(actor=manager, user=org.rep, tier=tiers["gold"], valid_from=day)
    services.tier_assign(actor=manager, user=org.other_rep, tier=tiers["gold"], valid_from=day)
    assert TierMembership.objects.count() == 1


@pytest.fixture
def quarter_facts(org):
    """Jan–Mar 2026. rep: 350,000 signed, 3 won 1 lost (0.75) → senior (gold needs 500,000 in
    March alone: 200,000). other_rep: 120,000, 1 won 3 lost → associate. lead: nothing →
    trainee."""
    fact(org.rep, "signed", date(2026, 1, 10), 150000, 1)
    fact(org.rep, "signed", MARCH, 200000, 1)
    fact(org.rep, "won", date(2026, 2, 3), 0, 3)
    fact(org.rep, "lost", MARCH, 0, 1)
    fact(org.rep, "signed", date(2025, 12, 31), 900000, 1)  # outside every window
    fact(org.other_rep, "signed", date(2026, 2, 1), 120000, 1)
    fact(org.other_rep, "won", MARCH, 0, 1)
    fact(org.other_rep, "lost", MARCH, 0, 3)


def _proposals():
    return {
        p.user.username: (
            getattr(p.current_tier, "code", None),
            p.proposed_tier.code,
            p.direction,
            p.status,
        )
        for p in TierProposal.objects.select_related("user", "current_tier", "proposed_tier")
    }


def test_review_rule_exact(org, tiers, quarter_facts):
    services.tier_assign(
        actor=org.director, user=org.other_rep, tier=tiers["gold"], valid_from=date(2026, 1, 1)
    )
    services.tier_assign(
        actor=org.director, user=org.lead, tier=tiers["trainee"], valid_from=date(2026, 1, 1)
    )
    result = services.review_compute(day=MARCH)
    review = result.review
    assert (review.period_start, review.period_end, review.effective_from) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        APRIL_1,
    )
    # lead: trainee qualifies trainee → no proposal; the deactivated rep is not reviewed.
    assert _proposals() == {
        "rep": (None, "senior", "first", "proposed"),
        "other_rep": ("gold", "associate", "demote", "proposed"),
    }
    rep = TierProposal.objects.get(user=org.rep)
    assert rep.reasons == [
        {
            "tier": "senior",
            "metric": "signed_amount",
            "window_months": 3,
            "actual": "350000.00",
            "min": "300000",
            "met": True,
        },
        {
            "tier": "senior",
            "metric": "win_rate",
            "window_months": 3,
            "actual": "0.7500",
            "min": "0.5",
            "met": True,
        },
    ]
    other = TierProposal.objects.get(user=org.other_rep)
    assert other.reasons[-1] == {
        "tier": "gold",
        "metric": "signed_amount",
        "window_months": 1,
        "actual": "0.00",
        "min": "500000",
        "met": False,
    }
    assert (result.created, result.refreshed, result.withdrawn) == (2, 0, 0)


def test_review_recompute_is_idempotent(org, tiers, quarter_facts):
    services.review_compute(day=MARCH)
    rep_id = TierProposal.objects.get(user=org.rep).pk
    services.proposals_reject(actor=org.director, proposal_ids=[rep_id])
    fact(org.other_rep, "signed", date(2026, 3, 20), 200000, 1)  # 320,000
    fact(org.other_rep, "won", date(2026, 3, 20), 0, 3)  # 4 won, 3 lost: 0.5714 → senior
    result = services.review_compute(day=date(2026, 3, 31))
    # the lead (no tier, nothing met) is proposed the entry tier, refreshed unchanged
    assert (result.created, result.refreshed, result.kept) == (0, 2, 1)
    assert _proposals() == {
        "rep": (None, "senior", "first", "rejected"),
        "other_rep": (None, "senior", "first", "proposed"),
        "lead": (None, "trainee", "first", "proposed"),
    }
    services.review_compute(day=MARCH)
    assert TierProposal.objects.count() == 3


def test_confirm_assigns_from_effective_date_and_reject_records(org, tiers, quarter_facts):
    services.tier_assign(
        actor=org.director, user=org.other_rep, tier=tiers["gold"], valid_from=date(2026, 1, 1)
    )
    services.review_compute(day=MARCH)
    ids = dict(TierProposal.objects.values_list("user__username", "pk"))
    assert set(ids) == {"rep", "other_rep", "lead"}
    with pytest.raises(PermissionDenied):
        services.proposals_confirm(actor=org.lead, proposal_ids=[ids["rep"]])
    assert services.proposals_confirm(actor=org.director, proposal_ids=list(ids.values())) == 3
    assert tier_of(org.rep.pk, date(2026, 3, 31)) is None
    assert tier_of(org.rep.pk, APRIL_1).code == "senior"
    assert tier_of(org.other_rep.pk, date(2026, 3, 31)).code == "gold"
    assert tier_of(org.other_rep.pk, APRIL_1).code == "associate"
    p = TierProposal.objects.get(pk=ids["rep"])
    assert (p.status, p.decided_by) == (ProposalStatus.CONFIRMED, org.director)
    with pytest.raises(ValidationError):  # already decided
        services.proposals_reject(actor=org.director, proposal_ids=[ids["rep"]])
    # a recompute keeps the decided ones and proposes nothing new (tiers now match)
    result = services.review_compute(day=MARCH)
    assert (result.created, result.kept) == (0, 3)


def test_reject_out_of_scope_changes_nothing(org, tiers, quarter_facts):
    from tests.conftest import make_user

    services.review_compute(day=MARCH)
    manager = make_user("mgr", "manager", org.team_b, org.director)
    ids = list(TierProposal.objects.values_list("pk", flat=True))
    with pytest.raises(TierProposal.DoesNotExist):
        services.proposals_reject(actor=manager, proposal_ids=ids)
    assert set(TierProposal.objects.values_list("status", flat=True)) == {"proposed"}
    other = TierProposal.objects.get(user=org.other_rep)
    other = services.proposal_reject(actor=manager, proposal=other)
    assert (other.status, other.decided_by, other.decided_at is not None) == (
        "rejected",
        manager,
        True,
    )


def test_review_without_tiers_proposes_nothing(org):
    result = services.review_compute(day=MARCH)
    assert result.created == 0 and TierProposal.objects.count() == 0


def test_window_start():
    assert services.window_start(date(2026, 3, 1), 3) == date(2026, 1, 1)
    assert services.window_start(date(2026, 2, 1), 3) == date(2025, 12, 1)
    assert services.window_start(date(2026, 2, 1), 1) == date(2026, 2, 1)
