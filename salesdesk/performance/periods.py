"""Evaluation and leaderboard periods: the week (Monday–Sunday), month, quarter or year holding a
day, and the one before it."""

from __future__ import annotations

from datetime import date, timedelta

WEEK, MONTH, QUARTER, YEAR = "week", "month", "quarter", "year"
KINDS = (WEEK, MONTH, QUARTER, YEAR)


def bounds(kind: str, day: date) -> tuple[date, date]:
    """(first, last day) of the period of `kind` holding `day`."""
    if kind == WEEK:
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if kind == MONTH:
        first = day.replace(day=1)
        months = 1
    elif kind == QUARTER:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        months = 3
    elif kind == YEAR:
        first = date(day.year, 1, 1)
        months = 12
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    index = first.month - 1 + months
    after = date(first.year + index // 12, index % 12 + 1, 1)
    return first, after - timedelta(days=1)


def previous(kind: str, start: date) -> tuple[date, date]:
    """The period of `kind` just before the one starting on `start`."""
    return bounds(kind, start - timedelta(days=1))


def label(kind: str, start: date) -> str:
    if kind == WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == QUARTER:
        return f"{start.year}-Q{(start.month + 2) // 3}"
    if kind == YEAR:
        return str(start.year)
    return start.strftime("%Y-%m")
