"""Shared fixtures: the personas every test uses (ENGINEERING.md, Tests).

Organisation:
    HQ (company)           admin
    └── East (region)      director
        ├── Team A (team)  lead ← rep (rep reports to lead), deactivated (reported to lead)
        └── Team B (team)  other_rep
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from salesdesk.org.models import OrgUnit, Role, User

PASSWORD = "Correct-Horse-42-battery"


def make_unit(name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    unit = OrgUnit.objects.create(name=name, kind=kind, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    OrgUnit.all_objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


def make_user(
    username: str, role_code: str, unit: OrgUnit | None, reports_to: User | None = None, **fields
) -> User:
    role = Role.objects.get(code=role_code)
    user = User(
        username=username,
        role=role,
        unit=unit,
        reports_to=reports_to,
        display_name=fields.pop("display_name", username.title()),
        is_staff=role.can_configure,
        **fields,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@dataclass
class Org:
    hq: OrgUnit
    east: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    admin: User
    director: User
    lead: User
    rep: User
    other_rep: User
    deactivated: User

    def personas(self) -> dict[str, User]:
        return {
            "rep": self.rep,
            "other_rep": self.other_rep,
            "lead": self.lead,
            "director": self.director,
            "admin": self.admin,
            "deactivated": self.deactivated,
        }


def ensure_default_roles() -> None:
    """Transactional tests flush the tables, data-migration rows included: put the roles back."""
    from importlib import import_module

    from django.apps import apps

    import_module("salesdesk.org.migrations.0002_default_roles").create_roles(apps, None)
    import_module("salesdesk.org.migrations.0004_role_can_manage_goals").grant(apps, None)
    import_module("salesdesk.org.migrations.0005_role_can_evaluate").grant(apps, None)
    import_module("salesdesk.org.migrations.0006_role_commissions_training").grant(apps, None)


@pytest.fixture
def org(db) -> Org:
    ensure_default_roles()
    hq = make_unit("HQ 总部", "company")
    east = make_unit("East 华东大区", "region", hq)
    team_a = make_unit("Team A 一组", "team", east)
    team_b = make_unit("Team B 二组", "team", east)
    admin = make_user("admin", "admin", hq, display_name="管理员 Admin")
    director = make_user("director", "director", east, display_name="王总监 Director Wang")
    lead = make_user("lead", "team_lead", team_a, director, display_name="李主管 Lead Li")
    rep = make_user("rep", "rep", team_a, lead, display_name="张三 Zhang San")
    other_rep = make_user("other_rep", "rep", team_b, director, display_name="赵六 Zhao Liu")
    deactivated = make_user("gone", "rep", team_a, lead, display_name="离职 Gone", is_active=False)
    return Org(hq, east, team_a, team_b, admin, director, lead, rep, other_rep, deactivated)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache (the database is rolled back; cached lookups such as
    the pool set-up, lockout counters and membership flags must not outlive it)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def english_by_default():
    """Messages outside a request are in English unless a test asks for another language.

    (A request activates the user's language for the rest of the thread, so without this the
    language of a service's error message would depend on which test ran before.)"""
    from django.utils import translation

    with translation.override("en"):
        yield
