"""Fixtures of the targets tests: a sales manager persona besides the shared ones."""

from __future__ import annotations

import pytest

from tests.conftest import make_user


@pytest.fixture
def manager(org):
    """A sales manager of Team B (unit-tree scope, sets goals)."""
    return make_user("manager", "manager", org.team_b, org.director, display_name="钱经理 Qian")
