"""Statements against hand-computed examples (D50): bands on the whole base, product-line
multipliers, the tier rate, returns, payment split and rounding to the cent, caps, locks and
recompute idempotence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesdesk.commissions import services
from salesdesk.commissions.models import CommissionLine, CommissionStatement, StatementStatus
from salesdesk.core.models import AuditEvent
from salesdesk.targets.models import Goal
from salesdesk.tiers.models import Tier, TierMembership
from tests.commissions.conftest import MARCH, contract, fact, give_back, goal_for, make_plan, pay

pytestmark = pytest.mark.django_db


def _lines(statement):
    return [
        (line.source_kind, line.product_line_name, line.base_amount, line.rate, line.amount)
        for line in statement.lines.order_by("position")
    ]


@pytest.fixture
def march_rep(org, lines):
    """rep: goal 100,000 on payments, 90,000 received (90 %: the 80 % band, 3 %); one payment of
    1,000.00 on a 2,000 SW + 1,000 HW contract, a 100.00 HW return."""
    goal_for(org.rep, "payments_received", "100000")
    fact(org.rep, "payment", MARCH, "90000")
    c = contract(org.rep, [(lines["crm"], "2000"), (lines["box"], "1000")])
    pay(c, "1000.00")
    give_back(c, lines["box"], "100.00")
    return c


def test_payment_split_bands_multiplier_and_return(org, lines, march_rep):
    plan = make_plan(org.admin, line_multipliers={str(lines["hw"].pk): "1.5"})
    result = services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    assert (result.created, result.recomputed) == (2, 0)  # rep and other_rep
    s = CommissionStatement.objects.get(owner=org.rep)
    assert s.attainment == Decimal("90.0")
    assert s.band_from == Decimal(80) and s.rate == Decimal(3)
    assert _lines(s) == [
        ("payment", "软件 Software", Decimal("666.67"), Decimal(3), Decimal("20.00")),
        ("payment", "硬件 Hardware", Decimal("333.33"), Decimal(3), Decimal("15.00")),
        ("return", "硬件 Hardware", Decimal("-100.00"), Decimal(3), Decimal("-4.50")),
    ]
    assert s.base_total == Decimal("900.00")
    assert s.commission_total == Decimal("30.50")
    assert all(line.contract_id == march_rep.pk for line in s.lines.all())
    assert s.lines.filter(source_kind="payment", payment_id__isnull=True).count() == 0
    other = CommissionStatement.objects.get(owner=org.other_rep)
    assert other.commission_total == 0 and other.attainment is None


def test_tier_rate_is_added(org, lines, march_rep):
    gold = Tier.objects.create(code="gold", name="金牌", rank=2, commission_rate=Decimal("0.5"))
    TierMembership.objects.create(user=org.rep, tier=gold, valid_from=date(2026, 1, 1))
    plan = make_plan(org.admin, line_multipliers={str(lines["hw"].pk): "1.5"})
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    s = CommissionStatement.objects.get(owner=org.rep)
    assert (s.tier_name, s.tier_rate, s.rate) == ("金牌", Decimal("0.5"), Decimal("3.5"))
    assert [line[4] for line in _lines(s)] == [
        Decimal("23.33"),
        Decimal("17.50"),
        Decimal("-5.25"),
    ]
    assert s.commission_total == Decimal("35.58")


def test_no_goal_takes_the_lowest_band(org, lines):
    c = contract(org.rep, [(lines["crm"], "500")])
    pay(c, "500")
    plan = make_plan(org.admin)
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    s = CommissionStatement.objects.get(owner=org.rep)
    assert s.attainment is None and s.target is None
    assert (s.rate, s.commission_total) == (Decimal(2), Decimal("10.00"))


def test_below_the_first_band_the_base_rate_applies(org, lines):
    goal_for(org.rep, "payments_received", "1000")
    fact(org.rep, "payment", MARCH, "100")
    c = contract(org.rep, [(lines["crm"], "100")])
    pay(c, "100")
    plan = make_plan(org.admin, bands=[{"from": "50", "rate": "4"}], base_rate="1.5")
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    s = CommissionStatement.objects.get(owner=org.rep)
    assert (s.attainment, s.band_from, s.rate, s.commission_total) == (
        Decimal("10.0"),
        None,
        Decimal("1.5"),
        Decimal("1.50"),
    )


def test_contract_base_with_cap_scales_lines_to_the_cent(org, lines):
    goal_for(org.rep, "signed_amount", "2000")
    fact(org.rep, "signed", MARCH, "3000")
    contract(org.rep, [(lines["crm"], "2000"), (lines["box"], "1000")])
    contract(org.rep, [(lines["crm"], "999")], signed=date(2026, 4, 1))  # next month
    contract(org.rep, [(lines["crm"], "999")], status="draft")  # does not count
    plan = make_plan(
        org.admin, base="contracts", line_multipliers={str(lines["hw"].pk): "1.5"}, cap="100"
    )
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    s = CommissionStatement.objects.get(owner=org.rep)
    assert (s.attainment, s.rate) == (Decimal("150.0"), Decimal(5))
    assert s.uncapped_total == Decimal("175.00")  # 2,000 × 5 % + 1,000 × 5 % × 1.5
    assert [line[4] for line in _lines(s)] == [Decimal("57.14"), Decimal("42.86")]
    assert s.commission_total == Decimal("100.00")


def test_recompute_is_idempotent_and_keeps_ids(org, lines, march_rep, plan):
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    first = {s.owner_id: (s.pk, s.commission_total) for s in CommissionStatement.objects.all()}
    lines_before = sorted(CommissionLine.objects.values_list("amount", "base_amount", "position"))
    result = services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    assert (result.created, result.recomputed) == (0, 2)
    second = {s.owner_id: (s.pk, s.commission_total) for s in CommissionStatement.objects.all()}
    assert first == second
    assert lines_before == sorted(
        CommissionLine.objects.values_list("amount", "base_amount", "position")
    )


def test_lock_freezes_the_period(org, lines, march_rep, plan, finance):
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    services.period_lock(actor=finance, period_kind="month", day=MARCH)
    s = CommissionStatement.objects.get(owner=org.rep)
    assert s.status == StatementStatus.LOCKED and s.locked_at is not None
    pay(march_rep, "5000")
    with pytest.raises(services.PeriodLockedError):
        services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    s2 = CommissionStatement.objects.get(owner=org.rep)
    assert (s2.commission_total, s2.version) == (s.commission_total, s.version)
    with pytest.raises(services.PeriodLockedError):
        services.period_lock(actor=finance, period_kind="month", day=MARCH)


def test_director_cannot_lock_and_rep_cannot_compute(org, plan):
    with pytest.raises(PermissionDenied):
        services.period_lock(actor=org.director, period_kind="month", day=MARCH)
    with pytest.raises(PermissionDenied):
        services.statements_compute(actor=org.rep, plan=plan, day=MARCH)
    assert not CommissionStatement.objects.exists()


def test_unlock_needs_admin_and_reason(org, lines, march_rep, plan, finance):
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    services.period_lock(actor=finance, period_kind="month", day=MARCH)
    with pytest.raises(PermissionDenied):
        services.period_unlock(actor=finance, period_kind="month", day=MARCH, reason="错了")
    with pytest.raises(ValidationError):
        services.period_unlock(actor=org.admin, period_kind="month", day=MARCH, reason=" ")
    assert (
        services.period_unlock(actor=org.admin, period_kind="month", day=MARCH, reason="回款录错")
        == 2
    )
    assert CommissionStatement.objects.filter(status="draft").count() == 2
    event = AuditEvent.objects.get(kind=services.UNLOCK_AUDIT_KIND)
    assert event.data["reason"] == "回款录错"
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)


def test_director_computes_only_his_scope(org, plan, lines):
    services.statements_compute(actor=org.director, plan=plan, day=MARCH)
    assert set(CommissionStatement.objects.values_list("owner__username", flat=True)) == {
        "rep",
        "other_rep",
    }


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"bands": [{"from": "80", "rate": "3"}, {"from": "50", "rate": "2"}]}, "bands"),
        ({"bands": [{"from": "0", "rate": "120"}]}, "bands"),
        ({"base_rate": "-1"}, "base_rate"),
        ({"base": "profit"}, "base"),
        ({"period_kind": "year"}, "period_kind"),
        ({"line_multipliers": {"999999": "2"}}, "line_multipliers"),
        ({"cap": "0"}, "cap"),
        ({"name": "  "}, "name"),
    ],
)
def test_plan_validation(org, changes, field):
    with pytest.raises(ValidationError) as exc:
        make_plan(org.admin, **changes)
    assert field in exc.value.message_dict


def test_compute_costs_the_same_queries_whatever_the_number_of_reps(org, lines, plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_user

    def run():
        with CaptureQueriesContext(connection) as ctx:
            services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
        return len(ctx.captured_queries)

    for rep in (org.rep, org.other_rep):
        pay(contract(rep, [(lines["crm"], "100"), (lines["box"], "50")]), "150")
    few = run()
    for i in range(4):
        extra = make_user(f"extra{i}", "rep", org.team_b, org.director)
        pay(contract(extra, [(lines["crm"], "100")]), "100")
    CommissionStatement.objects.all().delete()
    assert run() == few


def test_tier_plan_applies_to_its_tier_only(org, lines):
    gold = Tier.objects.create(code="gold", name="金牌", rank=2, commission_rate=Decimal(0))
    TierMembership.objects.create(user=org.rep, tier=gold, valid_from=date(2026, 1, 1))
    plan = make_plan(org.admin, tier_id=gold.pk)
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    assert list(CommissionStatement.objects.values_list("owner__username", flat=True)) == ["rep"]


def test_quarter_plan_covers_three_months(org, lines):
    c = contract(org.rep, [(lines["crm"], "1000")])
    pay(c, "100", day=date(2026, 1, 5))
    pay(c, "200", day=date(2026, 3, 31))
    pay(c, "400", day=date(2026, 4, 1))
    plan = make_plan(org.admin, period_kind="quarter", bands=[])
    services.statements_compute(actor=org.admin, plan=plan, day=date(2026, 2, 14))
    s = CommissionStatement.objects.get(owner=org.rep)
    assert (s.period_start, s.period_end, s.period_label) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        "2026-Q1",
    )
    assert (s.base_total, s.rate, s.commission_total) == (
        Decimal("300.00"),
        Decimal(1),
        Decimal("3.00"),
    )


def test_the_most_specific_goal_sets_the_target_and_goals_never_add_up(org, lines):
    """A company goal's part for the rep (200,000) and the rep's own goal (100,000) on the same
    metric: the personal one is the target (90 % → the 80 % band), not their sum (30 %)."""
    company = goal_for(org.rep, "payments_received", "200000")
    company.owner_kind = "company"
    company.save(update_fields=["owner_kind"])
    goal_for(org.rep, "payments_received", "100000")
    fact(org.rep, "payment", MARCH, "90000")
    plan = make_plan(org.admin)
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    s = CommissionStatement.objects.get(owner=org.rep)
    assert (s.target, s.attainment, s.band_from) == (Decimal("100000"), Decimal("90.0"), 80)
    # Without the personal goal the company's part is the target.
    Goal.objects.filter(owner_kind="user", owner=org.rep).update(status="archived")
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    s.refresh_from_db()
    assert (s.target, s.attainment) == (Decimal("200000"), Decimal("45.0"))
