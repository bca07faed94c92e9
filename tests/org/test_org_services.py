"""ORG-1, ORG-3: organisation services, with denials that change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from salesdesk.core.locking import StaleEditError
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import OrgUnit, Role, Share, User
from salesdesk.org.services import (
    role_update,
    share_grant,
    share_revoke,
    unit_create,
    unit_update,
    user_create,
    user_deactivate,
    user_reactivate,
    user_update,
)
from tests.scoping_app.models import Record


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def snapshot():
    return (
        list(OrgUnit.all_objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        list(Role.objects.order_by("pk").values()),
    )


def test_unit_create_sets_path_and_depth(org):
    unit = unit_create(actor=org.admin, name=" West 西部 ", kind="region", parent=org.hq)
    unit.refresh_from_db()
    assert unit.name == "West 西部"
    assert unit.path == f"/{org.hq.pk}/{unit.pk}/"
    assert unit.depth == 1
    event = AuditEvent.objects.get(kind="unit_changed", target_id=str(unit.pk))
    assert event.actor == org.admin
    assert event.data == {"action": "created"}


@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead", "director", "deactivated"])
def test_unit_create_denied_without_configure(org, persona):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        unit_create(actor=org.personas()[persona], name="X", kind="team", parent=org.east)
    assert snapshot() == before


def test_moving_a_unit_rewrites_the_subtree_paths(org):
    west = unit_create(actor=org.admin, name="West", kind="region", parent=org.hq)
    unit_update(actor=org.admin, unit=org.east, parent=west)
    paths = dict(OrgUnit.objects.values_list("name", "path"))
    hq, e, a, b, w = org.hq.pk, org.east.pk, org.team_a.pk, org.team_b.pk, west.pk
    assert paths == {
        "HQ 总部": f"/{hq}/",
        "West": f"/{hq}/{w}/",
        "East 华东大区": f"/{hq}/{w}/{e}/",
        "Team A 一组": f"/{hq}/{w}/{e}/{a}/",
        "Team B 二组": f"/{hq}/{w}/{e}/{b}/",
    }
    assert OrgUnit.objects.get(pk=a).depth == 3


def test_unit_cannot_move_below_itself(org):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        unit_update(actor=org.admin, unit=org.east, parent=org.team_a)
    assert exc.value.message_dict == {"parent": ["A unit cannot be moved below itself."]}
    assert snapshot() == before


def test_stale_unit_edit_is_refused_and_names_the_editor(org):
    unit = OrgUnit.objects.get(pk=org.team_a.pk)
    loaded_version = unit.version
    unit_update(actor=org.admin, unit=unit, expected_version=loaded_version, name="Team A 新名")
    with pytest.raises(StaleEditError):
        unit_update(actor=org.admin, unit=unit, expected_version=loaded_version, name="Other")
    assert OrgUnit.objects.get(pk=unit.pk).name == "Team A 新名"
    assert OrgUnit.objects.get(pk=unit.pk).version == loaded_version + 1


def test_user_create_applies_password_policy(org):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        user_create(
            actor=org.admin, username="newbie", password="short", role=org.rep.role, unit=org.team_a
        )
    assert "password" in exc.value.message_dict
    assert snapshot() == before


def test_user_create_and_reporting_loop_refused(org):
    user = user_create(
        actor=org.admin,
        username="newbie",
        password="Quiet-Harbour-2026",
        role=org.rep.role,
        unit=org.team_a,
        reports_to=org.rep,
        display_name="新人 Newbie",
    )
    assert user.check_password("Quiet-Harbour-2026")
    assert user.is_staff is False
    with pytest.raises(ValidationError) as exc:
        user_update(actor=org.admin, user=org.rep, reports_to=user)
    assert exc.value.message_dict == {"reports_to": ["This would make a reporting loop."]}
    assert User.objects.get(pk=org.rep.pk).reports_to_id == org.lead.pk


def test_director_cannot_manage_users_outside_their_tree(org):
    # directors lack the configure permission entirely
    before = snapshot()
    with pytest.raises(PermissionDenied):
        user_update(actor=org.director, user=org.rep, display_name="x")
    assert snapshot() == before


def test_deactivation_keeps_records_and_records_an_event(org):
    Record.objects.create(title="deal", owner=org.rep, org_unit=org.team_a)
    user_deactivate(actor=org.admin, user=org.rep)
    rep = User.objects.get(pk=org.rep.pk)
    assert rep.is_active is False
    assert rep.deactivated_at is not None
    assert Record.objects.filter(owner=rep).count() == 1
    # the lead still sees the record of the deactivated subordinate
    assert Record.objects.visible_to(org.lead).count() == 1
    assert AuditEvent.objects.filter(kind="user_deactivated", target_id=str(rep.pk)).count() == 1
    user_reactivate(actor=org.admin, user=rep)
    assert User.objects.get(pk=rep.pk).is_active is True


def test_cannot_deactivate_self(org):
    with pytest.raises(ValidationError):
        user_deactivate(actor=org.admin, user=org.admin)
    assert User.objects.get(pk=org.admin.pk).is_active is True


def test_role_update_is_audited_and_admin_role_protected(org):
    rep_role = Role.objects.get(code="rep")
    role_update(actor=org.admin, role=rep_role, can_export=True)
    assert Role.objects.get(code="rep").can_export is True
    event = AuditEvent.objects.get(kind="permission_changed")
    assert event.data == {"changes": {"can_export": [False, True]}}
    with pytest.raises(ValidationError):
        role_update(actor=org.admin, role=Role.objects.get(code="admin"), can_configure=False)
    assert Role.objects.get(code="admin").can_configure is True


def test_role_change_updates_staff_flag(org):
    user_update(actor=org.admin, user=org.rep, role=Role.objects.get(code="admin"))
    assert User.objects.get(pk=org.rep.pk).is_staff is True
    assert AuditEvent.objects.get(kind="role_changed").data == {"from": "rep", "to": "admin"}


def test_stale_edit_error_says_who_changed_which_field(org):
    unit = OrgUnit.objects.get(pk=org.team_a.pk)
    loaded = unit.version
    unit_update(actor=org.admin, unit=unit, expected_version=loaded, name="Renamed")
    with pytest.raises(StaleEditError) as exc:
        unit_update(actor=org.admin, unit=unit, expected_version=loaded, code="A1")
    assert [(c["by"], c["fields"]) for c in exc.value.changes] == [("管理员 Admin", ["name"])]
    assert "管理员 Admin" in exc.value.messages[0]


def test_share_grant_and_revoke_maintain_the_flag_and_audit(org):
    record = Record.objects.create(title="deal", owner=org.rep, org_unit=org.team_a)
    assert list(Record.objects.visible_to(org.other_rep)) == []
    share_grant(actor=org.rep, record=record, user=org.other_rep, access="read")
    other = User.objects.get(pk=org.other_rep.pk)
    assert other.has_received_shares is True
    assert list(Record.objects.visible_to(other)) == [record]
    assert list(Record.objects.editable_by(other)) == []
    share_grant(actor=org.rep, record=record, user=other, access="write")
    assert list(Record.objects.editable_by(other)) == [record]
    share_revoke(actor=org.rep, record=record, user=other)
    other = User.objects.get(pk=org.other_rep.pk)
    assert other.has_received_shares is False
    assert list(Record.objects.visible_to(other)) == []
    kinds = list(
        AuditEvent.objects.filter(kind="share_changed")
        .order_by("id")
        .values_list("data", flat=True)
    )
    assert kinds == [
        {"user": "other_rep", "access": "read"},
        {"user": "other_rep", "access": "write"},
        {"user": "other_rep", "access": None},
    ]


def test_share_grant_denied_outside_scope_changes_nothing(org):
    record = Record.objects.create(title="deal", owner=org.rep, org_unit=org.team_a)
    with pytest.raises(Record.DoesNotExist):
        share_grant(actor=org.other_rep, record=record, user=org.other_rep, access="read")
    with pytest.raises(ValidationError):
        share_grant(actor=org.rep, record=record, user=org.deactivated, access="read")
    assert Share.objects.count() == 0
    assert User.objects.filter(has_received_shares=True).count() == 0
