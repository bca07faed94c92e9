"""Goal pages and API: the access matrix (rep, other rep, team lead, manager, director, admin),
exact visibility, denials that change nothing, the grid and both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from salesdesk.core.models import AuditEvent
from salesdesk.targets.models import Goal, GoalPart, GoalStatus, Granularity
from tests.api.conftest import ApiClient
from tests.targets.conftest import SETTERS, VISIBLE, _persona


def _snapshot():
    return (
        list(Goal.all_objects.order_by("pk").values()),
        list(GoalPart.objects.order_by("pk").values_list("pk", "amount")),
    )


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_access_matrix_pages(org, manager, goals, persona):
    user = _persona(org, manager, persona)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(reverse("web:goal_list"))
    assert response.status_code == 200
    shown = {k for k, g in goals.items() if f'href="/targets/goals/{g.pk}/"' in response.text}
    assert shown == VISIBLE[persona]
    before = _snapshot()
    for key, goal in goals.items():
        detail = client.get(reverse("web:goal_detail", args=[goal.pk]))
        decompose = client.get(reverse("web:goal_decompose", args=[goal.pk]))
        part = GoalPart.objects.filter(goal=goal, granularity=Granularity.MONTH).first()
        edit = client.post(
            reverse("web:goal_part_edit", args=[goal.pk, part.pk]),
            {"amount": "1", "mode": "siblings", "version": goal.version},
        )
        delete = client.post(reverse("web:goal_delete", args=[goal.pk]))
        if key not in VISIBLE[persona]:
            assert (detail.status_code, decompose.status_code) == (404, 404)
            assert (edit.status_code, delete.status_code) == (404, 404)
        else:
            assert detail.status_code == 200
            assert goal.name in detail.text
            if persona not in SETTERS:
                assert (decompose.status_code, edit.status_code) == (403, 403)
                assert "web:goal_edit" not in detail.text and "/edit/" not in detail.text
    if persona in ("rep", "other_rep"):
        assert _snapshot() == before
        assert client.get(reverse("web:goal_create")).status_code == 403


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_access_matrix_api(org, manager, goals, persona):
    user = _persona(org, manager, persona)
    api = ApiClient(user)
    body = api.get("/api/v1/goals?page_size=200").json()
    assert {k for k, g in goals.items() if g.pk in {i["id"] for i in body["items"]}} == VISIBLE[
        persona
    ]
    before = _snapshot()
    for key, goal in goals.items():
        read = api.get(f"/api/v1/goals/{goal.pk}")
        parts = api.get(f"/api/v1/goals/{goal.pk}/allocation?granularity=month")
        patch = api.patch(f"/api/v1/goals/{goal.pk}", {"version": goal.version, "name": "x"})
        if key not in VISIBLE[persona]:
            assert (read.status_code, parts.status_code) == (404, 404)
            assert patch.status_code == (404 if persona in SETTERS else 403)
        else:
            assert read.status_code == 200 and parts.status_code == 200
            assert parts.json()["count"] == 12 * (
                3 if key == "company" else 2 if key == "team_a" else 1
            )
            if persona not in SETTERS:
                assert patch.status_code == 403
    if persona not in SETTERS:
        assert _snapshot() == before


def test_api_create_decompose_and_edit_a_part(org):
    api = ApiClient(org.lead)
    created = api.post(
        "/api/v1/goals",
        {
            "name": "Q1 张三",
            "metric": "won_amount",
            "owner_kind": "user",
            "user": org.rep.pk,
            "period_kind": "quarter",
            "year": 2026,
            "quarter": 1,
            "target_value": "5900.00",
        },
    )
    assert created.status_code == 201, created.json()
    goal = created.json()
    assert (goal["period_start"], goal["period_end"]) == ("2026-01-01", "2026-03-31")
    bad = api.post(f"/api/v1/goals/{goal['id']}/decompose", {"method": "nope"})
    assert bad.status_code == 422 and "method" in bad.json()["fields"]
    done = api.post(f"/api/v1/goals/{goal['id']}/decompose", {"version": 1, "method": "equal"})
    assert done.status_code == 200 and done.json()["version"] == 2
    months = api.get(f"/api/v1/goals/{goal['id']}/allocation?granularity=month").json()["items"]
    # Q1 2026: 59 working days (Jan 21, Feb 15 around the Spring Festival, Mar 22 … as computed).
    assert sum(Decimal(m["amount"]) for m in months) == Decimal("5900.00")
    stale = api.patch(
        f"/api/v1/goals/{goal['id']}/allocation/{months[0]['id']}",
        {"version": 1, "amount": "1000.00"},
    )
    assert stale.status_code == 409
    ok = api.patch(
        f"/api/v1/goals/{goal['id']}/allocation/{months[0]['id']}",
        {"version": 2, "amount": "1000.00"},
    )
    assert ok.status_code == 200 and ok.json()["amount"] == "1000.00"
    months = api.get(f"/api/v1/goals/{goal['id']}/allocation?granularity=month").json()["items"]
    assert sum(Decimal(m["amount"]) for m in months) == Decimal("5900.00")
    check = api.post(
        "/api/v1/goals/check",
        {
            "metric": "won_amount",
            "owner_kind": "user",
            "user": org.rep.pk,
            "period_kind": "year",
            "year": 2026,
            "target_value": "100",
        },
    )
    assert check.status_code == 200 and check.json()["verdict"] == "unlikely"


def test_goal_pages_render_in_both_languages(org, goals):
    goal = goals["company"]
    jan = GoalPart.objects.filter(goal=goal, granularity=Granularity.MONTH).order_by("start")[0]
    root = GoalPart.objects.get(goal=goal, parent__isnull=True)
    for language, words in (
        ("en", ["Goals", "Allocation", "Weeks and working days of 2026-01", "Change a part"]),
        ("zh-hans", ["目标", "分配", "2026-01", "调整"]),
    ):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(org.admin)
        pages = [
            client.get(reverse("web:goal_list")),
            client.get(
                reverse("web:goal_detail", args=[goal.pk])
                + f"?node={root.pk}&month=2026-01&part={jan.pk}"
            ),
            client.get(reverse("web:goal_create")),
            client.get(reverse("web:goal_decompose", args=[goal.pk])),
        ]
        assert [p.status_code for p in pages] == [200, 200, 200, 200]
        text = "".join(p.text for p in pages)
        for word in words:
            assert word in text, (language, word)


def test_a_goals_target_is_called_a_target_value_in_chinese_not_an_audit_object(org, goals):
    """The msgid "Target" had one translation, 对象 (the audited object), so the goal pages
    showed a goal's target value as its "object"; the audit log's column has its own context."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(org.admin)
    detail = client.get(reverse("web:goal_detail", args=[goals["company"].pk])).text
    assert '<dt class="col-6 col-md-2">目标值</dt>' in detail
    assert ">对象<" not in detail
    AuditEvent.objects.create(kind="login", actor=org.rep, username="rep")
    audit = client.get(reverse("web:audit_log")).text
    assert '<th scope="col" class="d-none d-md-table-cell">对象</th>' in audit


def test_an_active_goal_is_not_called_on_the_job_in_chinese():
    """A person who is "Active" is 在职 (on the job); a goal's status has its own context."""
    with translation.override("zh-hans"):
        assert str(GoalStatus.ACTIVE.label) == "进行中"
    with translation.override("en"):
        assert str(GoalStatus.ACTIVE.label) == "Active"


def test_form_check_fragment_and_create_through_the_page(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.director)
    data = {
        "name": "Team A 2026",
        "metric": "signed_amount",
        "owner_kind": "unit",
        "unit": org.team_a.pk,
        "period_kind": "year",
        "year": 2026,
        "target_value": "100000",
        "status": "active",
    }
    check = client.get(reverse("web:goal_check"), data)
    assert check.status_code == 200 and 'data-verdict="unlikely"' in check.text
    created = client.post(reverse("web:goal_create"), data)
    assert created.status_code == 302
    goal = Goal.objects.get(name="Team A 2026")
    response = client.post(
        reverse("web:goal_decompose", args=[goal.pk]),
        {
            "method": "custom",
            "seasonality": "working_days",
            "version": goal.version,
            f"w-{org.rep.pk}": "1",
            f"w-{org.lead.pk}": "3",
        },
    )
    assert response.status_code == 302
    person = {
        p.owner_user_id: p.amount
        for p in GoalPart.objects.filter(goal=goal, granularity=Granularity.PERIOD)
        if p.owner_user_id
    }
    assert person == {org.rep.pk: Decimal("25000.00"), org.lead.pk: Decimal("75000.00")}
    stale = client.post(
        reverse("web:goal_edit", args=[goal.pk]), {**data, "name": "old", "version": 1}
    )
    assert stale.status_code == 409
    goal.refresh_from_db()
    assert goal.name == "Team A 2026"
