"""Demo public pool: a default pool with the usual rules and about 5% of the customers in it."""

from __future__ import annotations

from datetime import date

import pytest

from salesdesk.customers.models import Customer, Task
from salesdesk.customers.pool.models import Pool, PoolEvent
from salesdesk.demo.runner import build_demo

TODAY = date(2026, 3, 2)


@pytest.fixture
def small(db):
    return build_demo(size="small", seed=2026, today=TODAY)


def test_pool_demo(small):
    pool = Pool.objects.get()
    assert pool.is_default
    rules = sorted(pool.rules.values_list("kind", "days", "levels"))
    assert rules == [
        ("no_deal", 90, []),
        ("no_follow_up", 15, ["D"]),
        ("no_follow_up", 30, ["B", "C"]),
        ("no_follow_up", 60, ["A"]),
    ]
    pooled = Customer.objects.filter(pool=pool)
    total = Customer.objects.count()
    assert 0.03 * total < pooled.count() < 0.08 * total
    assert not pooled.filter(owner__isnull=False).exists()
    assert not pooled.filter(purchase_count__gt=0).exists()
    assert not pooled.filter(previous_owner__isnull=True).exists()
    assert PoolEvent.objects.filter(kind="return").count() == pooled.count()
    assert not Task.objects.filter(customer__pool=pool, done_at__isnull=True).exists()
    assert not Customer.objects.filter(owner__isnull=False, owned_since__isnull=True).exists()
    assert small.counts["customers.PoolEvent"] == pooled.count()


def test_the_first_job_run_after_the_demo_is_a_normal_day(small):
    from salesdesk.customers.pool.autoreturn import pool_rules_apply

    owned_never_won = Customer.objects.filter(owner__isnull=False, purchase_count=0).count()
    result = pool_rules_apply(today=TODAY)
    assert result.returned < 0.1 * owned_never_won
    assert result.returned + result.reminded > 0
    assert pool_rules_apply(today=TODAY).returned == 0


def test_reset_removes_the_pool(db):
    build_demo(size="small", seed=3, today=TODAY)
    build_demo(size="small", seed=3, today=TODAY, reset=True)
    assert Pool.all_objects.count() == 1
    assert PoolEvent.objects.count() == Customer.objects.filter(pool__isnull=False).count()
