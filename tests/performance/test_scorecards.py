"""Scorecards against hand-computed examples; the publish/lock state machine; scheme rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesdesk.core.locking import StaleEditError
from salesdesk.org.models import Role
from salesdesk.performance import scoring, services
from salesdesk.performance.models import KpiScheme, Scorecard
from tests.performance.conftest import MARCH, SCHEME, fact

pytestmark = pytest.mark.django_db


def _card(scheme, user=None, unit=None):
    if unit is not None:
        return Scorecard.objects.get(scheme=scheme, subject_kind="unit", subject_unit=unit)
    return Scorecard.objects.get(scheme=scheme, subject_kind="user", owner=user)


def _lines(card):
    return {
        line["metric"]: (line["actual"], line["score"], line["weighted"]) for line in card.lines
    }


def test_scorecards_match_the_hand_computed_example(org, third, scheme, march_facts):
    result = services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    assert (result.created, result.recomputed, result.frozen) == (5, 0, 0)  # 3 reps, 2 teams

    rep = _card(scheme, org.rep)
    # signed 130,000 / 100,000 = 130 → capped 120 → × 50 % = 60; new customers peer (5−2)/(8−2)
    # = 50 → × 30 % = 15; cycle 45 days, lower is better: 30/45 = 66.67 → × 20 % = 13.33.
    assert _lines(rep) == {
        "signed_amount": ("130000.00", "120.00", "60.00"),
        "new_customers": ("5", "50.00", "15.00"),
        "sales_cycle_days": ("45.00", "66.67", "13.33"),
    }
    assert (rep.total_score, rep.grade, rep.rank, rep.ranked_of) == (Decimal("88.33"), "A", 1, 3)
    other = _card(scheme, org.other_rep)
    # 80 → 40; peer minimum → 0; 30/20 = 150 → capped 120 → 24.
    assert _lines(other)["sales_cycle_days"] == ("20.00", "120.00", "24.00")
    assert (other.total_score, other.grade, other.rank) == (Decimal("64.00"), "C", 2)
    mine = _card(scheme, third)
    # 50 → 25; peer maximum → 100 → 30; no won deal: no cycle figure → 0.
    assert _lines(mine)["sales_cycle_days"] == (None, "0.00", "0.00")
    assert (mine.total_score, mine.grade, mine.rank) == (Decimal("55.00"), "D", 3)

    team_a = _card(scheme, unit=org.team_a)
    # Team A: 180,000 against 2 × 100,000 = 90 → 45; 13 vs 2 new customers → 100 → 30;
    # cycle 45 days → 13.33.
    assert _lines(team_a)["signed_amount"] == ("180000.00", "90.00", "45.00")
    assert (team_a.total_score, team_a.grade, team_a.rank) == (Decimal("88.33"), "A", 1)
    team_b = _card(scheme, unit=org.team_b)
    assert (team_b.total_score, team_b.grade, team_b.rank) == (Decimal("64.00"), "C", 2)


def test_scoring_rules():
    cap = Decimal(120)
    assert scoring.target_score(None, Decimal(10), lower_is_better=False, cap=cap) == 0
    assert scoring.target_score(Decimal(0), Decimal(10), lower_is_better=True, cap=cap) == cap
    assert (
        scoring.peer_score(Decimal(3), Decimal(3), Decimal(3), lower_is_better=False, cap=cap)
        == 100
    )
    assert (
        scoring.peer_score(Decimal(2), Decimal(2), Decimal(8), lower_is_better=True, cap=cap) == 100
    )
    bands = {"S": "100", "A": "85", "B": "70", "C": "60"}
    assert [
        scoring.grade_for(Decimal(t), bands) for t in ("100", "99.99", "85", "70", "60", "59.99")
    ] == [
        "S",
        "A",
        "A",
        "B",
        "C",
        "D",
    ]
    values = [Decimal(5), Decimal(7), None, Decimal(7), Decimal(1)]
    assert scoring.competition_ranks(values, lambda v: v) == {0: 3, 1: 1, 2: None, 3: 1, 4: 4}
    assert scoring.competition_ranks(values, lambda v: v, descending=False) == {
        0: 2,
        1: 3,
        2: None,
        3: 3,
        4: 1,
    }


def test_drafts_recompute_published_and_locked_are_frozen(org, third, scheme, march_facts):
    services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    rep = _card(scheme, org.rep)
    services.scorecard_publish(actor=org.director, scorecard=rep, expected_version=rep.version)
    fact(org.rep, "new_customer", MARCH.replace(day=11), 0, 3)  # rep: 8 new customers now
    fact(third, "cycle", MARCH, 15, 1)
    result = services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    assert (result.created, result.recomputed, result.frozen) == (0, 4, 1)
    rep.refresh_from_db()
    assert (rep.status, rep.total_score, _lines(rep)["new_customers"][0]) == (
        "published",
        Decimal("88.33"),
        "5",
    )
    mine = _card(scheme, third)
    # the draft moved: cycle 15 days → 30/15 = 200 → 120 → 24; total 25 + 30 + 24 = 79 → B.
    assert (mine.total_score, mine.grade) == (Decimal("79.00"), "B")

    services.scorecard_lock(actor=org.director, scorecard=rep)
    rep.refresh_from_db()
    before = (rep.status, rep.feedback, rep.version, rep.total_score)
    with pytest.raises(ValidationError):
        services.scorecard_feedback(actor=org.director, scorecard=rep, feedback="Well done")
    with pytest.raises(ValidationError):
        services.scorecard_publish(actor=org.director, scorecard=rep)
    with pytest.raises(ValidationError):
        services.scorecard_lock(actor=org.director, scorecard=rep)
    services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    rep.refresh_from_db()
    assert (rep.status, rep.feedback, rep.version, rep.total_score) == before


def test_draft_cannot_be_locked_and_feedback_is_optimistic_locked(org, third, scheme, march_facts):
    services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    card = _card(scheme, third)
    with pytest.raises(ValidationError):
        services.scorecard_lock(actor=org.director, scorecard=card)
    services.scorecard_feedback(
        actor=org.director,
        scorecard=card,
        feedback="多拜访 Visit more",
        expected_version=card.version,
    )
    with pytest.raises(StaleEditError):
        services.scorecard_feedback(
            actor=org.director, scorecard=card, feedback="x", expected_version=card.version
        )
    card.refresh_from_db()
    assert card.feedback == "多拜访 Visit more"


def test_scope_and_permission_of_scorecard_writes(org, third, scheme, march_facts, manager):
    # the manager of Team B computes only Team B's people and team
    result = services.scorecards_compute(actor=manager, scheme=scheme, day=MARCH)
    assert result.created == 2
    assert set(Scorecard.objects.values_list("owner_id", "subject_kind")) == {
        (org.other_rep.pk, "user"),
        (manager.pk, "unit"),
    }
    services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    rep = _card(scheme, org.rep)
    with pytest.raises(Scorecard.DoesNotExist):
        services.scorecard_publish(actor=manager, scorecard=rep)
    with pytest.raises(PermissionDenied):
        services.scorecards_compute(actor=org.lead, scheme=scheme, day=MARCH)
    with pytest.raises(PermissionDenied):
        services.scorecard_publish(actor=org.lead, scorecard=rep)
    with pytest.raises(PermissionDenied):
        services.scorecard_feedback(actor=org.rep, scorecard=rep, feedback="great me")
    rep.refresh_from_db()
    assert (rep.status, rep.feedback) == ("draft", "")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"metrics": [{"metric": "signed_amount", "weight": "90", "target": "1"}]}, "metrics"),
        ({"metrics": [{"metric": "nope", "weight": "100", "target": "1"}]}, "metrics"),
        ({"metrics": [{"metric": "signed_amount", "weight": "100"}]}, "metrics"),
        ({"grade_bands": {"S": "80", "A": "85", "B": "70", "C": "60"}}, "grade_bands"),
        ({"grade_bands": {"S": "130", "A": "85", "B": "70", "C": "60"}}, "grade_bands"),
        ({"cap": "90"}, "cap"),
        ({"name": " "}, "name"),
    ],
)
def test_invalid_schemes_are_refused_and_change_nothing(org, scheme, change, field):
    with pytest.raises(ValidationError) as error:
        services.kpi_scheme_update(actor=org.admin, scheme=scheme, **change)
    assert field in error.value.message_dict
    assert KpiScheme.objects.get().metrics == scheme.metrics


def test_scheme_edit_is_optimistic_locked_and_delete_goes_to_the_recycle_bin(org, scheme):
    version = scheme.version
    services.kpi_scheme_update(actor=org.admin, scheme=scheme, expected_version=version, cap="150")
    with pytest.raises(StaleEditError):
        services.kpi_scheme_update(
            actor=org.admin, scheme=scheme, expected_version=version, cap="130"
        )
    with pytest.raises(PermissionDenied):
        services.kpi_scheme_update(actor=org.director, scheme=scheme, cap="130")
    services.kpi_scheme_delete(actor=org.admin, scheme=scheme)
    assert not KpiScheme.objects.exists()
    assert KpiScheme.all_objects.get().cap == Decimal("150.00")
    services.kpi_scheme_restore(actor=org.admin, scheme=scheme)
    assert KpiScheme.objects.count() == 1


def test_scheme_roles_and_tier_hook(org):
    scheme = services.kpi_scheme_create(
        actor=org.admin, role=Role.objects.get(code="team_lead"), tier_id=None, **SCHEME
    )
    assert (scheme.role.code, scheme.tier_id, scheme.cap) == ("team_lead", None, Decimal("120.00"))
