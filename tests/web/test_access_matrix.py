"""Every page × every persona: allowed ones answer 200 with their content, the others 403/404
(or the sign-in redirect for the deactivated user), and denied writes change nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

import salesdesk.org.services  # noqa: F401  (registers org units with the recycle bin)
from salesdesk.org.models import OrgUnit, Role
from tests.web.conftest import snapshot

PERSONAS = ["rep", "other_rep", "lead", "director", "admin", "deactivated"]
ADMIN_ONLY = {
    "admin": 200,
    "rep": 403,
    "other_rep": 403,
    "lead": 403,
    "director": 403,
    "deactivated": 302,
}
EVERYONE = {
    "admin": 200,
    "rep": 200,
    "other_rep": 200,
    "lead": 200,
    "director": 200,
    "deactivated": 302,
}
DELETERS = {
    "admin": 200,
    "director": 200,
    "rep": 403,
    "other_rep": 403,
    "lead": 403,
    "deactivated": 302,
}


def _pages(org):
    role = Role.objects.get(code="rep")
    # (url, expected status per persona, text every allowed page shows)
    return {
        "home": (reverse("web:home"), EVERYONE, "My to-dos"),
        "inbox": (reverse("web:inbox"), EVERYONE, '<h1 class="sd-page-title">To-do</h1>'),
        "inbox_email": (reverse("web:inbox_email"), EVERYONE, "Daily to-do email"),
        "search": (
            reverse("web:search") + "?q=Team",
            EVERYONE,
            '<h1 class="sd-page-title">Search</h1>',
        ),
        "notifications": (
            reverse("web:notifications"),
            EVERYONE,
            '<h1 class="sd-page-title">Notifications</h1>',
        ),
        "units": (reverse("web:units"), ADMIN_ONLY, '<h1 class="sd-page-title">Organisation</h1>'),
        "unit_create": (
            reverse("web:unit_create"),
            ADMIN_ONLY,
            '<h1 class="sd-page-title">New unit</h1>',
        ),
        "unit_detail": (
            reverse("web:unit_detail", args=[org.team_a.pk]),
            ADMIN_ONLY,
            '<h1 class="sd-page-title">Team A 一组 <span class="badge sd-kind',
        ),
        "unit_history": (
            reverse("web:unit_detail", args=[org.team_a.pk]) + "?tab=history",
            ADMIN_ONLY,
            "sd-timeline",
        ),
        "unit_edit": (
            reverse("web:unit_edit", args=[org.team_a.pk]),
            ADMIN_ONLY,
            '<h1 class="sd-page-title">Edit unit</h1>',
        ),
        "unit_move": (
            reverse("web:unit_move", args=[org.team_a.pk]),
            ADMIN_ONLY,
            "Move “Team A 一组”",
        ),
        "users": (reverse("web:users"), ADMIN_ONLY, '<h1 class="sd-page-title">Users</h1>'),
        "user_create": (
            reverse("web:user_create"),
            ADMIN_ONLY,
            '<h1 class="sd-page-title">New user</h1>',
        ),
        "user_detail": (
            reverse("web:user_detail", args=[org.rep.pk]),
            ADMIN_ONLY,
            '<span>张三 Zhang San</span><span class="sd-status sd-status-ok',
        ),
        "user_history": (
            reverse("web:user_detail", args=[org.rep.pk]) + "?tab=history",
            ADMIN_ONLY,
            "sd-timeline",
        ),
        "user_edit": (
            reverse("web:user_edit", args=[org.rep.pk]),
            ADMIN_ONLY,
            '<h1 class="sd-page-title">Edit user</h1>',
        ),
        "user_password": (
            reverse("web:user_password", args=[org.rep.pk]),
            ADMIN_ONLY,
            "Set the password of 张三 Zhang San",
        ),
        "roles": (
            reverse("web:roles"),
            ADMIN_ONLY,
            '<h1 class="sd-page-title">Roles & permissions</h1>',
        ),
        "role_edit": (reverse("web:role_edit", args=[role.pk]), ADMIN_ONLY, "Role: Sales rep"),
        "recycle_bin": (
            reverse("web:recycle_bin"),
            DELETERS,
            '<h1 class="sd-page-title">Recycle bin</h1>',
        ),
        "audit_log": (
            reverse("web:audit_log"),
            ADMIN_ONLY,
            '<h1 class="sd-page-title">Audit log</h1>',
        ),
    }


PAGE_NAMES = [
    "home",
    "inbox",
    "inbox_email",
    "search",
    "notifications",
    "units",
    "unit_create",
    "unit_detail",
    "unit_history",
    "unit_edit",
    "unit_move",
    "users",
    "user_create",
    "user_detail",
    "user_history",
    "user_edit",
    "user_password",
    "roles",
    "role_edit",
    "recycle_bin",
    "audit_log",
]


@pytest.mark.parametrize("page", PAGE_NAMES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_access(org, login, page, persona):
    url, expected, text = _pages(org)[page]
    user = org.personas()[persona]
    response = login(user).get(url)
    assert response.status_code == expected[persona]
    content = response.content.decode()
    if expected[persona] == 200:
        assert text in content
    elif expected[persona] == 302:
        assert (
            response["Location"]
            == f"{reverse('web:login')}?next={url.replace('?', '%3F').replace('=', '%3D')}"
        )
    else:
        assert text not in content
        assert "You do not have access to this page" in content


def _posts(org):
    role = Role.objects.get(code="rep")
    return [
        (reverse("web:unit_create"), {"name": "Hacked", "kind": "team", "parent": org.east.pk}),
        (
            reverse("web:unit_edit", args=[org.team_a.pk]),
            {
                "name": "Hacked",
                "kind": "team",
                "parent": org.east.pk,
                "version": org.team_a.version,
            },
        ),
        (reverse("web:unit_move", args=[org.team_a.pk]), {"parent": org.hq.pk, "version": 1}),
        (reverse("web:unit_delete", args=[org.team_b.pk]), {}),
        (
            reverse("web:user_create"),
            {
                "username": "newbie",
                "role": role.pk,
                "unit": org.team_a.pk,
                "password": "Very-Long-Password-99",
                "password_again": "Very-Long-Password-99",
            },
        ),
        (
            reverse("web:user_edit", args=[org.rep.pk]),
            {
                "username": "rep",
                "display_name": "Hacked",
                "role": role.pk,
                "version": org.rep.version,
            },
        ),
        (reverse("web:user_deactivate", args=[org.rep.pk]), {}),
        (reverse("web:user_reactivate", args=[org.deactivated.pk]), {}),
        (
            reverse("web:user_password", args=[org.rep.pk]),
            {"password": "Very-Long-Password-99", "password_again": "Very-Long-Password-99"},
        ),
        (
            reverse("web:role_edit", args=[role.pk]),
            {"name": "销售代表", "data_scope": "all", "can_export": "on", "version": role.version},
        ),
        (reverse("web:recycle_purge", args=["org.orgunit", org.team_b.pk]), {}),
    ]


@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead", "director"])
def test_denied_writes_answer_403_and_change_nothing(org, login, persona):
    client = login(org.personas()[persona])
    before = snapshot()
    statuses = [client.post(url, data).status_code for url, data in _posts(org)]
    assert statuses == [403] * len(statuses)
    assert snapshot() == before


def test_deactivated_user_writes_redirect_to_sign_in_and_change_nothing(org, login):
    client = login(org.deactivated)
    before = snapshot()
    for url, data in _posts(org):
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login") + "?next=")
    assert snapshot() == before


def test_restore_needs_delete_permission(org, login):
    from salesdesk.core.recycle import record_soft_delete
    from tests.conftest import make_unit

    empty = make_unit("Team C 三组", "team", org.east)
    record_soft_delete(model=OrgUnit, pk=empty.pk, actor=org.admin)
    clients = [login(org.personas()[p]) for p in ["rep", "other_rep", "lead"]]
    before = snapshot()
    url = reverse("web:recycle_restore", args=["org.orgunit", empty.pk])
    assert [client.post(url).status_code for client in clients] == [403, 403, 403]
    assert snapshot() == before


class TestOutOfScope:
    """A configurator limited to the East region: records outside it answer 404."""

    def test_pages_outside_the_scope_answer_404(self, org, login, regional_admin):
        client = login(regional_admin)
        for url in [
            reverse("web:unit_detail", args=[org.hq.pk]),
            reverse("web:unit_edit", args=[org.hq.pk]),
            reverse("web:unit_move", args=[org.hq.pk]),
            reverse("web:user_detail", args=[org.admin.pk]),
            reverse("web:user_edit", args=[org.admin.pk]),
            reverse("web:user_password", args=[org.admin.pk]),
        ]:
            assert client.get(url).status_code == 404, url

    def test_pages_inside_the_scope_answer_200(self, org, login, regional_admin):
        client = login(regional_admin)
        assert client.get(reverse("web:unit_detail", args=[org.team_b.pk])).status_code == 200
        assert client.get(reverse("web:user_detail", args=[org.other_rep.pk])).status_code == 200
        units = client.get(reverse("web:units")).content.decode()
        assert "East 华东大区" in units
        assert "Team B 二组" in units
        assert "HQ 总部" not in units
        users = client.get(reverse("web:users")).content.decode()
        assert "赵六 Zhao Liu" in users
        assert "管理员 Admin" not in users

    def test_writes_outside_the_scope_answer_404_and_change_nothing(
        self, org, login, regional_admin
    ):
        client = login(regional_admin)
        role = Role.objects.get(code="rep")
        before = snapshot()
        posts = [
            (
                reverse("web:unit_edit", args=[org.hq.pk]),
                {"name": "Hacked", "kind": "company", "version": org.hq.version},
            ),
            (reverse("web:unit_delete", args=[org.hq.pk]), {}),
            (
                reverse("web:user_edit", args=[org.admin.pk]),
                {"username": "admin", "display_name": "Hacked", "role": role.pk, "version": 1},
            ),
            (reverse("web:user_deactivate", args=[org.admin.pk]), {}),
            (
                reverse("web:user_password", args=[org.admin.pk]),
                {"password": "Very-Long-Password-99", "password_again": "Very-Long-Password-99"},
            ),
        ]
        assert [client.post(url, data).status_code for url, data in posts] == [404] * 5
        assert snapshot() == before

    def test_choices_outside_the_scope_are_refused(self, org, login, regional_admin):
        client = login(regional_admin)
        before = snapshot()
        response = client.post(
            reverse("web:unit_create"), {"name": "Rogue", "kind": "team", "parent": org.hq.pk}
        )
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "parent": ["Select a valid choice. That choice is not one of the available choices."]
        }
        assert snapshot() == before

    def test_role_edit_needs_the_all_records_scope(self, org, login, regional_admin):
        role = Role.objects.get(code="rep")
        response = login(regional_admin).get(reverse("web:role_edit", args=[role.pk]))
        assert response.status_code == 403
        roles = login(regional_admin).get(reverse("web:roles")).content.decode()
        assert reverse("web:role_edit", args=[role.pk]) not in roles


def test_anonymous_visitors_are_sent_to_sign_in(org, login):
    response = login(None).get(reverse("web:users"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next=/settings/users/"


# --- the sales funnel (FUN-2..4) ---------------------------------------------------------------

FUNNEL_VISIBLE = {
    "rep": ["rep"],
    "other_rep": ["other_rep"],
    "lead": ["lead", "rep"],
    "director": ["director", "lead", "other_rep", "rep"],
    "admin": ["admin", "director", "lead", "other_rep", "rep"],
}


@pytest.fixture
def funnel_deals(org):
    from tests.customers.conftest import build_book
    from tests.pipeline.conftest import ensure_default_pipeline, make_deal

    ensure_default_pipeline()
    book = build_book(org)
    return {p: make_deal(getattr(org, p), c, f"deal of {p}") for p, c in book.items()}


def _funnel_pages(org, deals):
    from salesdesk.pipeline.models import Pipeline

    pipeline = Pipeline.objects.get(is_default=True)
    rep_deal = deals["rep"].pk
    rep_only = {"rep": 200, "lead": 200, "director": 200, "admin": 200, "other_rep": 404}
    return {
        "opportunities": (reverse("web:opportunities"), EVERYONE, "Opportunities"),
        "board": (reverse("web:board"), EVERYONE, "Pipeline board"),
        "board_column": (
            reverse("web:board_column", args=[pipeline.pk, deals["rep"].stage_id]),
            {**rep_only, "other_rep": 200, "deactivated": 302},
            "",
        ),
        "board_customer_options": (reverse("web:board_customer_options"), EVERYONE, "<option"),
        "opportunity_create": (reverse("web:opportunity_create"), EVERYONE, "New opportunity"),
        "opportunity_detail": (
            reverse("web:opportunity_detail", args=[rep_deal]),
            {**rep_only, "deactivated": 302},
            "deal of rep",
        ),
        "opportunity_edit": (
            reverse("web:opportunity_edit", args=[rep_deal]),
            {**rep_only, "deactivated": 302},
            "Edit opportunity",
        ),
        "board_card": (
            reverse("web:board_card", args=[rep_deal]),
            {**rep_only, "deactivated": 302},
            "deal of rep",
        ),
        "funnel": (reverse("web:funnel"), EVERYONE, "funnel-data"),
        "time_metrics": (reverse("web:time_metrics"), EVERYONE, "data-time-summary"),
        "time_metrics_deals": (
            reverse("web:time_metrics_deals") + "?metric=cycle",
            EVERYONE,
            "Back to the time metrics",
        ),
        "settings_pipelines": (reverse("web:settings_pipelines"), ADMIN_ONLY, "Pipelines"),
        "settings_pipeline": (
            reverse("web:settings_pipeline", args=[pipeline.pk]),
            ADMIN_ONLY,
            "Stages",
        ),
    }


@pytest.mark.parametrize(
    "page",
    [
        "opportunities",
        "board",
        "board_column",
        "board_customer_options",
        "opportunity_create",
        "opportunity_detail",
        "opportunity_edit",
        "board_card",
        "funnel",
        "time_metrics",
        "time_metrics_deals",
        "settings_pipelines",
        "settings_pipeline",
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_funnel_page_access(org, login, funnel_deals, page, persona):
    url, expected, text = _funnel_pages(org, funnel_deals)[page]
    response = login(org.personas()[persona]).get(url)
    assert response.status_code == expected[persona]
    if expected[persona] == 200:
        assert text in response.content.decode()
    elif expected[persona] == 404:
        assert "deal of rep" not in response.content.decode()


@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead", "director", "admin"])
def test_funnel_list_and_board_show_exactly_the_scoped_deals(org, login, funnel_deals, persona):
    from salesdesk.pipeline.models import Pipeline

    client = login(org.personas()[persona])
    rows = client.get(reverse("web:opportunities")).context["rows"]
    assert sorted(r.title for r in rows) == [f"deal of {p}" for p in FUNNEL_VISIBLE[persona]]
    pipeline = Pipeline.objects.get(is_default=True)
    column = client.get(
        reverse("web:board_column", args=[pipeline.pk, funnel_deals["rep"].stage_id])
    )
    assert sorted(c.title for c in column.context["cards"]) == [
        f"deal of {p}" for p in FUNNEL_VISIBLE[persona]
    ]
    board = client.get(reverse("web:board")).context["columns"]
    assert board[0]["count"] == len(FUNNEL_VISIBLE[persona])
    options = client.get(reverse("web:board_customer_options")).content.decode()
    offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', options)}
    assert offered == {funnel_deals[p].customer_id for p in FUNNEL_VISIBLE[persona]}


def _funnel_snapshot():
    from salesdesk.pipeline.models import Opportunity, Pipeline, Stage, StageEvent, StageStat

    return {
        "opps": list(Opportunity.all_objects.order_by("pk").values()),
        "events": StageEvent.objects.count(),
        "stats": list(StageStat.objects.order_by("pk").values()),
        "stages": list(Stage.objects.order_by("pk").values()),
        "pipelines": list(Pipeline.objects.order_by("pk").values()),
    }


@pytest.mark.parametrize("persona", ["other_rep", "rep", "lead", "director"])
def test_funnel_denied_writes_change_nothing(org, login, funnel_deals, persona):
    from salesdesk.pipeline.models import Pipeline, Stage

    pipeline = Pipeline.objects.get(is_default=True)
    stage = Stage.objects.filter(pipeline=pipeline).order_by("order")[1]
    target = funnel_deals["other_rep"] if persona != "other_rep" else funnel_deals["rep"]
    if persona == "director":
        target = funnel_deals["admin"]
    client = login(org.personas()[persona])
    before = _funnel_snapshot()
    writes = [
        (reverse("web:opportunity_move", args=[target.pk]), {"stage": stage.pk, "version": 1}),
        (reverse("web:opportunity_win", args=[target.pk]), {"version": 1}),
        (reverse("web:opportunity_lose", args=[target.pk]), {"version": 1}),
        (reverse("web:opportunity_edit", args=[target.pk]), {"title": "x", "version": 1}),
        (reverse("web:opportunity_delete", args=[target.pk]), {}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 404
    own = funnel_deals.get(persona)
    if persona in ("rep", "lead") and own is not None:
        assert client.post(reverse("web:opportunity_delete", args=[own.pk])).status_code == 403
    settings_writes = [
        (
            reverse("web:settings_pipeline", args=[pipeline.pk]),
            {"action": "add_stage", "s-name": "x", "s-probability": 1},
        ),
        (reverse("web:settings_pipelines"), {"name": "x"}),
        (reverse("web:settings_reason_create"), {"kind": "won", "name": "x", "sort_order": 1}),
    ]
    for url, data in settings_writes:
        assert client.post(url, data).status_code == 403
    assert _funnel_snapshot() == before


# --- leads (FUN-1) ---------------------------------------------------------------------------

LEADS_VISIBLE = {
    "rep": ["rep"],
    "other_rep": ["other_rep"],
    "lead": ["lead", "rep"],
    "director": ["director", "lead", "other_rep", "rep"],
    "admin": ["admin", "director", "lead", "other_rep", "rep"],
}


@pytest.fixture
def lead_book(org):
    from salesdesk.pipeline.leads.services import lead_create

    return {
        p: lead_create(actor=getattr(org, p), name=f"lead of {p}")
        for p in ("rep", "other_rep", "lead", "director", "admin")
    }


@pytest.mark.parametrize("page", ["leads", "lead_create", "lead_detail", "lead_edit", "lead_rules"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_lead_page_access(org, login, lead_book, page, persona):
    rep_only = {"rep": 200, "lead": 200, "director": 200, "admin": 200, "other_rep": 404}
    rep_lead = lead_book["rep"].pk
    url, expected, text = {
        "leads": (reverse("web:leads"), EVERYONE, "Leads"),
        "lead_create": (reverse("web:lead_create"), EVERYONE, "New lead"),
        "lead_detail": (
            reverse("web:lead_detail", args=[rep_lead]),
            {**rep_only, "deactivated": 302},
            "lead of rep",
        ),
        "lead_edit": (
            reverse("web:lead_edit", args=[rep_lead]),
            {**rep_only, "deactivated": 302},
            "Edit lead",
        ),
        "lead_rules": (reverse("web:lead_rules"), ADMIN_ONLY, "Lead assignment"),
    }[page]
    response = login(org.personas()[persona]).get(url)
    assert response.status_code == expected[persona]
    if expected[persona] == 200:
        assert text in response.content.decode()
    elif expected[persona] == 404:
        assert "lead of rep" not in response.content.decode()


@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead", "director", "admin"])
def test_lead_list_shows_exactly_the_scoped_leads_and_denials_change_nothing(
    org, login, lead_book, persona
):
    from salesdesk.pipeline.leads.models import Lead

    client = login(org.personas()[persona])
    rows = client.get(reverse("web:leads") + "?view=all").context["rows"]
    assert sorted(r.name for r in rows) == [f"lead of {p}" for p in LEADS_VISIBLE[persona]]
    before = list(Lead.all_objects.order_by("pk").values())
    if "rep" not in LEADS_VISIBLE[persona]:
        pk = lead_book["rep"].pk
        for name in ("lead_edit", "lead_status", "lead_claim", "lead_convert", "lead_delete"):
            assert client.post(reverse(f"web:{name}", args=[pk]), {"version": 1}).status_code in (
                403,
                404,
            )
        assert list(Lead.all_objects.order_by("pk").values()) == before


# --- list bulk actions and column choice (opportunities, leads, contracts) ---------------------

BULK_EXPECTED = {
    # endpoint: status per persona (302: done, back to the list; deactivated: sign-in redirect)
    "opportunity_bulk_assign": {"rep": 403, "other_rep": 403, "lead": 302, "director": 302},
    "opportunity_bulk_delete": {"rep": 403, "other_rep": 403, "lead": 403, "director": 302},
    "lead_bulk_assign": {"rep": 403, "other_rep": 403, "lead": 302, "director": 302},
    "lead_bulk_delete": {"rep": 403, "other_rep": 403, "lead": 403, "director": 302},
    "opportunity_export": {"rep": 403, "other_rep": 403, "lead": 200, "director": 200},
    "lead_export": {"rep": 403, "other_rep": 403, "lead": 200, "director": 200},
    "contract_export": {"rep": 403, "other_rep": 403, "lead": 200, "director": 200},
    "list_columns": {"rep": 302, "other_rep": 302, "lead": 302, "director": 302},
}


def _bulk_snapshot():
    from salesdesk.core.models import AuditEvent, UserPreference
    from salesdesk.pipeline.leads.models import Lead
    from salesdesk.pipeline.models import Opportunity
    from salesdesk.sales.models import Contract

    return {
        "opps": list(Opportunity.all_objects.order_by("pk").values()),
        "leads": list(Lead.all_objects.order_by("pk").values()),
        "contracts": list(Contract.all_objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
        "prefs": UserPreference.objects.count(),
    }


@pytest.mark.parametrize("endpoint", sorted(BULK_EXPECTED))
@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead", "director", "deactivated"])
def test_list_bulk_endpoints_by_persona(org, login, funnel_deals, lead_book, endpoint, persona):
    from tests.sales.conftest import make_catalogue, make_contract

    contract = make_contract(org.rep, funnel_deals["rep"].customer, make_catalogue(org.admin))
    user = org.personas()[persona]
    target = {
        "opportunity_bulk_assign": funnel_deals["rep"].pk,
        "opportunity_bulk_delete": funnel_deals["rep"].pk,
        "opportunity_export": funnel_deals["rep"].pk,
        "lead_bulk_assign": lead_book["rep"].pk,
        "lead_bulk_delete": lead_book["rep"].pk,
        "lead_export": lead_book["rep"].pk,
        "contract_export": contract.pk,
        "list_columns": None,
    }[endpoint]
    if endpoint == "list_columns":
        url, data = reverse("web:list_columns", args=["opportunities"]), {"columns": ["owner"]}
    else:
        url = reverse(f"web:{endpoint}")
        data = {"ids": [target], "new_owner": user.pk, "owner": user.pk}
    before = _bulk_snapshot()
    response = login(user).post(url, data)
    if persona == "deactivated":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login") + "?next=")
        assert _bulk_snapshot() == before
        return
    assert response.status_code == BULK_EXPECTED[endpoint][persona]
    if response.status_code == 403:
        assert _bulk_snapshot() == before
