"""Fixtures of the performance tests: a third rep in Team A, a sales manager of Team B, a scheme
and metric facts for March 2026 (and February, for the leaderboard's movement)."""

from __future__ import annotations

from datetime import date

import pytest

from salesdesk.metrics.sources import add_rows
from salesdesk.performance import services
from tests.conftest import make_user
from tests.web.conftest import login  # noqa: F401  (the signed-in client fixture)

MARCH = date(2026, 3, 10)
FEBRUARY = date(2026, 2, 10)


def fact(user, fact_key, day, value=0, count=0, unit=None):
    add_rows([(fact_key, user.pk, (unit or user.unit).pk, day, value, count)])


@pytest.fixture
def third(org):
    return make_user("third", "rep", org.team_a, org.lead, display_name="孙七 Sun Qi")


@pytest.fixture
def manager(org):
    """A sales manager of Team B (unit-tree scope, evaluates)."""
    return make_user("manager", "manager", org.team_b, org.director, display_name="钱经理 Qian")


SCHEME = {
    "name": "销售代表月度考核 Rep monthly",
    "period_kind": "month",
    "cap": "120",
    "metrics": [
        {"metric": "signed_amount", "weight": "50", "normalisation": "target", "target": "100000"},
        {"metric": "new_customers", "weight": "30", "normalisation": "peer"},
        {"metric": "sales_cycle_days", "weight": "20", "normalisation": "target", "target": "30"},
    ],
    "grade_bands": {"S": "100", "A": "85", "B": "70", "C": "60"},
}


@pytest.fixture
def scheme(org):
    from salesdesk.org.models import Role

    return services.kpi_scheme_create(
        actor=org.admin, role=Role.objects.get(code="rep").pk, **SCHEME
    )


@pytest.fixture
def march_facts(org, third):
    """rep 130,000 signed, 5 new customers, one win after 45 days; other_rep 80,000, 2, 20 days;
    third 50,000, 8, no win."""
    fact(org.rep, "signed", MARCH, 130000, 1)
    fact(org.rep, "new_customer", MARCH, 0, 5)
    fact(org.rep, "cycle", MARCH, 45, 1)
    fact(org.other_rep, "signed", MARCH, 80000, 1)
    fact(org.other_rep, "new_customer", MARCH, 0, 2)
    fact(org.other_rep, "cycle", MARCH, 20, 1)
    fact(third, "signed", MARCH, 50000, 1)
    fact(third, "new_customer", MARCH, 0, 8)
