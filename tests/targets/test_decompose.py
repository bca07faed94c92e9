"""Property tests of the pure decomposition (TGT-2): any targets, weights and calendars give
parts that add up exactly at every level, never negative, only on working days, deterministic."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdesk.targets import decompose as d

weights_st = st.lists(
    st.one_of(
        st.integers(0, 10**6),
        st.decimals(0, 10**4, places=3, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=30,
)


@settings(deadline=None)
@given(total=st.integers(0, 10**14), weights=weights_st)
def test_split_sums_exactly_and_is_never_negative(total, weights):
    parts = d.split(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    assert parts == d.split(total, weights)  # deterministic
    if any(weights):
        assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
        # Largest remainder: every part is within one unit of its exact quota.
        whole = sum(Decimal(w) for w in weights)
        for p, w in zip(parts, weights, strict=True):
            assert abs(Decimal(p) - Decimal(total) * Decimal(w) / whole) < 1
    else:
        assert max(parts) - min(parts) <= 1  # all-zero weights: equal


def test_split_exact_values_and_tie_break():
    assert d.split(100, [1, 1, 1]) == [34, 33, 33]  # ties go to the lower index
    assert d.split(10, [0, 1, 0]) == [0, 10, 0]
    assert d.split(5, [0, 0]) == [3, 2]
    assert d.split(7, [0.5, 0.25, 0.25]) == [3, 2, 2]
    assert d.split_amount(Decimal("100.00"), [1, 2]) == [Decimal("33.33"), Decimal("66.67")]
    with pytest.raises(ValueError):
        d.split(10, [1, -1])
    with pytest.raises(ValueError):
        d.split(-1, [1])


@st.composite
def calendars(draw):
    start = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    end = start + timedelta(days=draw(st.integers(0, 500)))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    holidays = set(draw(st.lists(st.sampled_from(days), max_size=40)))
    makeup = set(draw(st.lists(st.sampled_from(days), max_size=10))) - holidays

    def working(day: date) -> bool:
        if day in makeup:
            return True
        return day not in holidays and day.weekday() < 5

    season = draw(st.none() | st.lists(st.integers(0, 100), min_size=12, max_size=12).map(list))
    return start, end, working, season


def _check_tree(parts: list[d.PlannedPart], total: int, working) -> None:
    by_key = {p.key: p for p in parts}
    children = defaultdict(list)
    for p in parts:
        assert p.amount >= 0
        if p.parent is not None:
            children[p.parent].append(p)
            parent = by_key[p.parent]
            assert parent.key < p.key  # parents come first
            assert parent.start <= p.start <= p.end <= parent.end
        else:
            assert p.amount == total
    for key, kids in children.items():
        assert sum(k.amount for k in kids) == by_key[key].amount, by_key[key]
    for p in parts:
        if p.granularity == d.DAY:
            assert working(p.start)
            assert p.start == p.end
        if p.granularity == d.WEEK:
            assert p.start.isocalendar()[:2] == p.end.isocalendar()[:2]  # one ISO week
            assert (p.start.year, p.start.month) == (p.end.year, p.end.month)  # one month
        if p.granularity in (d.QUARTER, d.MONTH, d.WEEK):
            assert children[p.key], p  # no part without working days


@settings(max_examples=60, deadline=None)
@given(cal=calendars(), total=st.integers(0, 10**12))
def test_time_split_sums_at_every_level_and_respects_the_calendar(cal, total):
    start, end, working, season = cal
    try:
        root = d.calendar(start, end, working, season)
    except ValueError:
        day = start
        while day <= end:
            assert not working(day)
            day += timedelta(days=1)
        return
    parts = list(d.plan(total, d.person_tree(1, 1), root))
    _check_tree(parts, total, working)
    days = [p for p in parts if p.granularity == d.DAY]
    expected = {
        start + timedelta(days=i)
        for i in range((end - start).days + 1)
        if working(start + timedelta(days=i))
    }
    assert {p.start for p in days} == expected  # every working day, once
    assert parts == list(d.plan(total, d.person_tree(1, 1), root))


@st.composite
def organisations(draw):
    n_units = draw(st.integers(1, 8))
    parents = {1: None}
    for unit in range(2, n_units + 1):
        parents[unit] = draw(st.integers(1, unit - 1))
    people = draw(
        st.lists(
            st.tuples(
                st.integers(1, n_units),
                st.one_of(st.integers(0, 50), st.decimals(0, 5, places=2)),
            ),
            min_size=1,
            max_size=25,
        )
    )
    return parents, [(100 + i, unit, w) for i, (unit, w) in enumerate(people)]


@settings(max_examples=60, deadline=None)
@given(org=organisations(), total=st.integers(0, 10**10), weekend_only=st.booleans())
def test_people_and_time_split_sums_at_every_level(org, total, weekend_only):
    parents, people = org
    tree = d.owner_tree(1, parents, people)
    root = d.calendar(date(2026, 1, 1), date(2026, 3, 31), lambda x: x.weekday() < 5)
    parts = list(d.plan(total, tree, root))
    _check_tree(parts, total, lambda x: x.weekday() < 5)
    persons = [p for p in parts if p.granularity == d.PERIOD and p.user_id is not None]
    assert sorted(p.user_id for p in persons) == sorted(u for u, _unit, _w in people)
    weights = {u: w for u, _unit, w in people}
    if any(weights.values()):
        for p in persons:
            if weights[p.user_id] == 0:
                assert p.amount == 0


def test_ratio_metrics_copy_the_target_to_every_part():
    tree = d.owner_tree(1, {1: None, 2: 1}, [(10, 2, 1), (11, 2, 3)])
    root = d.calendar(date(2026, 5, 1), date(2026, 5, 31), lambda x: x.weekday() < 5)
    parts = list(d.plan(3550, tree, root, additive=False))
    assert {p.amount for p in parts} == {3550}


def test_weeks_are_cut_at_month_boundaries_and_holidays_get_no_day():
    # 2026-04-27 (Mon) … 2026-05-03 (Sun): ISO week 18 straddles April and May; 1–5 May is the
    # Labour Day holiday and Saturday 9 May a make-up working day (as in the China calendar).
    holidays = {date(2026, 5, d_) for d_ in range(1, 6)}

    def working(day):
        return day == date(2026, 5, 9) or (day not in holidays and day.weekday() < 5)

    root = d.calendar(date(2026, 4, 1), date(2026, 5, 31), working)
    months = root.children[0].children
    april, may = months
    assert [w.label for w in april.children][-1] == "2026-W18"
    assert (april.children[-1].start, april.children[-1].end) == (
        date(2026, 4, 27),
        date(2026, 4, 30),
    )
    # May's first piece of week 18 (1–3 May) has no working day: no part.
    assert may.children[0].start == date(2026, 5, 4)
    assert [c.start.day for c in may.children[0].children] == [6, 7, 8, 9]
    # A month weighs its working days by default: April 22, May 18 + the make-up day.
    assert (april.weight, may.weight) == (22, 19)
    amounts = d.time_amounts(4100, d.shape(root))
    assert amounts[:3] == [4100, 4100, 2200]  # period, Q2, April (22 of 41 days)
