"""Progress pages, API, inbox source and digest (TGT-3): scoping exactly like the goals (a rep
never sees another rep's progress), denials that change nothing, pinned query counts that stay
constant as goals grow, behind-plan alerts computed on read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesdesk.core.agenda import agenda
from salesdesk.core.digest import digest_message
from salesdesk.metrics.models import MetricFact
from salesdesk.metrics.sources import add_rows
from salesdesk.targets import services
from salesdesk.targets.models import Goal, GoalPart
from tests.api.conftest import ApiClient
from tests.targets.conftest import VISIBLE, _persona

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Goal.all_objects.order_by("pk").values()),
        list(GoalPart.objects.order_by("pk").values_list("pk", "amount")),
        MetricFact.objects.count(),
    )


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_progress_access_matrix_page_and_api(org, manager, goals, persona):
    user = _persona(org, manager, persona)
    client, api = _client(user), ApiClient(user)
    before = _snapshot()
    page = client.get(reverse("web:progress"))
    assert page.status_code == 200
    shown = {k for k, g in goals.items() if f'href="/targets/progress/{g.pk}/"' in page.text}
    assert shown == VISIBLE[persona]
    body = api.get("/api/v1/progress?page_size=200").json()
    assert {k for k, g in goals.items() if g.pk in {i["goal"]["id"] for i in body["items"]}} == (
        VISIBLE[persona]
    )
    for key, goal in goals.items():
        detail = client.get(reverse("web:progress_goal", args=[goal.pk]))
        read = api.get(f"/api/v1/goals/{goal.pk}/progress")
        if key in VISIBLE[persona]:
            assert (detail.status_code, read.status_code) == (200, 200)
            assert read.json()["figures"]["target"] == "24800.00"
        else:
            assert (detail.status_code, read.status_code) == (404, 404)
    assert _snapshot() == before


def test_progress_figures_on_page_and_api_agree(org, goals):
    rep_goal = goals["rep"]
    add_rows(
        [
            (
                "signed",
                org.rep.pk,
                org.team_a.pk,
                rep_goal.period_start + timedelta(days=40),
                "1240",
                1,
            )
        ]
    )
    body = ApiClient(org.rep).get(f"/api/v1/goals/{rep_goal.pk}/progress").json()
    assert body["figures"]["actual"] == "1240.00"
    assert body["figures"]["gap"] == "23560.00"
    assert body["figures"]["attainment"] == "5.0"
    assert [m["label"] for m in body["months"]][:2] == ["2026-01", "2026-02"]
    assert sum(Decimal(m["figures"]["target"]) for m in body["months"]) == Decimal("24800.00")
    assert sum(Decimal(m["figures"]["actual"]) for m in body["months"]) == Decimal("1240.00")
    page = _client(org.rep).get(reverse("web:progress_goal", args=[rep_goal.pk]))
    assert "¥1,240.00" in page.text and "¥23,560.00" in page.text
    # The actual links to the records behind it: the rep's contracts signed in the period.
    assert (
        f"/sales/contracts/?view=all&amp;from=2026-01-01&amp;to=2026-12-31&amp;owner={org.rep.pk}"
        in (page.text)
    )
    detail = _client(org.rep).get(reverse("web:goal_detail", args=[rep_goal.pk]))
    assert "¥1,240.00" in detail.text


def test_drill_down_focuses_a_unit_then_a_person(org, goals):
    api = ApiClient(org.director)
    team = api.get(f"/api/v1/goals/{goals['team_a'].pk}/progress").json()
    people = {p["user_id"]: p for p in team["owners"]}
    assert set(people) == {org.rep.pk, org.lead.pk}
    focus = api.get(
        f"/api/v1/goals/{goals['team_a'].pk}/progress?node={people[org.rep.pk]['part_id']}"
    ).json()
    assert focus["figures"]["target"] == people[org.rep.pk]["figures"]["target"]
    assert focus["owners"] == []
    page = _client(org.director).get(
        reverse("web:progress_goal", args=[goals["team_a"].pk]),
        {"node": people[org.rep.pk]["part_id"], "month": "2026-03"},
    )
    assert page.status_code == 200 and "2026-W10" in page.text


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _more_goals(org, n):
    for i in range(n):
        services.goal_create(
            actor=org.admin,
            name=f"Extra {i}",
            metric="signed_amount",
            owner_kind="user",
            user=org.rep.pk,
            period_kind="year",
            year=2026,
            target_value="100",
        )


def test_query_counts_are_pinned_and_constant(org, goals):
    client, api = _client(org.admin), ApiClient(org.admin)
    client.get(reverse("web:progress"))  # warm up the per-process caches (roles, calendar)
    api.get("/api/v1/progress")
    page = _count(lambda: client.get(reverse("web:progress")))
    listed = _count(lambda: api.get("/api/v1/progress"))
    one = _count(lambda: api.get(f"/api/v1/goals/{goals['company'].pk}/progress"))
    _more_goals(org, 5)
    assert _count(lambda: client.get(reverse("web:progress"))) == page
    assert _count(lambda: api.get("/api/v1/progress")) == listed
    assert _count(lambda: api.get(f"/api/v1/goals/{goals['company'].pk}/progress")) == one
    assert (page, listed, one) == PINNED


# Page: session, user, goals, one fact aggregate per (metric, period), units' paths, the owner
# filter's choices. API list: the same without the choices. One goal: session, user, goal,
# aggregate, paths, owner parts + unit and user names (3), the focus's monthly sums (the partial
# month's days and the whole months' rows, D51), the chosen month's daily sums, quarter, month and
# week part sums (3).
PINNED = (6, 4, 12)


def _behind_goal(org):
    today = timezone.localdate()
    return services.goal_create(
        actor=org.lead,
        name="落后目标 Behind",
        metric="signed_amount",
        owner_kind="user",
        user=org.rep.pk,
        period_kind="custom",
        period_start=today - timedelta(days=40),
        period_end=today + timedelta(days=40),
        target_value="50000.00",
        status="active",
    )


def test_behind_goals_reach_the_inbox_and_the_digest(org):
    goal = _behind_goal(org)
    services.goal_create(  # on track: the target is met already (a target of 0)
        actor=org.lead,
        name="Nothing to do",
        metric="signed_amount",
        owner_kind="user",
        user=org.rep.pk,
        period_kind="custom",
        period_start=goal.period_start,
        period_end=goal.period_end,
        target_value="0",
        status="active",
    )
    for user, expected in (
        (org.rep, 1),
        (org.lead, 1),
        (org.director, 1),
        (org.other_rep, 0),
        (org.admin, 1),
    ):
        plan = agenda(user, days=0, kinds=["goal_behind"])
        items = [i for i in plan.items if i.kind == "goal_behind"]
        assert [i.key for i in items] == [f"goal_behind:{goal.pk}"] * expected, user
        assert plan.counts["goal_behind"] == expected
    # Computed on read: asking twice gives the same single item, never a duplicate.
    assert len(agenda(org.rep, days=0, kinds=["goal_behind"]).items) == 1
    org.rep.email = "rep@example.com"
    org.rep.language = "zh-hans"
    message, _items = digest_message(org.rep, timezone.localdate())
    assert message is not None
    assert "== 进度落后的目标 ==" in message.body and "落后目标 Behind" in message.body
    assert f"/targets/progress/{goal.pk}/" in message.body
    # Once it is no longer behind (the gap closed), the alert is gone.
    add_rows([("signed", org.rep.pk, org.rep.unit_id, timezone.localdate(), "50000", 1)])
    assert agenda(org.rep, days=0, kinds=["goal_behind"]).counts["goal_behind"] == 0


def test_home_card_shows_my_running_goals(org):
    goal = _behind_goal(org)
    client = _client(org.rep)
    assert "my-targets" in client.get(reverse("web:home")).text
    card = client.get(reverse("web:progress_mine"))
    assert goal.name in card.text and "Behind" in card.text
    other = _client(org.other_rep).get(reverse("web:progress_mine"))
    assert goal.name not in other.text


def test_nav_has_progress_and_anonymous_is_redirected(org):
    assert reverse("web:progress") in _client(org.rep).get(reverse("web:home")).text
    assert Client().get(reverse("web:progress")).status_code == 302
    assert Client().get("/api/v1/progress").status_code == 401
