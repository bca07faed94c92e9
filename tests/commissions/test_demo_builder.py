"""Demo commissions: two plans, last month's drafts and the month before locked, every line with
a source and every statement's lines adding up to its total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from salesdesk.commissions.models import (
    CommissionLine,
    CommissionPeriodLock,
    CommissionPlan,
    CommissionStatement,
)
from salesdesk.demo.runner import build_demo


@pytest.mark.django_db
def test_small_demo_has_plans_drafts_and_a_locked_month():
    build_demo(size="small", seed=2026, today=date(2026, 6, 15))
    assert CommissionPlan.objects.count() == 2
    drafts = CommissionStatement.objects.filter(period_start=date(2026, 5, 1))
    locked = CommissionStatement.objects.filter(period_start=date(2026, 4, 1))
    assert drafts.exists() and set(drafts.values_list("status", flat=True)) == {"draft"}
    assert locked.exists() and set(locked.values_list("status", flat=True)) == {"locked"}
    assert CommissionPeriodLock.objects.filter(period_start=date(2026, 4, 1)).exists()
    assert CommissionLine.objects.exists()
    for s in CommissionStatement.objects.all():
        total = s.lines.aggregate(t=Sum("amount"))["t"] or Decimal(0)
        assert total == s.commission_total
