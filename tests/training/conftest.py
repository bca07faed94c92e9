"""Fixtures of the training tests: a third rep in Team A, a sales manager of Team B, a program
with one session on Wednesday 2026-03-04 (week of 2 March) and signed-amount facts around it.

    rep (Team A) attended, pre 60 / post 80;  other_rep (Team B) invited, absent;
    facts (signed): rep 100 on 17 Feb, 100 on 24 Feb, 1,000 on 4 Mar (training week), 300 on
    10 Mar, 100 on 17 Mar; other_rep 100 on 18 Feb, 150 on 11 Mar; third 50 on 18 Mar.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from salesdesk.metrics.sources import add_rows
from salesdesk.training import services
from tests.conftest import make_user
from tests.web.conftest import login  # noqa: F401  (the signed-in client fixture)

TZ = ZoneInfo("Asia/Shanghai")
SESSION_DAY = date(2026, 3, 4)
LATER = date(2026, 6, 1)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def fact(user, day, value, fact_key="signed", count=1):
    add_rows([(fact_key, user.pk, user.unit_id, day, value, count)])


@pytest.fixture
def third(org):
    return make_user("third", "rep", org.team_a, org.lead, display_name="孙七 Sun Qi")


@pytest.fixture
def manager(org):
    """A sales manager of Team B (unit-tree scope, manages training)."""
    return make_user("manager", "manager", org.team_b, org.director, display_name="钱经理 Qian")


@pytest.fixture
def program(org):
    return services.program_create(
        actor=org.director, title="大客户销售技巧 Key-account selling", topic="selling"
    )


@pytest.fixture
def session(org, program):
    return services.session_create(
        actor=org.director,
        program=program,
        title="第一讲 Lesson 1",
        starts_at=at(SESSION_DAY),
        ends_at=at(SESSION_DAY, 12),
        trainer_name="外部讲师 Ms Lin",
        capacity=10,
    )


@pytest.fixture
def attended(org, third, session):
    services.attendance_invite(
        actor=org.director, session=session, user_ids=[org.rep.pk, org.other_rep.pk]
    )
    services.attendance_record(
        actor=org.director,
        session=session,
        rows=[
            services.AttendanceRow(org.rep.pk, "attended", "60", "80", "很有用 Useful"),
            services.AttendanceRow(org.other_rep.pk, "absent", "55"),
        ],
    )
    return session


@pytest.fixture
def facts(org, third):
    fact(org.rep, date(2026, 2, 17), 100)
    fact(org.rep, date(2026, 2, 24), 100)
    fact(org.rep, date(2026, 3, 4), 1000)
    fact(org.rep, date(2026, 3, 10), 300)
    fact(org.rep, date(2026, 3, 17), 100)
    fact(org.other_rep, date(2026, 2, 18), 100)
    fact(org.other_rep, date(2026, 3, 11), 150)
    fact(third, date(2026, 3, 18), 50)
