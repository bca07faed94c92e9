"""Working days (China): holidays, make-up working days (调休) and admin overrides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdesk.core import workdays
from salesdesk.core.models import CalendarDay
from salesdesk.core.workdays import (
    add_working_days,
    is_working_day,
    latest_start_due_by,
    subtract_working_days,
    working_days_between,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),  # 元旦
        (date(2025, 1, 26), True),  # Sunday, make-up working day for 春节
        (date(2025, 1, 28), False),  # 除夕
        (date(2025, 2, 4), False),  # 春节 holiday (substituted)
        (date(2025, 2, 8), True),  # Saturday, make-up working day
        (date(2025, 2, 10), True),  # ordinary Monday
        (date(2025, 2, 9), False),  # ordinary Sunday
        (date(2025, 4, 27), True),  # Sunday before 劳动节
        (date(2025, 5, 5), False),
        (date(2025, 9, 28), True),  # Sunday before 国庆
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),  # Saturday after 国庆
        (date(2026, 1, 4), True),  # Sunday make-up day for 元旦 2026
        (date(2026, 2, 16), False),  # 春节 2026
        (date(2026, 2, 14), True),  # Saturday make-up
        (date(2026, 2, 28), True),
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),
    ],
)
def test_china_calendar(day, working):
    assert is_working_day(day) is working


def test_spring_festival_2025_arithmetic():
    # Fri 2025-01-24 → next working days: Sun 01-26 (make-up), Mon 01-27, then the holiday
    # 01-28 … 02-04, back on Wed 02-05.
    assert add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert add_working_days(date(2025, 1, 24), 2) == date(2025, 1, 27)
    assert add_working_days(date(2025, 1, 24), 3) == date(2025, 2, 5)
    assert subtract_working_days(date(2025, 2, 5), 1) == date(2025, 1, 27)
    assert subtract_working_days(date(2025, 2, 5), 3) == date(2025, 1, 24)
    assert working_days_between(date(2025, 1, 24), date(2025, 2, 5)) == 3
    assert working_days_between(date(2025, 2, 5), date(2025, 1, 24)) == 0
    assert add_working_days(date(2025, 1, 24), 0) == date(2025, 1, 24)
    # Due date of a clock started on Sat 2025-02-01 (holiday) with 1 working day: Wed 02-05.
    assert latest_start_due_by(date(2025, 2, 5), 1) == date(2025, 2, 4)
    assert latest_start_due_by(date(2025, 2, 4), 1) == date(2025, 1, 26)


def test_working_days_of_2025():
    days = working_days_between(date(2024, 12, 31), date(2025, 12, 31))
    # 261 weekdays − 18 holidays falling on weekdays + 5 make-up weekend working days
    assert days == 248


def test_override_changes_the_calendar_and_clears_the_cache():
    assert is_working_day(date(2025, 2, 10)) is True
    override = CalendarDay.objects.create(
        date=date(2025, 2, 10), is_working_day=False, name="Company day"
    )
    assert is_working_day(date(2025, 2, 10)) is False
    CalendarDay.objects.create(date=date(2025, 2, 9), is_working_day=True)
    assert is_working_day(date(2025, 2, 9)) is True
    override.delete()
    assert is_working_day(date(2025, 2, 10)) is True


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 30)),
    n=st.integers(min_value=0, max_value=40),
)
def test_add_and_subtract_are_consistent(start, n):
    later = add_working_days(start, n)
    assert working_days_between(start, later) == n
    assert n == 0 or is_working_day(later)
    if is_working_day(start):
        assert subtract_working_days(later, n) == start
    cutoff = latest_start_due_by(later, n)
    assert add_working_days(cutoff, n) <= later
    assert add_working_days(cutoff + timedelta(days=1), n) > later or n == 0
