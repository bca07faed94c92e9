"""RFM scores and rule-based levels (CUS-2): exact quintile scores on a hand-computed fixture,
ties, customers without purchases, locked levels, configurable rules, idempotence, the job."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from salesdesk.customers.models import Customer
from salesdesk.customers.rfm import DEFAULT_RULES, RfmRules, configured_rules, rfm_recompute
from salesdesk.customers.tasks import customers_rfm_recompute

TODAY = date(2026, 6, 1)


def make(org, name, *, last=None, count=0, value="0", level="D", locked=False, deleted=False):
    return Customer.all_objects.create(
        owner=org.rep,
        org_unit=org.team_a,
        name=name,
        level=level,
        level_locked=locked,
        first_purchase_at=last,
        last_purchase_at=last,
        purchase_count=count,
        purchase_value=Decimal(value),
        deleted_at=timezone.now() if deleted else None,
    )


@pytest.fixture
def fixture_set(org):
    """Five buyers (n = 5, so score = rank; ties share the lower rank), plus customers without
    purchases, a locked level and a deleted buyer that must be left alone."""
    return {
        "c1": make(org, "c1", last=date(2026, 1, 1), count=1, value="100"),
        "c2": make(org, "c2", last=date(2026, 2, 1), count=2, value="200"),
        # same last purchase as c2 (R tie) and same count as c4 (F tie)
        "c3": make(org, "c3", last=date(2026, 2, 1), count=5, value="300", level="A"),
        "c4": make(org, "c4", last=date(2026, 3, 1), count=5, value="400", locked=True),
        "c5": make(org, "c5", last=date(2026, 4, 1), count=9, value="500"),
        "none": make(org, "none", level="B"),
        "none_locked": make(org, "none_locked", level="A", locked=True),
        "deleted": make(org, "deleted", last=date(2026, 4, 1), count=9, value="9", deleted=True),
    }


def state(customer: Customer) -> tuple:
    c = Customer.all_objects.get(pk=customer.pk)
    return (c.rfm_recency, c.rfm_frequency, c.rfm_monetary, c.level)


def test_scores_and_levels_are_exact(fixture_set):
    result = rfm_recompute(today=TODAY)

    s = fixture_set
    # R by last purchase: ranks 1, 2, 2 (tie), 4, 5; F by count: 1, 2, 3, 3 (tie), 5; M: 1..5.
    assert state(s["c1"]) == (1, 1, 1, "D")  # 3
    assert state(s["c2"]) == (2, 2, 2, "C")  # 6
    assert state(s["c3"]) == (2, 3, 3, "C")  # 8: A is lowered by the rules
    assert state(s["c4"]) == (4, 3, 4, "D")  # 11 would be B, but the level is locked
    assert state(s["c5"]) == (5, 5, 5, "A")  # 15
    assert state(s["none"]) == (None, None, None, "D")
    assert state(s["none_locked"]) == (None, None, None, "A")
    assert state(s["deleted"]) == (None, None, None, "D")
    assert Customer.all_objects.get(pk=s["deleted"].pk).rfm_scored_at is None
    assert (result.scored, result.unscored, result.today) == (5, 2, TODAY)
    # c1 scores only; c2, c3, c5 and "none" change level; c4 and none_locked: scores/scored_at
    assert result.level_changes == 4
    assert result.updated == 6  # c1 … c5 and "none" (none_locked already has no scores)
    versions = dict(Customer.all_objects.values_list("name", "version"))
    assert versions == {
        "c1": 1, "c2": 2, "c3": 2, "c4": 1, "c5": 2, "none": 2, "none_locked": 1, "deleted": 1,
    }  # fmt: skip


def test_second_run_changes_nothing(fixture_set):
    rfm_recompute(today=TODAY)
    before = list(Customer.all_objects.order_by("pk").values())

    again = rfm_recompute(today=TODAY)

    assert (again.updated, again.level_changes) == (0, 0)
    assert list(Customer.all_objects.order_by("pk").values()) == before


def test_quintiles_of_ten_customers(org):
    customers = [
        make(org, f"q{i}", last=date(2026, 1, i), count=i, value=str(i * 10)) for i in range(1, 11)
    ]
    rfm_recompute(today=TODAY)
    scores = [state(c)[:3] for c in customers]
    assert scores == [(s, s, s) for s in (1, 1, 2, 2, 3, 3, 4, 4, 5, 5)]
    assert [state(c)[3] for c in customers] == ["D", "D", "C", "C", "C", "C", "B", "B", "A", "A"]


def test_all_tied_customers_get_the_same_score(org):
    customers = [make(org, f"t{i}", last=date(2026, 1, 1), count=3, value="50") for i in range(4)]
    rfm_recompute(today=TODAY)
    assert {state(c) for c in customers} == {(1, 1, 1, "D")}


def test_rules_are_configurable(fixture_set, settings):
    settings.SALESDESK_RFM_RULES = {"bands": [["A", 15], ["B", 8]], "fallback": "C"}
    assert configured_rules() == RfmRules(bands=(("A", 15), ("B", 8)), fallback="C")
    rfm_recompute(today=TODAY)
    s = fixture_set
    assert [state(s[k])[3] for k in ("c1", "c2", "c3", "c4", "c5", "none")] == [
        "C", "C", "B", "D", "A", "D",
    ]  # fmt: skip


def test_rules_passed_in_win_over_settings(fixture_set, settings):
    settings.SALESDESK_RFM_RULES = {"bands": [["A", 3]]}
    rfm_recompute(today=TODAY, rules=DEFAULT_RULES)
    assert state(fixture_set["c1"])[3] == "D"


@pytest.mark.parametrize(
    "config",
    [
        {"bands": [["B", 10], ["A", 13]]},  # not decreasing
        {"bands": [["Z", 10]]},  # unknown level
        {"bands": [["A", 16]]},  # unreachable
        {"bands": [["A", 13]], "no_purchase": "E"},
        {"levels": []},
    ],
)
def test_bad_rules_are_refused(config):
    with pytest.raises(ImproperlyConfigured):
        RfmRules.from_config(config)


def test_default_rules_match_the_documented_bands():
    assert [DEFAULT_RULES.level_for(t) for t in (3, 5, 6, 9, 10, 12, 13, 15)] == [
        "D", "D", "C", "C", "B", "B", "A", "A",
    ]  # fmt: skip


def test_daily_job_runs_the_recompute(fixture_set):
    figures = customers_rfm_recompute.call_local()
    assert figures["scored"] == 5 and figures["unscored"] == 2 and figures["updated"] == 6
    assert customers_rfm_recompute.call_local()["updated"] == 0
