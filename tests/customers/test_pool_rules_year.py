"""Pool auto-return rules over a simulated year (CUS-6): 0 missed and 0 duplicate returns.

A seeded generator plays 2025 (春节, 劳动节, 国庆 and their make-up working days included): every
day the job runs at 01:10, then the reps follow up some customers, buy now and then, and claim
some pool customers back. An oracle with its own working-day counting (straight from the
`holidays` China calendar, not salesdesk.core.workdays) says which customers are due each day; the
job must return exactly those, each once; a second run the same day changes nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
import pytest
from django.utils import timezone

from salesdesk.core import workdays
from salesdesk.core.models import Notification
from salesdesk.customers.models import Customer
from salesdesk.customers.pool import services as pool_services
from salesdesk.customers.pool.autoreturn import pool_rules_apply
from salesdesk.customers.pool.models import PoolEvent
from tests.customers.conftest import make_customer
from tests.customers.pool_helpers import make_pool, pool_snapshot

pytestmark = pytest.mark.django_db

ZONE = timezone.get_default_timezone()
CN = holidays.China(years=[2025, 2026])
RULES = [  # kind, days, levels, exempt_won
    ("no_follow_up", 8, ["A"], True),
    ("no_follow_up", 4, ["B", "C"], True),
    ("no_follow_up", 2, ["D"], False),
    ("no_deal", 15, [], False),
]


def oracle_working(d: date) -> bool:
    if d in CN.weekend_workdays:
        return True
    return d.weekday() < 5 and d not in CN


def oracle_due(start: date, n: int) -> date:
    d = start
    while n:
        d += timedelta(days=1)
        if oracle_working(d):
            n -= 1
    return d


@dataclass
class State:
    pk: int
    level: str
    owner: int | None
    owned: datetime | None
    last_fu: datetime | None = None
    last_buy: date | None = None
    buys: int = 0

    def due(self) -> date | None:
        if self.owner is None:
            return None
        owned = self.owned.astimezone(ZONE).date()
        best = None
        for kind, days, levels, exempt_won in RULES:
            if levels and self.level not in levels:
                continue
            if exempt_won and self.buys > 0:
                continue
            start = owned
            if kind == "no_follow_up" and self.last_fu:
                start = max(start, self.last_fu.astimezone(ZONE).date())
            if kind == "no_deal" and self.last_buy:
                start = max(start, self.last_buy)
            d = oracle_due(start, days)
            best = d if best is None else min(best, d)
        return best


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def test_a_year_of_pool_rules(org):
    workdays.clear_cache()
    rng = random.Random(20250101)
    pool = make_pool(org.admin, member_units=[org.east], is_default=True, reminder_days=2)
    for kind, days, levels, exempt_won in RULES:
        pool_services.pool_rule_create(
            actor=org.admin, pool=pool, kind=kind, days=days, levels=levels, exempt_won=exempt_won
        )
    sellers = [org.rep, org.other_rep, org.lead]
    start_day = date(2025, 1, 1)
    states: dict[int, State] = {}
    for i in range(36):
        owner = sellers[i % 3]
        level = "ABCD"[i % 4]
        c = make_customer(owner, f"模拟客户{i:02d}", level=level)
        owned = at(start_day - timedelta(days=1), 18)
        buys = 1 if i % 9 == 0 else 0
        Customer.all_objects.filter(pk=c.pk).update(
            created_at=owned, owned_since=owned, purchase_count=buys
        )
        states[c.pk] = State(c.pk, level, owner.pk, owned, buys=buys)

    returned_total = 0
    day = start_day
    while day <= date(2025, 12, 31):
        now = at(day, 1, 10)
        expected = {s.pk for s in states.values() if s.owner and s.due() <= day}
        result = pool_rules_apply(today=day, now=now)
        got = set(
            PoolEvent.objects.filter(kind="auto_return", at=now).values_list(
                "customer_id", flat=True
            )
        )
        assert got == expected, (day, sorted(got - expected), sorted(expected - got))
        assert result.returned == len(expected)
        returned_total += len(expected)
        for pk in expected:
            states[pk].owner = None
            states[pk].owned = None
        # Running again the same day changes nothing.
        before = pool_snapshot() if day.day in (1, 15) else None
        again = pool_rules_apply(today=day, now=now + timedelta(minutes=5))
        assert (again.returned, again.reminded) == (0, 0)
        if before is not None:
            assert pool_snapshot() == before
        # The day's business: follow-ups, purchases, claims.
        for state in states.values():
            if state.owner is None:
                if rng.random() < 0.15:
                    claimer = rng.choice(sellers)
                    Customer.all_objects.filter(pk=state.pk).update(
                        owner=claimer,
                        pool=None,
                        pooled_at=None,
                        owned_since=at(day, 10),
                        org_unit=claimer.unit_id,
                    )
                    state.owner, state.owned = claimer.pk, at(day, 10)
                continue
            if rng.random() < 0.12:
                moment = at(day, rng.randint(9, 20), rng.randint(0, 59))
                Customer.all_objects.filter(pk=state.pk).update(last_follow_up_at=moment)
                state.last_fu = moment
            if rng.random() < 0.01:
                state.buys += 1
                state.last_buy = day
                Customer.all_objects.filter(pk=state.pk).update(
                    purchase_count=state.buys, last_purchase_at=day
                )
        day += timedelta(days=1)

    events = list(PoolEvent.objects.filter(kind="auto_return").values_list("customer_id", "at"))
    assert len(events) == returned_total > 100
    assert max(Counter(events).values()) == 1  # 0 duplicate returns
    reminders = list(
        Notification.objects.filter(kind="pool_return").values_list("user_id", "url", "due_at")
    )
    assert reminders and max(Counter(reminders).values()) == 1  # one reminder per due date
    # Every reminder names a working day.
    assert all(oracle_working(due.astimezone(ZONE).date()) for _u, _url, due in reminders)
