"""Fixtures of the tier tests: four tiers (trainee without criteria; associate, senior, gold on
trailing signed amount and win rate) and metric facts for Jan–Mar 2026 (the March review)."""

from __future__ import annotations

from datetime import date

import pytest

from salesdesk.metrics.sources import add_rows
from salesdesk.tiers import services
from tests.web.conftest import login  # noqa: F401  (the signed-in client fixture)

MARCH = date(2026, 3, 15)
APRIL_1 = date(2026, 4, 1)


def fact(user, fact_key, day, value=0, count=0):
    add_rows([(fact_key, user.pk, user.unit_id, day, value, count)])


TIERS = [
    {
        "code": "trainee",
        "name": "新人",
        "name_en": "Trainee",
        "rank": 1,
        "criteria": [],
        "customer_quota": 20,
        "target_multiplier": "0.5",
        "commission_rate": "2",
    },
    {
        "code": "associate",
        "name": "专员",
        "name_en": "Associate",
        "rank": 2,
        "criteria": [{"metric": "signed_amount", "window_months": 3, "min": "100000"}],
        "customer_quota": 50,
        "target_multiplier": "1",
        "commission_rate": "3",
    },
    {
        "code": "senior",
        "name": "资深",
        "name_en": "Senior",
        "rank": 3,
        "criteria": [
            {"metric": "signed_amount", "window_months": 3, "min": "300000"},
            {"metric": "win_rate", "window_months": 3, "min": "0.5"},
        ],
        "customer_quota": 0,
        "target_multiplier": "1.5",
        "commission_rate": "4",
    },
    {
        "code": "gold",
        "name": "金牌",
        "name_en": "Gold",
        "rank": 4,
        "criteria": [{"metric": "signed_amount", "window_months": 1, "min": "500000"}],
        "customer_quota": 0,
        "target_multiplier": "2",
        "commission_rate": "5",
    },
]


@pytest.fixture
def tiers(org):
    return {t["code"]: services.tier_create(actor=org.admin, **t) for t in TIERS}
