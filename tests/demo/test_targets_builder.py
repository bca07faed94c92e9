"""Demo goals (`salesdesk demo`): a decomposed company goal whose parts add up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from salesdesk.demo.runner import build_demo
from salesdesk.targets.models import Goal, GoalPart, Granularity


@pytest.mark.django_db
def test_small_demo_has_a_decomposed_company_goal():
    build_demo(size="small", seed=2026, today=date(2026, 6, 15))
    company = Goal.objects.get(owner_kind="company", metric="signed_amount")
    assert (company.period_start, company.status) == (date(2026, 1, 1), "active")
    assert company.is_decomposed
    for granularity in (Granularity.MONTH, Granularity.WEEK, Granularity.DAY):
        parts = GoalPart.objects.filter(goal=company, granularity=granularity)
        assert sum((p.amount for p in parts), Decimal(0)) == company.target_value
    assert Goal.objects.count() == 10
    assert Goal.objects.filter(owner_kind="user").count() == 5
