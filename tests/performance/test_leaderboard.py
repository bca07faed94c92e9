"""Leaderboards against a hand-computed example with ties; movement; scope of the rankings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from salesdesk.performance.selectors import TEAMS, leaderboard
from tests.performance.conftest import FEBRUARY, MARCH, fact

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracts(org, third):
    """March: rep 3, other_rep 3, third 1, lead none. February: third 4, rep 1."""
    fact(org.rep, "signed", MARCH, 300, 3)
    fact(org.other_rep, "signed", MARCH, 200, 3)
    fact(third, "signed", MARCH, 50, 1)
    fact(third, "signed", FEBRUARY, 400, 4)
    fact(org.rep, "signed", FEBRUARY, 100, 1)


def _rows(board):
    return [(r.label, r.value, r.rank, r.previous_rank, r.movement, r.is_new) for r in board.rows]


def test_ranking_ties_and_movement(org, third, contracts):
    board = leaderboard(org.director, metric="contract_count", period="month", day=MARCH)
    assert (board.start, board.end, board.previous_start) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        date(2026, 2, 1),
    )
    # ties share a rank, the next skips; February: third 1st, rep 2nd, other_rep and lead 3rd (0)
    assert _rows(board) == [
        ("张三 Zhang San", Decimal(3), 1, 2, 1, False),
        ("赵六 Zhao Liu", Decimal(3), 1, 3, None, True),
        ("孙七 Sun Qi", Decimal(1), 3, 1, -2, False),
        ("李主管 Lead Li", Decimal(0), 4, 3, -1, False),
    ]
    assert [r.label for r in board.spotlight] == ["张三 Zhang San", "赵六 Zhao Liu"]


def test_lower_is_better_metric_ranks_ascending(org, third):
    fact(org.rep, "cycle", MARCH, 40, 1)
    fact(third, "cycle", MARCH, 10, 1)
    board = leaderboard(org.director, metric="sales_cycle_days", period="month", day=MARCH)
    assert [(r.label, r.rank) for r in board.rows] == [
        ("孙七 Sun Qi", 1),
        ("张三 Zhang San", 2),
        ("李主管 Lead Li", None),
        ("赵六 Zhao Liu", None),
    ]


def test_a_rep_sees_the_ranking_of_their_own_team_only(org, third, contracts):
    board = leaderboard(org.rep, metric="contract_count", period="month", day=MARCH)
    assert board.root == org.team_a
    assert [(r.label, r.rank) for r in board.rows] == [
        ("张三 Zhang San", 1),
        ("孙七 Sun Qi", 2),
        ("李主管 Lead Li", 3),
    ]
    teams = leaderboard(org.rep, metric="contract_count", period="month", day=MARCH, kind=TEAMS)
    assert [(r.label, r.value, r.rank) for r in teams.rows] == [
        ("Team A 一组", Decimal(4), 1),
        ("Team B 二组", Decimal(3), 2),
    ]


def test_weekly_board_and_previous_week(org, third, contracts):
    board = leaderboard(org.director, metric="contract_count", period="week", day=MARCH)
    assert (board.start, board.end, board.previous_start, board.label) == (
        date(2026, 3, 9),
        date(2026, 3, 15),
        date(2026, 3, 2),
        "2026-W11",
    )
    assert all(r.is_new for r in board.rows if r.value)


def test_no_movement_after_a_period_without_any_figures(org, third):
    """Nobody had figures in February: nobody moves up or down from an all-tied first place."""
    fact(org.rep, "signed", MARCH, 300, 3)
    board = leaderboard(org.director, metric="contract_count", period="month", day=MARCH)
    assert _rows(board) == [
        ("张三 Zhang San", Decimal(3), 1, None, None, True),
        ("孙七 Sun Qi", Decimal(0), 2, None, None, False),
        ("李主管 Lead Li", Decimal(0), 2, None, None, False),
        ("赵六 Zhao Liu", Decimal(0), 2, None, None, False),
    ]
