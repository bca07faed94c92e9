"""Fixtures of the targets tests: a sales manager persona besides the shared ones, and four
decomposed goals with who may see which."""

from __future__ import annotations

import pytest

from salesdesk.targets import services
from tests.conftest import make_user


@pytest.fixture
def manager(org):
    """A sales manager of Team B (unit-tree scope, sets goals)."""
    return make_user("manager", "manager", org.team_b, org.director, display_name="钱经理 Qian")


@pytest.fixture
def goals(org, manager):
    """company (admin), Team A (director), rep's and other_rep's personal goals (decomposed)."""

    def make(actor, name, kind, **owner):
        goal = services.goal_create(
            actor=actor,
            name=name,
            metric="signed_amount",
            owner_kind=kind,
            period_kind="year",
            year=2026,
            target_value="24800.00",
            **owner,
        )
        return services.goal_decompose(actor=actor, goal=goal)

    return {
        "company": make(org.admin, "Company", "company"),
        "team_a": make(org.director, "Team A", "unit", unit=org.team_a.pk),
        "rep": make(org.lead, "Rep", "user", user=org.rep.pk),
        "other_rep": make(org.director, "Other", "user", user=org.other_rep.pk),
    }


VISIBLE = {
    # rep: own; lead: own + subordinates (rep); manager (Team B, unit tree); director: East tree.
    "rep": {"rep"},
    "other_rep": {"other_rep"},
    "lead": {"rep"},
    "manager": {"other_rep"},
    "director": {"team_a", "rep", "other_rep"},
    "admin": {"company", "team_a", "rep", "other_rep"},
}
SETTERS = {"lead", "manager", "director", "admin"}


def _persona(org, manager, name):
    return manager if name == "manager" else org.personas()[name]
