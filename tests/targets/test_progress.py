"""Goal progress (TGT-3, D47): hand-computed figures (working days with the Labour Day holidays
and the 9 May 2026 make-up working day), a won deal moving a goal, ratio metrics, parts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from salesdesk.metrics.sources import add_rows
from salesdesk.pipeline import services as deals
from salesdesk.pipeline.models import Reason
from salesdesk.targets import progress, services
from tests.customers.conftest import make_customer
from tests.pipeline.conftest import ensure_default_pipeline

pytestmark = pytest.mark.django_db

# May 2026: 1, 4 and 5 May are holidays, Saturday 9 May is a make-up working day, so May has
# 19 working days (6–9, 11–15, 18–22, 25–29); by Monday 11 May 5 of them have elapsed.
TODAY = date(2026, 5, 11)


def fact(fact, owner, day, value="0", count=1):
    add_rows([(fact, owner.pk, owner.unit_id, day, value, count)])


def month_goal(org, metric="signed_amount", target="19000.00", user=None):
    return services.goal_create(
        actor=org.director,
        name=f"May {metric}",
        metric=metric,
        owner_kind="user",
        user=(user or org.rep).pk,
        period_kind="month",
        year=2026,
        month=5,
        target_value=target,
        status="active",
    )


def test_additive_figures_are_exact_over_working_days(org):
    fact("signed", org.rep, date(2026, 5, 6), "3000.00")
    fact("signed", org.rep, date(2026, 5, 9), "1000.50")  # the make-up Saturday
    fact("signed", org.other_rep, date(2026, 5, 7), "99999.00")  # someone else's
    goal = month_goal(org)
    f = progress.goal_progress(goal, today=TODAY)
    assert (f.working_days, f.days_elapsed, f.days_left) == (19, 5, 14)
    assert f.actual == Decimal("4000.50")
    assert f.elapsed == Decimal("26.3")  # 5 / 19
    assert f.attainment == Decimal("21.1")  # 4,000.50 / 19,000
    assert f.gap == Decimal("14999.50")
    assert f.run_rate == Decimal("1071.39")  # 14,999.50 / 14
    assert f.projection == Decimal("15201.90")  # 4,000.50 / 5 × 19
    assert f.status == progress.Status.BEHIND  # 21.1 − 26.3 = −5.2 < −5


def test_status_margin_is_configurable(org, settings):
    fact("signed", org.rep, date(2026, 5, 6), "4000.50")
    goal = month_goal(org)
    settings.SALESDESK_PROGRESS_MARGIN = "6"
    assert progress.goal_progress(goal, today=TODAY).status == progress.Status.ON_TRACK
    settings.SALESDESK_PROGRESS_MARGIN = "5"
    assert progress.goal_progress(goal, today=TODAY).status == progress.Status.BEHIND
    fact("signed", org.rep, date(2026, 5, 8), "2000.00")  # 31.6 % vs 26.3 %
    assert progress.goal_progress(goal, today=TODAY).status == progress.Status.AHEAD


def test_before_and_after_the_period(org):
    goal = month_goal(org)
    before = progress.goal_progress(goal, today=date(2026, 4, 30))
    assert (before.elapsed, before.days_elapsed, before.projection) == (Decimal(0), 0, None)
    assert before.run_rate == Decimal("1000.00")  # 19,000 / 19
    assert before.status == progress.Status.ON_TRACK
    after = progress.goal_progress(goal, today=date(2026, 6, 3))
    assert (after.elapsed, after.days_left, after.run_rate) == (Decimal(100), 0, None)
    assert after.projection == Decimal("0.00")
    assert after.status == progress.Status.BEHIND


def test_ratio_metric_is_the_period_ratio_without_run_rate(org):
    goal = month_goal(org, metric="win_rate", target="50.00")
    f = progress.goal_progress(goal, today=TODAY)
    assert (f.actual, f.attainment, f.status) == (None, None, progress.Status.NO_DATA)
    fact("won", org.rep, date(2026, 5, 6), "100.00")
    fact("lost", org.rep, date(2026, 5, 7), "50.00", count=2)
    f = progress.goal_progress(goal, today=TODAY)
    assert f.actual == Decimal("33.33")  # 1 ÷ (1 + 2), as a percentage
    assert f.attainment == Decimal("66.7")
    assert f.gap == Decimal("16.67")
    assert (f.run_rate, f.projection, f.additive) == (None, None, False)
    assert f.status == progress.Status.BEHIND


def test_unit_goal_includes_sub_units_and_company_everything(org):
    fact("signed", org.rep, date(2026, 5, 6), "100.00")  # Team A, under East
    fact("signed", org.other_rep, date(2026, 5, 6), "20.00")  # Team B
    fact("signed", org.director, date(2026, 5, 6), "3.00")  # East
    fact("signed", org.admin, date(2026, 5, 6), "4.00")  # HQ, above East
    east = services.goal_create(
        actor=org.admin,
        name="East",
        metric="signed_amount",
        owner_kind="unit",
        unit=org.east.pk,
        period_kind="month",
        year=2026,
        month=5,
        target_value="1000",
    )
    company = services.goal_create(
        actor=org.admin,
        name="Company",
        metric="signed_amount",
        owner_kind="company",
        period_kind="month",
        year=2026,
        month=5,
        target_value="1000",
    )
    actuals = progress.Actuals()
    east_f = progress.goal_progress(east, today=TODAY, actuals=actuals)
    company_f = progress.goal_progress(company, today=TODAY, actuals=actuals)
    assert east_f.actual == Decimal("123.00")  # Team A, Team B and East itself
    assert company_f.actual == Decimal("127.00")  # everything


def test_watch_progress_move_after_a_won_deal(org):
    ensure_default_pipeline()
    today = timezone.localdate()
    goal = services.goal_create(
        actor=org.director,
        name="Won this year",
        metric="won_amount",
        owner_kind="user",
        user=org.rep.pk,
        period_kind="year",
        year=today.year,
        target_value="100000.00",
        status="active",
    )
    before = progress.goal_progress(goal, today=today)
    customer = make_customer(org.rep, "进度客户")
    deal = deals.opportunity_create(
        actor=org.rep, customer=customer, owner=org.rep, title="大单", amount=Decimal("12345.67")
    )
    deals.opportunity_win(
        actor=org.rep, opportunity=deal, reason=Reason.objects.filter(kind="won").first()
    )
    after = progress.goal_progress(goal, today=today)
    assert after.actual - before.actual == Decimal("12345.67")
    assert after.gap == before.gap - Decimal("12345.67")
    assert after.attainment == (after.actual * 100 / Decimal("100000.00")).quantize(Decimal("0.1"))
    assert after.attainment - before.attainment == Decimal("12.3")


def test_breakdown_of_a_decomposed_goal(org):
    goal = services.goal_create(
        actor=org.admin,
        name="Team A May",
        metric="signed_amount",
        owner_kind="unit",
        unit=org.team_a.pk,
        period_kind="month",
        year=2026,
        month=5,
        target_value="3800.00",
    )
    services.goal_decompose(actor=org.admin, goal=goal, method="equal", seasonality="working_days")
    goal.refresh_from_db()
    fact("signed", org.rep, date(2026, 5, 6), "300.00")
    fact("signed", org.rep, date(2026, 5, 12), "50.00")
    b = progress.goal_breakdown(goal, today=TODAY)
    assert b.figures.actual == Decimal("350.00")
    people = {p.user_id: p for p in b.owners}
    assert org.rep.pk in people and org.lead.pk in people
    rep = people[org.rep.pk].figures
    assert (rep.target, rep.actual) == (Decimal("1900.00"), Decimal("350.00"))
    assert people[org.lead.pk].figures.actual == Decimal("0.00")
    assert [m.label for m in b.months] == ["2026-05"]
    assert b.months[0].figures.target == Decimal("3800.00")
    assert b.months[0].figures.actual == Decimal("350.00")
    assert sum(w.figures.target for w in b.weeks) == Decimal("3800.00")
    assert [w.figures.actual for w in b.weeks] == [
        Decimal("300.00"),  # 2026-W19: 4–10 May (6, 7, 8, 9 May working)
        Decimal("50.00"),  # W20
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    focus = progress.goal_breakdown(goal, node=people[org.rep.pk].node.part_id, today=TODAY)
    assert focus.figures.actual == Decimal("350.00") and focus.owners == []
    assert focus.months[0].figures.target == Decimal("1900.00")
