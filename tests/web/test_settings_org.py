"""Organisation and user pages: the writes go through the services and show their errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

import salesdesk.org.services  # noqa: F401  (registers org units with the recycle bin)
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import OrgUnit, Role, User
from tests.conftest import PASSWORD, make_unit, make_user
from tests.web.conftest import snapshot


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class TestUnits:
    def test_create_unit_below_a_parent(self, org, login):
        client = login(org.admin)
        response = client.post(
            reverse("web:unit_create"),
            {
                "name": " Team C 三组 ",
                "code": "C",
                "kind": "team",
                "parent": org.east.pk,
                "manager": org.lead.pk,
                "sort_order": "3",
            },
            follow=True,
        )
        unit = OrgUnit.objects.get(name="Team C 三组")
        assert response.redirect_chain == [(reverse("web:unit_detail", args=[unit.pk]), 302)]
        assert (unit.code, unit.kind, unit.parent, unit.manager, unit.sort_order) == (
            "C",
            "team",
            org.east,
            org.lead,
            3,
        )
        assert unit.path == f"{org.east.path}{unit.pk}/"
        assert messages_of(response) == ["Unit “Team C 三组” created."]

    def test_create_form_proposes_the_parent_and_next_kind(self, org, login):
        response = login(org.admin).get(reverse("web:unit_create") + f"?parent={org.hq.pk}")
        form = response.context["form"]
        assert form.initial == {"kind": "region", "parent": org.hq.pk}

    def test_invalid_unit_shows_inline_errors_and_changes_nothing(self, org, login):
        client = login(org.admin)
        before = snapshot()
        response = client.post(reverse("web:unit_create"), {"name": "", "kind": "planet"})
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "name": ["This field is required."],
            "kind": ["Select a valid choice. planet is not one of the available choices."],
        }
        content = response.content.decode()
        assert 'aria-invalid="true"' in content
        assert (
            '<div class="invalid-feedback d-block" id="id_name_error">This field is required.</div>'
            in content
        )
        assert snapshot() == before

    def test_service_errors_show_next_to_the_field(self, org, login):
        client = login(org.admin)
        before = snapshot()
        response = client.post(
            reverse("web:unit_move", args=[org.east.pk]),
            {"parent": "", "version": org.east.version},
        )
        # A top-level unit is allowed for a full administrator: moving East to the top works.
        assert response.status_code == 302
        OrgUnit.all_objects.filter(pk=org.east.pk).update(parent=org.hq, path=org.east.path)
        response = client.post(
            reverse("web:unit_move", args=[org.team_a.pk]), {"parent": org.team_a.pk, "version": 1}
        )
        assert response.context["form"].errors == {
            "parent": ["Select a valid choice. That choice is not one of the available choices."]
        }
        assert before["units"][0] == snapshot()["units"][0]

    def test_move_rewrites_the_subtree(self, org, login):
        client = login(org.admin)
        north = make_unit("North 华北", "region", org.hq)
        response = client.post(
            reverse("web:unit_move", args=[org.team_a.pk]),
            {"parent": north.pk, "version": org.team_a.version},
        )
        assert response.status_code == 302
        team_a = OrgUnit.objects.get(pk=org.team_a.pk)
        assert (team_a.parent_id, team_a.path, team_a.depth) == (
            north.pk,
            f"/{org.hq.pk}/{north.pk}/{team_a.pk}/",
            2,
        )

    def test_edit_unit_and_history_tab(self, org, login):
        client = login(org.admin)
        response = client.post(
            reverse("web:unit_edit", args=[org.team_b.pk]),
            {
                "name": "Team B 二组 (上海)",
                "code": "SH",
                "kind": "team",
                "parent": org.east.pk,
                "manager": org.other_rep.pk,
                "sort_order": "0",
                "version": org.team_b.version,
            },
        )
        assert response.status_code == 302
        unit = OrgUnit.objects.get(pk=org.team_b.pk)
        assert (unit.name, unit.code, unit.manager, unit.version) == (
            "Team B 二组 (上海)",
            "SH",
            org.other_rep,
            2,
        )
        history = client.get(reverse("web:unit_detail", args=[unit.pk]) + "?tab=history")
        entries = history.context["history"]
        assert [(e.by, e.kind) for e in entries] == [("管理员 Admin", "changed"), ("", "created")]
        assert [(c.label, c.old, c.new) for c in entries[0].changes] == [
            ("name", "Team B 二组", "Team B 二组 (上海)"),
            ("code", "—", "SH"),
            ("unit manager", "—", "赵六 Zhao Liu"),
        ]
        content = history.content.decode()
        assert '<del class="sd-old">Team B 二组</del>' in content
        assert '<ins class="sd-new">Team B 二组 (上海)</ins>' in content

    def test_stale_unit_edit_shows_the_conflict(self, org, login):
        client = login(org.admin)
        stale_version = org.team_b.version
        client.post(
            reverse("web:unit_edit", args=[org.team_b.pk]),
            {"name": "Team B one", "kind": "team", "parent": org.east.pk, "version": stale_version},
        )
        response = client.post(
            reverse("web:unit_edit", args=[org.team_b.pk]),
            {"name": "Team B two", "kind": "team", "parent": org.east.pk, "version": stale_version},
        )
        assert response.status_code == 409
        assert OrgUnit.objects.get(pk=org.team_b.pk).name == "Team B one"
        content = response.content.decode()
        assert "Someone else changed this record while you were editing it" in content
        assert "<strong>管理员 Admin</strong>" in content
        assert "changed: name" in content

    def test_delete_moves_an_empty_unit_to_the_recycle_bin(self, org, login):
        empty = make_unit("Team C 三组", "team", org.east)
        response = login(org.admin).post(reverse("web:unit_delete", args=[empty.pk]), follow=True)
        assert response.redirect_chain == [(reverse("web:units"), 302)]
        assert messages_of(response) == ["Unit “Team C 三组” moved to the recycle bin."]
        deleted = OrgUnit.all_objects.get(pk=empty.pk)
        assert (deleted.is_deleted, deleted.deleted_by) == (True, org.admin)
        assert not OrgUnit.objects.filter(pk=empty.pk).exists()

    def test_delete_refused_while_the_unit_has_members(self, org, login):
        before = snapshot()
        response = login(org.admin).post(
            reverse("web:unit_delete", args=[org.team_b.pk]), follow=True
        )
        assert response.redirect_chain == [(reverse("web:unit_detail", args=[org.team_b.pk]), 302)]
        assert messages_of(response) == [
            "Move the active members of this unit to another unit first."
        ]
        after = snapshot()
        assert after["units"] == before["units"]

    def test_delete_needs_post(self, org, login):
        assert (
            login(org.admin).get(reverse("web:unit_delete", args=[org.team_b.pk])).status_code
            == 405
        )


class TestUserList:
    def test_filters_sort_and_page_are_in_the_url(self, org, login):
        for i in range(30):
            make_user(
                f"extra{i:02d}", "rep", org.team_b, org.director, display_name=f"Extra {i:02d}"
            )
        client = login(org.admin)
        response = client.get(
            reverse("web:users"),
            {"unit": org.team_b.pk, "active": "1", "sort": "-username", "size": "10", "page": "2"},
        )
        names = [u.username for u in response.context["users"]]
        assert names == [f"extra{i:02d}" for i in range(20, 10, -1)]
        assert response.context["page"].paginator.count == 31
        content = response.content.decode()
        assert (
            f"?unit={org.team_b.pk}&amp;active=1&amp;sort=-username&amp;size=10&amp;page=3"
            in content
        )

    def test_search_role_and_status_filters(self, org, login):
        client = login(org.admin)
        rep_role = Role.objects.get(code="rep")
        by_role = client.get(reverse("web:users"), {"role": rep_role.pk})
        assert [u.username for u in by_role.context["users"]] == ["gone", "other_rep", "rep"]
        inactive = client.get(reverse("web:users"), {"active": "0"})
        assert [u.username for u in inactive.context["users"]] == ["gone"]
        found = client.get(reverse("web:users"), {"q": "zhang"})
        assert [u.username for u in found.context["users"]] == ["rep"]
        subtree = client.get(reverse("web:users"), {"unit": org.east.pk, "sort": "-username"})
        assert [u.username for u in subtree.context["users"]] == [
            "rep",
            "other_rep",
            "lead",
            "gone",
            "director",
        ]

    def test_page_size_is_capped_and_bad_values_are_ignored(self, org, login):
        response = login(org.admin).get(
            reverse("web:users"),
            {"size": "100000", "page": "x", "sort": "password", "unit": "nope", "active": "maybe"},
        )
        assert response.status_code == 200
        assert response.context["page"].paginator.per_page == 100
        assert response.context["sort"] == "username"
        assert len(response.context["users"]) == 6

    def test_htmx_filter_returns_only_the_results(self, org, login):
        response = login(org.admin).get(
            reverse("web:users"),
            {"q": "lead"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="user-results",
        )
        content = response.content.decode()
        assert "<html" not in content
        assert content.count("sd-avatar sd-avatar-sm") == 1
        assert "李主管 Lead Li" in content

    def test_empty_state_says_what_to_do(self, org, login):
        response = login(org.admin).get(reverse("web:users"), {"q": "nobody-by-this-name"})
        content = response.content.decode()
        assert "No users match these filters" in content
        assert "Clear filters" in content


class TestUserWrites:
    def test_create_user(self, org, login):
        client = login(org.admin)
        response = client.post(
            reverse("web:user_create"),
            {
                "username": "wang",
                "display_name": "王五 Wang Wu",
                "email": "wang@example.com",
                "unit": org.team_a.pk,
                "reports_to": org.lead.pk,
                "role": Role.objects.get(code="rep").pk,
                "language": "en",
                "password": "Very-Long-Password-99",
                "password_again": "Very-Long-Password-99",
            },
        )
        user = User.objects.get(username="wang")
        assert response["Location"] == reverse("web:user_detail", args=[user.pk])
        assert (user.name, user.unit, user.reports_to, user.role.code, user.language) == (
            "王五 Wang Wu",
            org.team_a,
            org.lead,
            "rep",
            "en",
        )
        assert user.check_password("Very-Long-Password-99")
        assert AuditEvent.objects.filter(kind="user_created", target_id=str(user.pk)).count() == 1

    def test_password_policy_errors_are_shown_on_the_field(self, org, login):
        client = login(org.admin)
        before = snapshot()
        response = client.post(
            reverse("web:user_create"),
            {
                "username": "weak",
                "role": Role.objects.get(code="rep").pk,
                "password": "password",
                "password_again": "password",
            },
        )
        assert response.context["form"].errors == {
            "password": [
                "This password is too short. It must contain at least 12 characters.",
                "This password is too common.",
            ]
        }
        assert snapshot() == before

    def test_taken_username_is_a_field_error(self, org, login):
        response = login(org.admin).post(
            reverse("web:user_create"),
            {
                "username": "REP",
                "role": Role.objects.get(code="rep").pk,
                "password": "Very-Long-Password-99",
                "password_again": "Very-Long-Password-99",
            },
        )
        assert response.context["form"].errors == {"username": ["This username is taken."]}

    def test_stale_user_edit_shows_who_changed_what(self, org, login):
        other_admin = make_user("admin2", "admin", org.hq, display_name="钱七 Admin Two")
        mine, theirs = login(org.admin), login(other_admin)
        rep_role = Role.objects.get(code="rep")
        opened = mine.get(reverse("web:user_edit", args=[org.rep.pk]))
        version = opened.context["form"].initial["version"]
        assert version == 1
        saved = theirs.post(
            reverse("web:user_edit", args=[org.rep.pk]),
            {
                "username": "rep",
                "display_name": "张三 Zhang San",
                "title": "Key account manager",
                "unit": org.team_a.pk,
                "reports_to": org.lead.pk,
                "role": rep_role.pk,
                "version": version,
            },
        )
        assert saved.status_code == 302
        response = mine.post(
            reverse("web:user_edit", args=[org.rep.pk]),
            {
                "username": "rep",
                "display_name": "张三 Zhang San",
                "phone": "13800000000",
                "unit": org.team_a.pk,
                "reports_to": org.lead.pk,
                "role": rep_role.pk,
                "version": version,
            },
        )
        assert response.status_code == 409
        rep = User.objects.get(pk=org.rep.pk)
        assert (rep.title, rep.phone, rep.version) == ("Key account manager", "", 2)
        conflict = response.context["conflict"]
        assert [(c["by"], c["labels"]) for c in conflict.changes] == [
            ("钱七 Admin Two", ["job title"])
        ]
        content = response.content.decode()
        assert "<strong>钱七 Admin Two</strong>" in content
        assert "changed: job title" in content
        assert (
            f'<a class="btn btn-warning btn-sm" href="{reverse("web:user_edit", args=[rep.pk])}"'
            " data-discard-changes>"
        ) in content
        # The form keeps what the user typed.
        assert 'value="13800000000"' in content

    def test_deactivate_and_reactivate(self, org, login):
        client = login(org.admin)
        response = client.post(reverse("web:user_deactivate", args=[org.rep.pk]), follow=True)
        rep = User.objects.get(pk=org.rep.pk)
        assert rep.is_active is False
        assert rep.deactivated_at is not None
        assert messages_of(response) == [
            "“张三 Zhang San” is deactivated: they can no longer sign in; their records are kept."
        ]
        response = client.post(reverse("web:user_reactivate", args=[org.rep.pk]), follow=True)
        assert User.objects.get(pk=org.rep.pk).is_active is True
        assert messages_of(response) == ["“张三 Zhang San” is active again."]

    def test_cannot_deactivate_yourself(self, org, login):
        client = login(org.admin)
        before = snapshot()
        response = client.post(reverse("web:user_deactivate", args=[org.admin.pk]), follow=True)
        assert messages_of(response) == ["You cannot deactivate yourself."]
        assert snapshot()["users"] == before["users"]

    def test_set_password(self, org, login):
        response = login(org.admin).post(
            reverse("web:user_password", args=[org.rep.pk]),
            {"password": "Another-Long-Secret-7", "password_again": "Another-Long-Secret-7"},
        )
        assert response["Location"] == reverse("web:user_detail", args=[org.rep.pk])
        rep = User.objects.get(pk=org.rep.pk)
        assert rep.check_password("Another-Long-Secret-7")
        assert not rep.check_password(PASSWORD)

    def test_mismatched_passwords(self, org, login):
        response = login(org.admin).post(
            reverse("web:user_password", args=[org.rep.pk]),
            {"password": "Another-Long-Secret-7", "password_again": "Another-Long-Secret-8"},
        )
        assert response.context["form"].errors == {
            "password_again": ["The two passwords do not match."]
        }
        assert User.objects.get(pk=org.rep.pk).check_password(PASSWORD)

    def test_user_history_tab(self, org, login):
        client = login(org.admin)
        client.post(
            reverse("web:user_edit", args=[org.rep.pk]),
            {
                "username": "rep",
                "display_name": "张三 Zhang San",
                "unit": org.team_b.pk,
                "reports_to": org.director.pk,
                "role": Role.objects.get(code="team_lead").pk,
                "version": 1,
            },
        )
        response = client.get(reverse("web:user_detail", args=[org.rep.pk]) + "?tab=history")
        entries = response.context["history"]
        assert [(c.label, c.old, c.new) for c in entries[0].changes] == [
            ("org unit", "Team A 一组", "Team B 二组"),
            ("reports to", "李主管 Lead Li", "王总监 Director Wang"),
            ("role", "销售代表", "销售主管"),
        ]
        assert entries[0].by == "管理员 Admin"


class TestRoles:
    def test_role_matrix(self, org, login):
        response = login(org.admin).get(reverse("web:roles"))
        roles = response.context["roles"]
        assert [(r.code, r.grants, r.user_count) for r in roles] == [
            # export, delete, transfer, approve, pool admin, configure, set goals, evaluate,
            # commissions, training
            ("rep", [False] * 10, 2),
            ("team_lead", [True, False, True, True, False, False, True, False, False, False], 1),
            ("manager", [True, True, True, True, True, False, True, True, False, True], 0),
            ("director", [True, True, True, True, True, False, True, True, True, True], 1),
            ("finance", [True, False, False, True, False, False, False, False, True, False], 0),
            ("admin", [True] * 10, 1),
        ]

    def test_edit_scope_and_permissions(self, org, login):
        role = Role.objects.get(code="rep")
        response = login(org.admin).post(
            reverse("web:role_edit", args=[role.pk]),
            {
                "name": "销售代表",
                "name_en": "Sales rep",
                "data_scope": "own_unit",
                "can_export": "on",
                "can_transfer": "on",
                "version": role.version,
            },
        )
        assert response["Location"] == reverse("web:roles")
        role.refresh_from_db()
        assert (role.data_scope, role.permissions()) == ("own_unit", ["can_export", "can_transfer"])
        event = AuditEvent.objects.get(kind="permission_changed")
        assert event.data == {
            "changes": {
                "data_scope": ["own", "own_unit"],
                "can_export": [False, True],
                "can_transfer": [False, True],
            }
        }

    def test_admin_role_keeps_configuration(self, org, login):
        role = Role.objects.get(code="admin")
        before = snapshot()
        response = login(org.admin).post(
            reverse("web:role_edit", args=[role.pk]),
            {"name": "系统管理员", "data_scope": "all", "version": role.version},
        )
        assert response.context["form"].non_field_errors() == [
            "The administrator role must keep configuration rights and the 'all records' scope."
        ]
        assert snapshot()["roles"] == before["roles"]


@pytest.mark.parametrize("persona", ["admin", "director"])
def test_recycle_bin_restore(org, login, persona):
    empty = make_unit("Team C 三组", "team", org.east)
    from salesdesk.core.recycle import record_soft_delete

    record_soft_delete(model=OrgUnit, pk=empty.pk, actor=org.admin)
    client = login(org.personas()[persona])
    page = client.get(reverse("web:recycle_bin") + "?type=org.orgunit")
    assert [row["obj"].name for row in page.context["rows"]] == ["Team C 三组"]
    content = page.content.decode()
    assert "Deleted records stay here for 30 days, then they are removed for good." in content
    assert ("Delete for good" in content) is (persona == "admin")
    response = client.post(
        reverse("web:recycle_restore", args=["org.orgunit", empty.pk]), follow=True
    )
    assert messages_of(response) == ["“Team C 三组” was restored."]
    assert OrgUnit.objects.filter(pk=empty.pk).exists()


def test_recycle_bin_purge_by_admin_only(org, login):
    empty = make_unit("Team C 三组", "team", org.east)
    from salesdesk.core.recycle import record_soft_delete

    record_soft_delete(model=OrgUnit, pk=empty.pk, actor=org.admin)
    url = reverse("web:recycle_purge", args=["org.orgunit", empty.pk])
    director = login(org.director)
    assert director.post(url).status_code == 403
    assert OrgUnit.all_objects.filter(pk=empty.pk).exists()
    response = login(org.admin).post(url, follow=True)
    assert messages_of(response) == ["“Team C 三组” was deleted for good."]
    assert not OrgUnit.all_objects.filter(pk=empty.pk).exists()


def test_recycle_bin_unknown_type_is_404(org, login):
    url = reverse("web:recycle_restore", args=["nope.model", 1])
    assert login(org.admin).post(url).status_code == 404


def test_recycle_bin_out_of_scope_record_is_404(org, login, regional_admin):
    from salesdesk.core.recycle import record_soft_delete

    west = make_unit("West 西区", "region", org.hq)
    record_soft_delete(model=OrgUnit, pk=west.pk, actor=org.admin)
    client = login(regional_admin)
    assert client.get(reverse("web:recycle_bin")).context["rows"] == []
    before = snapshot()
    assert (
        client.post(reverse("web:recycle_restore", args=["org.orgunit", west.pk])).status_code
        == 404
    )
    assert snapshot() == before


class TestAuditLog:
    def test_filters(self, org, login):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        tz = ZoneInfo("Asia/Shanghai")
        AuditEvent.objects.create(
            kind="login",
            actor=org.rep,
            username="rep",
            created_at=datetime(2026, 3, 1, 9, 0, tzinfo=tz),
        )
        AuditEvent.objects.create(
            kind="login_failed", username="rep", created_at=datetime(2026, 3, 2, 23, 59, tzinfo=tz)
        )
        AuditEvent.objects.create(
            kind="login",
            actor=org.lead,
            username="lead",
            created_at=datetime(2026, 3, 3, 0, 0, tzinfo=tz),
        )
        client = login(org.admin)
        by_kind = client.get(reverse("web:audit_log"), {"kind": "login"})
        assert [e.username for e in by_kind.context["events"]] == ["lead", "rep"]
        by_user = client.get(reverse("web:audit_log"), {"user": "rep"})
        assert [e.kind for e in by_user.context["events"]] == ["login_failed", "login"]
        by_date = client.get(
            reverse("web:audit_log"), {"date_from": "2026-03-02", "date_to": "2026-03-02"}
        )
        assert [e.kind for e in by_date.context["events"]] == ["login_failed"]
        content = by_date.content.decode()
        assert '<td class="text-end sd-num text-nowrap">2026-03-02 23:59:00</td>' in content
        assert '<span class="sd-event sd-event-login_failed">Sign-in failed</span>' in content

    def test_regional_configurator_sees_only_their_people(self, org, login, regional_admin):
        AuditEvent.objects.create(kind="login", actor=org.admin, username="admin")
        AuditEvent.objects.create(kind="login", actor=org.other_rep, username="other_rep")
        response = login(regional_admin).get(reverse("web:audit_log"))
        assert [e.username for e in response.context["events"]] == ["other_rep"]
