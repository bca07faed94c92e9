"""Goal services (TGT-1, TGT-2) with exact values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesdesk.core.locking import StaleEditError
from salesdesk.org import services as org_services
from salesdesk.targets import services
from salesdesk.targets.models import Goal, GoalPart, Granularity
from tests.conftest import make_user


def _company_goal(org, target="1000000.00", metric="signed_amount", **kwargs):
    return services.goal_create(
        actor=org.admin,
        name="2026 公司签约目标",
        metric=metric,
        owner_kind="company",
        period_kind="year",
        year=2026,
        target_value=target,
        **kwargs,
    )


def _sums(goal, **filters):
    out = {}
    for g in Granularity.values:
        parts = GoalPart.objects.filter(goal=goal, granularity=g, **filters)
        out[g] = sum((p.amount for p in parts), Decimal(0))
    return out


def _period(goal, user):
    return GoalPart.objects.get(goal=goal, granularity=Granularity.PERIOD, owner_user=user).amount


def test_create_resolves_the_period_and_owner(org):
    goal = services.goal_create(
        actor=org.director,
        name="Q2 Team A",
        metric="contract_count",
        owner_kind="unit",
        unit=org.team_a.pk,
        period_kind="quarter",
        year=2026,
        quarter=2,
        target_value="120",
    )
    assert (goal.period_start, goal.period_end) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (goal.org_unit, goal.owner, goal.created_by) == (org.team_a, org.director, org.director)
    assert goal.target_value == Decimal("120.00")
    assert goal.status == "draft"


@pytest.mark.parametrize(
    "fields,error_field",
    [
        ({"metric": "nope"}, "metric"),
        ({"target_value": "-1"}, "target_value"),
        ({"target_value": "1.005"}, "target_value"),
        ({"metric": "won_deals", "target_value": "1.5"}, "target_value"),
        ({"metric": "win_rate", "target_value": "101"}, "target_value"),
        ({"name": "  "}, "name"),
        ({"period_kind": "month", "month": 13}, "month"),
    ],
)
def test_bad_input_is_refused_with_a_field_error_and_changes_nothing(org, fields, error_field):
    data = {
        "name": "x",
        "metric": "signed_amount",
        "owner_kind": "company",
        "period_kind": "year",
        "year": 2026,
        "target_value": "10",
        **fields,
    }
    with pytest.raises(ValidationError) as exc:
        services.goal_create(actor=org.admin, **data)
    assert error_field in exc.value.message_dict
    assert Goal.all_objects.count() == 0


def test_company_goals_need_the_company_in_scope_and_reps_set_none(org):
    with pytest.raises(ValidationError) as exc:
        services.goal_create(
            actor=org.director,
            name="x",
            metric="signed_amount",
            owner_kind="company",
            period_kind="year",
            year=2026,
            target_value="1",
        )
    assert "owner_kind" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.goal_create(
            actor=org.rep,
            name="x",
            metric="signed_amount",
            owner_kind="user",
            user=org.rep.pk,
            period_kind="year",
            year=2026,
            target_value="1",
        )
    with pytest.raises(ValidationError) as exc:  # a lead cannot reach another team's rep
        services.goal_create(
            actor=org.lead,
            name="x",
            metric="signed_amount",
            owner_kind="user",
            user=org.other_rep.pk,
            period_kind="year",
            year=2026,
            target_value="1",
        )
    assert "user" in exc.value.message_dict
    assert Goal.all_objects.count() == 0


def test_equal_decomposition_exact_to_the_cent(org):
    goal = services.goal_decompose(
        actor=org.admin, goal=_company_goal(org, "1000000.01"), method="equal"
    )
    # Sales people: lead and rep (Team A), other_rep (Team B); the deactivated user is left out.
    # East splits 2:1 (Team B has the larger remainder), Team A equally (the lower id first).
    assert [_period(goal, u) for u in (org.rep, org.lead, org.other_rep)] == [
        Decimal("333333.33"),
        Decimal("333333.34"),
        Decimal("333333.34"),
    ]
    team_a = GoalPart.objects.get(
        goal=goal, granularity=Granularity.PERIOD, owner_unit=org.team_a, owner_user=None
    )
    assert team_a.amount == Decimal("666666.67")
    sums = _sums(goal)
    assert sums[Granularity.PERIOD] == Decimal("1000000.01") * 4  # company, East, team, person
    for g in (Granularity.QUARTER, Granularity.MONTH, Granularity.WEEK, Granularity.DAY):
        assert sums[g] == Decimal("1000000.01")
    # 2026 has 248 working days in China (holidays and make-up days applied).
    assert (
        GoalPart.objects.filter(goal=goal, granularity=Granularity.DAY, owner_user=org.rep).count()
        == 248
    )
    assert (
        not GoalPart.objects.filter(goal=goal, start=date(2026, 10, 1))
        .filter(granularity=Granularity.DAY)
        .exists()
    )  # National Day
    assert goal.version == 2 and goal.split_method == "equal"


def test_custom_weights_and_seasonality(org):
    goal = _company_goal(org, "1200.00")
    goal = services.goal_decompose(
        actor=org.admin,
        goal=goal,
        method="custom",
        weights={str(org.rep.pk): "3", str(org.lead.pk): "1", str(org.other_rep.pk): "0"},
        seasonality="custom",
        seasonality_weights=[1] * 6 + [0] * 6,
    )
    assert [_period(goal, u) for u in (org.rep, org.lead, org.other_rep)] == [
        Decimal("900.00"),
        Decimal("300.00"),
        Decimal("0.00"),
    ]
    months = GoalPart.objects.filter(goal=goal, granularity=Granularity.MONTH, owner_user=org.rep)
    assert sum(m.amount for m in months if m.start.month > 6) == 0
    assert sum(m.amount for m in months) == Decimal("900.00")


def test_count_metrics_split_in_whole_numbers(org):
    goal = services.goal_decompose(
        actor=org.admin, goal=_company_goal(org, "100", metric="contract_count")
    )
    assert [_period(goal, u) for u in (org.rep, org.lead, org.other_rep)] == [33, 34, 33]
    assert all(p.amount == p.amount.to_integral() for p in GoalPart.objects.filter(goal=goal))


def test_ratio_metrics_are_copied(org):
    goal = services.goal_decompose(
        actor=org.admin, goal=_company_goal(org, "35.50", metric="win_rate")
    )
    assert set(GoalPart.objects.filter(goal=goal).values_list("amount", flat=True)) == {
        Decimal("35.50")
    }


def test_editing_a_part_rebalances_siblings_or_changes_the_total(org):
    goal = services.goal_decompose(actor=org.admin, goal=_company_goal(org, "3000.00"))
    jan = GoalPart.objects.get(
        goal=goal, granularity=Granularity.MONTH, owner_user=org.rep, start=date(2026, 1, 1)
    )
    feb_mar_before = list(
        GoalPart.objects.filter(
            goal=goal, granularity=Granularity.MONTH, owner_user=org.rep, start__month__in=(2, 3)
        ).values_list("amount", flat=True)
    )
    assert jan.amount + sum(feb_mar_before) == Decimal("237.90")  # rep's Q1 (59 of 248 days)
    goal = services.part_set_amount(
        actor=org.admin,
        goal=goal,
        part_id=jan.pk,
        amount="100.00",
        mode="siblings",
        expected_version=goal.version,
    )
    q1 = GoalPart.objects.get(pk=jan.parent_id)
    assert q1.amount == Decimal("237.90")
    months = GoalPart.objects.filter(parent=q1).order_by("start")
    assert months[0].amount == Decimal("100.00")
    assert sum(m.amount for m in months) == Decimal("237.90")
    assert sum(p.amount for p in GoalPart.objects.filter(parent_id=jan.pk)) == Decimal(
        "100.00"
    )  # the weeks follow
    assert _sums(goal)[Granularity.DAY] == Decimal("3000.00")

    with pytest.raises(ValidationError) as exc:
        services.part_set_amount(
            actor=org.admin, goal=goal, part_id=jan.pk, amount="150.00", mode="total"
        )
    assert "confirm_total" in exc.value.message_dict
    goal = services.part_set_amount(
        actor=org.admin,
        goal=goal,
        part_id=jan.pk,
        amount="150.00",
        mode="total",
        confirm_total="3050.00",
    )
    assert goal.target_value == Decimal("3050.00")
    sums = _sums(goal)
    assert sums[Granularity.DAY] == Decimal("3050.00") and sums[Granularity.MONTH] == Decimal(
        "3050.00"
    )
    assert _period(goal, org.rep) == Decimal("1050.00")
    with pytest.raises(StaleEditError):
        services.part_set_amount(
            actor=org.admin, goal=goal, part_id=jan.pk, amount="1", expected_version=2
        )


def test_siblings_cannot_give_more_than_they_have(org):
    goal = services.goal_decompose(actor=org.admin, goal=_company_goal(org, "300.00"))
    person = GoalPart.objects.get(goal=goal, granularity=Granularity.PERIOD, owner_user=org.rep)
    with pytest.raises(ValidationError):
        services.part_set_amount(
            actor=org.admin, goal=goal, part_id=person.pk, amount="1000.00", mode="siblings"
        )
    assert _period(goal, org.rep) == Decimal("100.00")


def test_rebalance_when_a_rep_leaves_and_one_joins(org):
    goal = services.goal_decompose(actor=org.admin, goal=_company_goal(org, "2480.00"))
    org_services.user_deactivate(actor=org.admin, user=org.rep)
    newbie = make_user("newbie", "rep", org.team_a, org.lead)
    needs = services.rebalance_needs(goal, date(2026, 7, 1))
    assert [(n.unit_id, n.leavers, n.joiners) for n in needs] == [
        (org.team_a.pk, [org.rep.pk], [newbie.pk])
    ]
    services.goal_rebalance(actor=org.admin, goal=goal, from_date=date(2026, 7, 1))
    goal.refresh_from_db()
    rep_days = GoalPart.objects.filter(goal=goal, granularity=Granularity.DAY, owner_user=org.rep)
    assert all(p.amount == 0 for p in rep_days if p.start >= date(2026, 7, 1))
    rep_h1 = sum(p.amount for p in rep_days if p.start < date(2026, 7, 1))
    assert _period(goal, org.rep) == rep_h1
    team_a = GoalPart.objects.get(
        goal=goal, granularity=Granularity.PERIOD, owner_unit=org.team_a, owner_user=None
    )
    assert team_a.amount == Decimal("1653.33")  # unchanged
    assert _period(goal, org.rep) + _period(goal, org.lead) + _period(goal, newbie) == Decimal(
        "1653.33"
    )
    assert _period(goal, newbie) > 0
    sums = _sums(goal)
    assert all(sums[g] == Decimal("2480.00") for g in Granularity.values if g)
    assert services.rebalance_needs(goal, date(2026, 7, 1)) == []


def test_delete_and_restore_through_the_recycle_bin(org):
    goal = _company_goal(org)
    with pytest.raises(PermissionDenied):
        services.goal_delete(actor=org.lead, goal=goal)
    services.goal_delete(actor=org.admin, goal=goal)
    assert not Goal.objects.filter(pk=goal.pk).exists()
    services.goal_restore(actor=org.admin, goal=goal)
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_access_rules_of_edits(org, manager):
    rep_goal = services.goal_create(
        actor=org.lead,
        name="rep",
        metric="won_amount",
        owner_kind="user",
        user=org.rep.pk,
        period_kind="month",
        year=2026,
        month=3,
        target_value="5000",
    )
    assert rep_goal.owner == org.rep and rep_goal.org_unit == org.team_a
    with pytest.raises(PermissionDenied):  # the rep sees it, may not change it
        services.goal_update(actor=org.rep, goal=rep_goal, target_value="1")
    with pytest.raises(Goal.DoesNotExist):  # out of the Team B manager's scope
        services.goal_update(actor=manager, goal=rep_goal, target_value="1")
    with pytest.raises(PermissionDenied):
        services.goal_update(actor=org.other_rep, goal=rep_goal, target_value="1")
    rep_goal.refresh_from_db()
    assert rep_goal.target_value == Decimal("5000.00") and rep_goal.version == 1
    updated = services.goal_update(
        actor=org.director, goal=rep_goal, expected_version=1, target_value="6000"
    )
    assert updated.target_value == Decimal("6000.00") and updated.version == 2
    with pytest.raises(StaleEditError):
        services.goal_update(actor=org.lead, goal=rep_goal, expected_version=1, name="y")


def test_update_of_a_decomposed_goal_splits_it_again(org):
    goal = services.goal_decompose(actor=org.admin, goal=_company_goal(org, "300.00"))
    goal = services.goal_update(actor=org.admin, goal=goal, target_value="600.00")
    assert _sums(goal)[Granularity.DAY] == Decimal("600.00")
    assert _period(goal, org.rep) == Decimal("200.00")


def test_achievability_against_trend_and_pipeline(org):
    result = services.achievability(
        actor=org.admin,
        metric_key="won_amount",
        owner_kind="company",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        target_value="1000",
        today=date(2026, 3, 1),
    )
    assert [(s, e, v) for s, e, v in result.previous] == [
        (date(2025, 1, 1), date(2025, 12, 31), Decimal("0.00")),
        (date(2024, 1, 1), date(2024, 12, 31), Decimal("0.00")),
    ]
    assert (result.actual_to_date, result.gap, result.pipeline) == (
        Decimal("0.00"),
        Decimal("1000.00"),
        Decimal("0.00"),
    )
    assert result.coverage == Decimal("0.00")
    assert result.verdict == "unlikely"
    other = services.achievability(
        actor=org.admin,
        metric_key="satisfaction",
        owner_kind="company",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        target_value="4.5",
    )
    assert other.verdict == "unknown" and other.previous == []
