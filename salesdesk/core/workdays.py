"""Working days (China): public holidays, make-up working days (调休) and admin overrides.

The built-in calendar is the `holidays` package's China calendar, which knows the State Council's
holidays and the weekend days that are working days; administrators override single dates with
`core.CalendarDay` (Settings → Working calendar), e.g. a company day off or next year's calendar
before the package knows it.

Definitions (all dates are calendar dates, no time zones):
- `is_working_day(d)`: an override if there is one, else a make-up working day, else not a
  holiday and Monday–Friday;
- `working_days_between(a, b)`: how many working days d with a < d <= b (0 when b <= a);
- `add_working_days(d, n)`: the n-th working day after d (n >= 0; n = 0 is d itself);
- `subtract_working_days(d, n)`: the n-th working day before d (n >= 0; n = 0 is d itself).

The non-working days of a year are computed once per process and year and cached; saving or
deleting an override clears the cache of this process (signals below), and entries expire after
CACHE_SECONDS so other processes pick overrides up too.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import holidays
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from salesdesk.core.models import CalendarDay

CACHE_SECONDS = 300
_cache: dict[int, tuple[float, frozenset[date]]] = {}
_lock = threading.Lock()


def _days_off(year: int) -> frozenset[date]:
    """The non-working days of one year (weekends and holidays, make-up days and overrides
    applied)."""
    now = time.monotonic()
    entry = _cache.get(year)
    if entry is not None and now - entry[0] < CACHE_SECONDS:
        return entry[1]
    calendar = holidays.China(years=year)
    makeup = {d for d in calendar.weekend_workdays if d.year == year}
    off = {d for d in calendar if d.year == year}
    day = date(year, 1, 1)
    while day.year == year:
        if day.weekday() >= 5 and day not in makeup:
            off.add(day)
        day += timedelta(days=1)
    off -= makeup
    for override in CalendarDay.objects.filter(date__year=year).only("date", "is_working_day"):
        if override.is_working_day:
            off.discard(override.date)
        else:
            off.add(override.date)
    result = frozenset(off)
    with _lock:
        _cache[year] = (now, result)
    return result


def clear_cache() -> None:
    with _lock:
        _cache.clear()


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def _calendar_changed(**kwargs) -> None:
    clear_cache()


def is_working_day(d: date) -> bool:
    return d not in _days_off(d.year)


def builtin_day(d: date) -> tuple[bool, str]:
    """What the built-in China calendar says about `d` (working?, holiday name), ignoring
    overrides: for the Settings page."""
    calendar = holidays.China(years=d.year)
    if d in calendar.weekend_workdays:
        return True, ""
    if d in calendar:
        return False, calendar.get(d) or ""
    return d.weekday() < 5, ""


def working_days_between(a: date, b: date) -> int:
    """How many working days d with a < d <= b."""
    count = 0
    day = a + timedelta(days=1)
    while day <= b:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after d (d itself for n = 0)."""
    if n < 0:
        return subtract_working_days(d, -n)
    day = d
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def subtract_working_days(d: date, n: int) -> date:
    """The n-th working day before d (d itself for n = 0)."""
    if n < 0:
        return add_working_days(d, -n)
    day = d
    while n > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def latest_start_due_by(day: date, n: int) -> date:
    """The latest date s for which `add_working_days(s, n) <= day`, i.e. at least n working days
    lie in (s, day]. A clock started on or before it has run out by `day`."""
    return subtract_working_days(day + timedelta(days=1), n) - timedelta(days=1)
