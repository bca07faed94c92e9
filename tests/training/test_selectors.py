"""The effect page's numbers from the metric layer, per viewer (hand-computed, exact)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from salesdesk.training import selectors
from tests.training.conftest import LATER

pytestmark = pytest.mark.django_db


def test_effect_for_a_director_hand_computed(org, third, program, attended, facts):
    report = selectors.program_effect(
        org.director, program, metric="signed_amount", weeks=2, today=LATER
    )
    e = report.effect
    # rep (trainee): before 17 Feb + 24 Feb = 200, after 10 Mar + 17 Mar = 400 (4 Mar left out)
    assert (e.trainees.size, e.trainees.before, e.trainees.after) == (1, D(200), D(400))
    # peers other_rep (absent, never attended) 100 → 150, third 0 → 50: means 50 → 100
    assert (e.peers.size, e.peers.before, e.peers.after, e.peers.change) == (
        2,
        D(50),
        D(100),
        D(50),
    )
    assert e.did == D("150.00")
    assert e.weekly == [
        (-2, D(100), D(50)),
        (-1, D(100), D(0)),
        (1, D(300), D(75)),
        (2, D(100), D(25)),
    ]
    assert (report.scores.pre_mean, report.scores.post_mean, report.scores.improvement) == (
        D("60.0"),
        D("80.0"),
        D("20.0"),
    )
    assert report.complete_weeks == 2 and not report.is_recent
    assert len(report.caveats) == 4  # three general ones and the small groups


def test_a_recent_training_shortens_both_windows_and_says_so(org, third, program, attended, facts):
    report = selectors.program_effect(
        org.director, program, metric="signed_amount", weeks=2, today=date(2026, 3, 17)
    )
    e = report.effect
    # only the week of 9 March is complete: before = week of 23 Feb (100), after = 300
    assert (e.trainees.before, e.trainees.after) == (D(100), D(300))
    assert (e.peers.before, e.peers.after) == (D(0), D(75))
    assert e.did == D("125.00")
    assert report.is_recent and report.complete_weeks == 1
    assert any("only 1 of the 2 weeks" in c for c in report.caveats)


def test_a_rep_sees_only_their_own_figures(org, third, program, attended, facts):
    mine = selectors.program_effect(org.rep, program, metric="signed_amount", weeks=2, today=LATER)
    assert mine.effect.trainees.size == 1 and mine.effect.peers.size == 0
    assert mine.effect.did is None
    other = selectors.program_effect(
        org.other_rep, program, metric="signed_amount", weeks=2, today=LATER
    )
    # other_rep: no trainee in their scope; the rep's scores stay invisible
    assert other.effect.trainees.size == 0 and other.effect.peers.size == 1
    assert other.effect.peers.before == D(100)
    assert other.scores.pre_count == 0 and other.scores.post_mean is None


def test_a_derived_metric_averages_per_person_ratios(org, third, program, attended):
    from tests.training.conftest import fact

    # win rate: rep before 1 won / 1 lost = 0.5, after 2 won = 1.0
    fact(org.rep, date(2026, 2, 24), 10, "won")
    fact(org.rep, date(2026, 2, 25), 10, "lost")
    fact(org.rep, date(2026, 3, 10), 10, "won", count=2)
    report = selectors.program_effect(
        org.director, program, metric="win_rate", weeks=2, today=LATER
    )
    assert (report.effect.trainees.before, report.effect.trainees.after) == (
        D("0.5000"),
        D("1.0000"),
    )
    # peers have no deals: a ratio over nothing has no figure, so nobody is compared
    assert report.effect.peers.size == 0 and report.effect.did is None


def test_no_sessions_no_effect(org, program):
    report = selectors.program_effect(org.director, program, metric="signed_amount")
    assert report.effect is None and report.first_session is None


def test_unknown_metric_and_weeks_are_refused(org, program):
    with pytest.raises(KeyError):
        selectors.program_effect(org.director, program, metric="nope")
    with pytest.raises(ValueError):
        selectors.program_effect(org.director, program, metric="signed_amount", weeks=27)
