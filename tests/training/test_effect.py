"""The effect computation (PRF-5), pure: windows, difference in differences and score averages
against hand-computed examples, and its general properties (hypothesis)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from salesdesk.training import effect as fx
from salesdesk.training.effect import PersonFigures as P


def test_windows_leave_out_the_training_weeks_and_count_complete_weeks_only():
    # Training Wednesday 2026-03-04 … Tuesday 2026-03-17: weeks of 2 March to 16 March.
    w = fx.windows(date(2026, 3, 4), date(2026, 3, 17), 2, today=date(2026, 6, 1))
    assert w.before == (date(2026, 2, 16), date(2026, 2, 23))
    assert w.after == (date(2026, 3, 23), date(2026, 3, 30))
    assert w.chart_before == w.before
    assert w.complete


def test_windows_of_a_recent_training_shrink_both_sides():
    # One session on Monday 2026-03-02, N = 4; today Tuesday 2026-03-17: the weeks of 9 March
    # (ended Sunday 15th) is complete, the week of 16 March is not.
    w = fx.windows(date(2026, 3, 2), date(2026, 3, 2), 4, today=date(2026, 3, 17))
    assert w.after == (date(2026, 3, 9),)
    assert w.before == (date(2026, 2, 23),)
    assert len(w.chart_before) == 4 and w.chart_before[0] == date(2026, 2, 2)
    assert not w.complete
    # A week counts the day after its Sunday, not on it.
    assert fx.windows(date(2026, 3, 2), date(2026, 3, 2), 1, today=date(2026, 3, 15)).after == ()


def test_difference_in_differences_hand_computed():
    trainees = [
        P(D(100), D(160), {-1: D(40), 1: D(70)}),
        P(D(50), D(90), {-1: D(20), 1: D(50)}),
    ]
    peers = [
        P(D(80), D(100), {-1: D(30), 1: D(35)}),
        P(D(60), D(50), {-1: D(10), 1: D(20)}),
        P(D(70), D(90), {-1: None, 1: D(26)}),
        P(None, D(10)),  # no before figure (a ratio over nothing): left out of the means
    ]
    e = fx.difference_in_differences(trainees, peers, weeks=1)
    # trainees: before (100 + 50) / 2 = 75, after (160 + 90) / 2 = 125, change 50
    assert (e.trainees.size, e.trainees.before, e.trainees.after) == (2, D("75.00"), D("125.00"))
    assert e.trainees.change == D("50.00")
    # peers: before 210 / 3 = 70, after 240 / 3 = 80, change 10 → DiD 50 − 10 = 40
    assert (e.peers.size, e.peers.before, e.peers.after, e.peers.change) == (
        3,
        D("70.00"),
        D("80.00"),
        D("10.00"),
    )
    assert e.did == D("40.00")
    # weekly means: week −1 trainees 30, peers (30 + 10) / 2 = 20; week +1 60 and 81 / 3 = 27
    assert e.weekly == [(-1, D("30.00"), D("20.00")), (1, D("60.00"), D("27.00"))]


def test_did_uses_exact_means_before_rounding():
    # trainees change (1 + 2 + 2) / 3 = 5/3, peers 1/3 → DiD 4/3 = 1.3333 (not 1.67 − 0.33)
    trainees = [P(D(0), D(1)), P(D(0), D(2)), P(D(0), D(2))]
    peers = [P(D(0), D(1)), P(D(0), D(0)), P(D(0), D(0))]
    e = fx.difference_in_differences(trainees, peers, weeks=1, places=4)
    assert e.trainees.change == D("1.6667")
    assert e.peers.change == D("0.3333")
    assert e.did == D("1.3333")


def test_no_did_without_both_groups():
    e = fx.difference_in_differences([P(D(1), D(2))], [], weeks=2)
    assert e.peers.size == 0 and e.peers.before is None and e.did is None
    assert e.trainees.change == D("1.00")
    assert [k for k, _t, _p in e.weekly] == [-2, -1, 1, 2]


def test_score_summary_hand_computed():
    s = fx.score_summary([(D(60), D(80)), (D(70), D("85.5")), (None, D(90)), (D(55), None)])
    assert (s.pre_count, s.pre_mean) == (3, D("61.7"))  # 185 / 3 = 61.67
    assert (s.post_count, s.post_mean) == (3, D("85.2"))  # 255.5 / 3 = 85.17
    assert (s.paired_count, s.improvement) == (2, D("17.8"))  # (20 + 15.5) / 2 = 17.75
    empty = fx.score_summary([])
    assert empty.pre_mean is None and empty.improvement is None and empty.paired_count == 0


figures = st.integers(min_value=-1_000_000, max_value=1_000_000).map(lambda n: D(n) / 100)
pairs = st.lists(st.tuples(figures, figures), min_size=1, max_size=8)


@given(trainees=pairs, peers=pairs, shift=figures)
def test_did_is_zero_when_both_groups_get_the_same_shift(trainees, peers, shift):
    t = [P(b, b + shift) for b, _a in trainees]
    p = [P(b, b + shift) for b, _a in peers]
    assert fx.difference_in_differences(t, p, weeks=1).did == 0


@given(trainees=pairs, peers=pairs, constant=figures)
def test_adding_a_constant_to_every_figure_changes_nothing(trainees, peers, constant):
    base = fx.difference_in_differences(
        [P(b, a) for b, a in trainees], [P(b, a) for b, a in peers], weeks=1
    )
    moved = fx.difference_in_differences(
        [P(b + constant, a + constant) for b, a in trainees],
        [P(b + constant, a + constant) for b, a in peers],
        weeks=1,
    )
    assert moved.did == base.did
    assert moved.trainees.change == base.trainees.change
    assert moved.peers.change == base.peers.change


@given(trainees=pairs, peers=pairs)
def test_swapping_the_groups_negates_the_did(trainees, peers):
    t = [P(b, a) for b, a in trainees]
    p = [P(b, a) for b, a in peers]
    forward = fx.difference_in_differences(t, p, weeks=1, places=6).did
    backward = fx.difference_in_differences(p, t, weeks=1, places=6).did
    assert forward == -backward
