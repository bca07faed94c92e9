"""Fixtures of the work report tests: a sales manager persona and a set of reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from salesdesk.workreports import services
from tests.conftest import make_user


@pytest.fixture
def manager(org):
    """A sales manager of Team B (unit-tree scope)."""
    return make_user("manager", "manager", org.team_b, org.director, display_name="钱经理 Qian")


@pytest.fixture
def reports(org):
    """rep: a submitted daily (yesterday) and a weekly draft (last week); other_rep: a submitted
    daily; lead: a submitted weekly (last week)."""
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    last_week = today - timedelta(days=7)

    def make(user, kind, day, submit=True):
        return services.workreport_create(
            actor=user, kind=kind, day=day, summary=f"{user.username} done", submit=submit
        )

    return {
        "rep_sub": make(org.rep, "daily", yesterday),
        "rep_draft": make(org.rep, "weekly", last_week, submit=False),
        "other_sub": make(org.other_rep, "daily", yesterday),
        "lead_sub": make(org.lead, "weekly", last_week),
    }


VISIBLE = {
    # rep: own (draft included); lead: own + subordinates' submitted; manager: Team B tree;
    # director: the East tree; admin: everything submitted. Nobody else sees a draft.
    "rep": {"rep_sub", "rep_draft"},
    "other_rep": {"other_sub"},
    "lead": {"rep_sub", "lead_sub"},
    "manager": {"other_sub"},
    "director": {"rep_sub", "other_sub", "lead_sub"},
    "admin": {"rep_sub", "other_sub", "lead_sub"},
}


def persona(org, manager, name):
    return manager if name == "manager" else org.personas()[name]
