"""The demo organisation (`salesdesk demo`): shape, roles, paths, chains, logins, determinism."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.password_validation import validate_password

from salesdesk.demo.builders.org import DEMO_LOGINS, DEMO_PASSWORD, OrgResult
from salesdesk.demo.registry import DemoRegistry
from salesdesk.demo.runner import DemoDataError, build_demo
from salesdesk.org.models import OrgUnit, Role, User
from salesdesk.org.scoping import visible_to

TODAY = date(2026, 3, 2)


def fingerprint() -> list[tuple]:
    """Everything that identifies the generated people and units, independent of ids."""
    units = {u.pk: u for u in OrgUnit.all_objects.all()}

    def unit_key(unit_id):
        unit = units[unit_id]
        return tuple(units[i].code for i in unit.ancestor_ids())

    people = [
        (
            u.username,
            u.display_name,
            u.first_name,
            u.last_name,
            u.title,
            u.phone,
            u.email,
            u.role.code,
            unit_key(u.unit_id),
            u.reports_to.username if u.reports_to_id else None,
            u.is_active,
            u.is_staff,
            u.is_superuser,
            u.date_joined,
            u.deactivated_at,
        )
        for u in User.objects.select_related("role", "reports_to").order_by("username")
    ]
    tree = sorted(
        (
            unit_key(u.pk),
            u.name,
            u.kind,
            u.depth,
            u.sort_order,
            User.objects.get(pk=u.manager_id).username,
        )
        for u in units.values()
    )
    return [*tree, *people]


@pytest.mark.django_db
def test_small_demo_has_the_documented_shape():
    result = build_demo(size="small", seed=2026, today=TODAY)

    org_counts = {k: v for k, v in result.counts.items() if k.startswith("org.")}
    assert org_counts == {"org.OrgUnit": 19, "org.User": 59}
    assert OrgUnit.objects.filter(kind="company").count() == 1
    assert list(
        OrgUnit.objects.filter(kind="region").order_by("sort_order").values_list("name", flat=True)
    ) == ["华东大区", "华北大区", "华南大区", "西南大区"]
    assert OrgUnit.objects.filter(kind="department").count() == 6  # 4 sales + finance + IT
    assert OrgUnit.objects.filter(kind="team").count() == 8
    by_role = {code: User.objects.filter(role__code=code).count() for code in Role.Code.values}
    assert by_role == {
        "admin": 1,
        "director": 5,
        "manager": 4,
        "team_lead": 8,
        "finance": 2,
        "rep": 39,
    }
    assert User.objects.count() == 59
    # Chinese and English names both occur.
    names = list(User.objects.values_list("display_name", flat=True))
    assert any("\u4e00" <= name[0] <= "\u9fff" for name in names)
    assert any(name[0].isascii() and name[0].isalpha() for name in names)


@pytest.mark.django_db
def test_medium_and_large_scale_up(monkeypatch):
    from dataclasses import replace

    from salesdesk.demo import sizes

    # The organisation only: 50,000 demo customers would take a minute (test_customers_builder).
    monkeypatch.setitem(sizes.SIZES, "medium", replace(sizes.SIZES["medium"], customers=0))
    build_demo(size="medium", seed=1, today=TODAY)
    assert OrgUnit.objects.count() == 1 + 6 + 18 + 72 + 2
    assert 560 <= User.objects.count() <= 660


@pytest.mark.django_db
def test_unit_paths_and_depths_are_materialised_correctly():
    build_demo(size="small", seed=5, today=TODAY)
    units = {u.pk: u for u in OrgUnit.all_objects.all()}
    for unit in units.values():
        parent = units.get(unit.parent_id)
        assert unit.path == (parent.path if parent else "/") + f"{unit.pk}/"
        assert unit.depth == (parent.depth + 1 if parent else 0)
        assert unit.manager_id is not None
    east = OrgUnit.objects.get(code="EAST")
    assert sorted(OrgUnit.objects.subtree_of(east).values_list("kind", flat=True)) == [
        "department",
        "region",
        "team",
        "team",
    ]


@pytest.mark.django_db
def test_reporting_chains_follow_the_org_tree():
    build_demo(size="small", seed=11, today=TODAY)
    users = {u.pk: u for u in User.objects.select_related("unit", "role")}
    tops = sorted(u.username for u in users.values() if u.reports_to_id is None)
    vp = User.objects.get(title="销售副总裁")
    assert tops == sorted(["admin", vp.username])
    for user in users.values():
        seen = set()
        current = user
        while current.reports_to_id is not None:
            assert current.pk not in seen, "reporting loop"
            seen.add(current.pk)
            current = users[current.reports_to_id]
        boss = users.get(user.reports_to_id)
        if user.role.code == "rep":
            assert boss.role.code == "team_lead" and boss.unit_id == user.unit_id
        elif user.role.code == "team_lead":
            assert boss.role.code == "manager" and boss.unit_id == user.unit.parent_id
        elif user.role.code == "manager":
            assert boss.role.code == "director" and boss.unit_id == user.unit.parent_id
        # Every unit head is the manager recorded on the unit.
    for unit in OrgUnit.objects.select_related("manager"):
        assert unit.manager.unit_id == unit.pk


@pytest.mark.django_db
def test_a_few_reps_are_deactivated_but_never_a_demo_login():
    build_demo(size="small", seed=2026, today=TODAY)
    inactive = User.objects.filter(is_active=False)
    assert inactive.count() == 2
    assert set(inactive.values_list("role__code", flat=True)) == {"rep"}
    assert all(u.deactivated_at is not None for u in inactive)
    assert not inactive.filter(username__in=[u for u, _r, _d in DEMO_LOGINS]).exists()


@pytest.mark.django_db
def test_demo_logins_exist_with_their_roles_and_the_documented_password():
    build_demo(size="small", seed=2026, today=TODAY)
    for username, role_code, _description in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert user.role.code == role_code
        assert user.is_active
        assert user.check_password(DEMO_PASSWORD)
        validate_password(DEMO_PASSWORD, user)  # satisfies the password policy
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    lead, rep, rep2 = (User.objects.get(username=n) for n in ("lead", "rep", "rep2"))
    assert rep.reports_to == lead and rep.unit == lead.unit
    assert rep2.unit != rep.unit and rep2.unit.parent == rep.unit.parent
    director = User.objects.get(username="director")
    assert director.unit.code == "EAST"


@pytest.mark.django_db
def test_demo_scopes_work_with_the_scoping_function():
    build_demo(size="small", seed=2026, today=TODAY)
    director = User.objects.get(username="director")
    region_users = User.objects.filter(unit__path__startswith=director.unit.path)
    assert visible_to(User.objects.all(), director).count() == region_users.count() == 13
    lead = User.objects.get(username="lead")
    team = User.objects.filter(unit=lead.unit)
    assert set(visible_to(User.objects.all(), lead)) == set(team)
    rep = User.objects.get(username="rep")
    assert list(visible_to(User.objects.all(), rep)) == [rep]


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    build_demo(size="small", seed=7, today=TODAY)
    first = fingerprint()
    build_demo(size="small", seed=7, today=TODAY, reset=True)
    assert fingerprint() == first
    build_demo(size="small", seed=8, today=TODAY, reset=True)
    assert fingerprint() != first


@pytest.mark.django_db
def test_refuses_a_database_with_users_unless_reset(org):
    before = sorted(User.objects.values_list("username", flat=True))
    with pytest.raises(DemoDataError):
        build_demo(size="small")
    assert sorted(User.objects.values_list("username", flat=True)) == before
    build_demo(size="small", seed=2026, reset=True, today=TODAY)
    assert not User.objects.filter(username="other_rep").exists()
    assert not OrgUnit.all_objects.filter(name="HQ 总部").exists()
    assert User.objects.count() == 59


def test_unknown_size_is_rejected():
    with pytest.raises(ValueError, match="unknown demo size"):
        build_demo(size="huge")


def test_registry_orders_builders_by_dependency_and_rejects_unknown_ones():
    reg = DemoRegistry(_loaded=True)
    calls = []
    reg.register("deals", after=("customers",))(lambda ctx: calls.append("deals"))
    reg.register("customers", after=("org",))(lambda ctx: calls.append("customers"))
    reg.register("org")(lambda ctx: calls.append("org"))
    assert [b.name for b in reg.ordered()] == ["org", "customers", "deals"]
    reg.register("notes", after=("org",))(lambda ctx: calls.append("notes"))
    assert [b.name for b in reg.ordered(["deals"])] == ["org", "customers", "deals"]
    assert [b.name for b in reg.ordered(["notes", "customers"])] == ["org", "customers", "notes"]
    with pytest.raises(ValueError, match="unknown demo builders: nope"):
        reg.ordered(["deals", "nope"])
    reg.register("broken", after=("nothing",))(lambda ctx: None)
    with pytest.raises(RuntimeError, match="unknown 'nothing'"):
        reg.ordered()


@pytest.mark.django_db
def test_later_builders_see_the_org_result(monkeypatch):
    from salesdesk.demo import registry as registry_module

    seen = {}

    def build_customers(ctx):
        org = ctx.results["org"]
        seen["org"] = org
        seen["ids"] = list(ctx.allocate_ids(User, 3))

    registry_module.registry.load()
    reg = DemoRegistry(builders=dict(registry_module.registry.builders), _loaded=True)
    reg.register("customers", after=("org",))(build_customers)
    monkeypatch.setattr(registry_module, "registry", reg)
    monkeypatch.setattr("salesdesk.demo.runner.registry", reg)
    build_demo(size="small", seed=2026, today=TODAY)
    org = seen["org"]
    assert isinstance(org, OrgResult)
    assert len(org.team_ids) == 8 and len(org.rep_ids) == 37 and len(org.inactive_rep_ids) == 2
    assert sum(len(v) for v in org.team_reps.values()) == 37
    assert set(org.rep_ids) == set(
        User.objects.filter(role__code="rep", is_active=True).values_list("pk", flat=True)
    )
    top = max(User.objects.values_list("pk", flat=True))
    assert seen["ids"] == [top + 1, top + 2, top + 3]
