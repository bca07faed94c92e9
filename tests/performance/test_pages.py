"""Pages × personas: 0 leaks (a rep never sees another rep's scorecard), denials change nothing,
pinned query counts of the list and leaderboard pages; the scheme form round trip."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesdesk.performance import services
from salesdesk.performance.models import KpiScheme, Scorecard, ScorecardStatus
from salesdesk.performance.scoring import BAND_GRADES, grade_for
from salesdesk.targets.models import GoalStatus
from salesdesk.workreports.models import ReportStatus
from tests.performance.conftest import MARCH

pytestmark = pytest.mark.django_db
PERSONAS = ("rep", "other_rep", "lead", "manager", "director", "admin", "deactivated")


@pytest.fixture
def cards(org, third, manager, scheme, march_facts):
    services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    get = Scorecard.objects.get
    published = get(subject_kind="user", owner=org.rep)
    services.scorecard_publish(actor=org.director, scorecard=published)
    services.scorecard_feedback(
        actor=org.director, scorecard=published, feedback="继续保持 Keep going"
    )
    return {
        "published": published,
        "draft": get(subject_kind="user", owner=third),
        "other": get(subject_kind="user", owner=org.other_rep),
    }


def _people(org, manager):
    return {**org.personas(), "manager": manager}


def _state():
    return list(Scorecard.objects.order_by("pk").values()), list(KpiScheme.all_objects.values())


def test_every_page_for_every_persona(org, manager, cards, scheme, login):
    published, draft = cards["published"], cards["draft"]
    admin_only = {"admin": 200}
    everyone = dict.fromkeys(PERSONAS, 200)
    pages = {
        reverse("web:kpi_scheme_list"): (admin_only, "Rep monthly"),
        reverse("web:kpi_scheme_create"): (admin_only, "Grade bands"),
        reverse("web:kpi_scheme_edit", args=[scheme.pk]): (admin_only, "Rep monthly"),
        reverse("web:evaluation_list"): (everyone, "Evaluations"),
        reverse("web:evaluation_detail", args=[published.pk]): (
            {"rep": 200, "lead": 200, "director": 200, "admin": 200},
            "继续保持 Keep going",
        ),
        reverse("web:evaluation_detail", args=[draft.pk]): (
            {"director": 200, "admin": 200},
            "Metric breakdown",
        ),
        reverse("web:leaderboard"): (everyone, "Top performer"),
        reverse("web:leaderboard_share") + "?metric=signed_amount&day=2026-03-01": (
            everyone,
            "Print or save as PDF",
        ),
    }
    for persona, user in _people(org, manager).items():
        client = login(user)
        for url, (allowed, text) in pages.items():
            response = client.get(url)
            if persona == "deactivated":
                assert response.status_code == 302, url
                continue
            expected = allowed.get(persona, 403 if "settings" in url else 404)
            assert response.status_code == expected, (persona, url)
            if expected == 200:
                assert text in response.content.decode(), (persona, url)


def test_the_printable_leaderboard_has_the_favicon(org, login):
    """The 战报 page has its own <head>: without the icon link the browser asked for
    /favicon.ico and logged the 404 as a console error."""
    page = login(org.rep).get(reverse("web:leaderboard_share")).content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*/css/favicon\.svg"', page)


def test_every_status_and_grade_badge_has_its_own_colours():
    """The status and grade badges had no style: white .badge text on the white card, so a
    scorecard's grade and a goal's or scorecard's status were invisible."""
    css = (Path(settings.BASE_DIR) / "salesdesk" / "static" / "css" / "app.css").read_text()
    styled = set(re.findall(r"\.badge\.(sd-(?:status|grade)-\w+)", css))
    statuses = {*GoalStatus.values, *ScorecardStatus.values, *ReportStatus.values}
    grades = {*BAND_GRADES, grade_for(Decimal(0), {})}
    assert {f"sd-status-{s}" for s in statuses} <= styled
    assert {f"sd-grade-{g}" for g in grades} <= styled


def test_a_rep_sees_only_their_own_published_scorecards(org, third, cards, login):
    def linked(user):
        page = login(user).get(reverse("web:evaluation_list")).content.decode()
        return {int(pk) for pk in re.findall(r'href="/performance/evaluations/(\d+)/"', page)}

    mine = cards["published"].pk
    assert linked(org.rep) == {mine}  # not the team's scorecard (its manager's), no drafts
    assert linked(third) == set()  # their draft is not shown to them
    assert linked(org.other_rep) == set()
    assert linked(org.lead) == {mine}  # published ones of the lead's people only
    assert len(linked(org.director)) == 5
    other = login(org.other_rep).get(reverse("web:evaluation_detail", args=[cards["published"].pk]))
    assert other.status_code == 404


def test_denied_writes_change_nothing(org, manager, cards, scheme, login):
    published, draft = cards["published"], cards["draft"]
    before = _state()
    writes = [
        (reverse("web:evaluation_publish", args=[draft.pk]), {}),
        (reverse("web:evaluation_lock", args=[published.pk]), {}),
        (reverse("web:evaluation_feedback", args=[published.pk]), {"feedback": "x"}),
        (reverse("web:evaluation_compute"), {"scheme": scheme.pk, "day": "2026-03-01"}),
        (reverse("web:kpi_scheme_delete", args=[scheme.pk]), {}),
        (reverse("web:kpi_scheme_edit", args=[scheme.pk]), {"name": "hacked"}),
    ]
    for persona in ("rep", "other_rep", "lead"):
        client = login(getattr(org, persona))
        for url, data in writes:
            assert client.post(url, data).status_code == 403, (persona, url)
    client = login(manager)  # evaluates, but Team A is outside the manager's scope
    for url, data in writes[:3]:
        assert client.post(url, data).status_code == 404, url
    assert _state() == before


def test_evaluator_actions_through_the_pages(org, cards, login):
    client = login(org.director)
    draft = cards["draft"]
    response = client.post(
        reverse("web:evaluation_publish", args=[draft.pk]), {"version": draft.version}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    client.post(reverse("web:evaluation_lock", args=[draft.pk]), {"version": draft.version})
    draft.refresh_from_db()
    assert draft.status == "locked"
    client.post(reverse("web:evaluation_feedback", args=[draft.pk]), {"feedback": "late"})
    draft.refresh_from_db()
    assert (draft.status, draft.feedback) == ("locked", "")


def test_scheme_form_round_trip(org, login):
    from salesdesk.org.models import Role

    client = login(org.admin)
    data = {
        "name": "Lead quarterly",
        "role": Role.objects.get(code="team_lead").pk,
        "period_kind": "quarter",
        "cap": "110",
        "is_active": "on",
        "band_S": "95",
        "band_A": "85",
        "band_B": "70",
        "band_C": "60",
        "weight_signed_amount": "60",
        "norm_signed_amount": "target",
        "target_signed_amount": "500000",
        "weight_win_rate": "30",
        "norm_win_rate": "peer",
    }
    response = client.post(reverse("web:kpi_scheme_create"), data)
    assert response.status_code == 422
    assert "they must add up to 100" in response.content.decode()
    assert not KpiScheme.objects.exists()
    data["weight_win_rate"] = "40"
    assert client.post(reverse("web:kpi_scheme_create"), data).status_code == 302
    scheme = KpiScheme.objects.get()
    assert scheme.metrics == [
        {"metric": "signed_amount", "weight": "60.00", "normalisation": "target", "target": "5E+5"},
        {"metric": "win_rate", "weight": "40.00", "normalisation": "peer", "target": None},
    ]
    stale = {**data, "version": scheme.version, "name": "A"}
    client.post(
        reverse("web:kpi_scheme_edit", args=[scheme.pk]), {**data, "version": scheme.version}
    )
    assert client.post(reverse("web:kpi_scheme_edit", args=[scheme.pk]), stale).status_code == 409


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_are_pinned(org, third, cards, login):
    client = login(org.director)
    list_url = reverse("web:evaluation_list")
    board_url = reverse("web:leaderboard") + "?metric=signed_amount&day=2026-03-10"
    teams_url = board_url + "&kind=teams"
    client.get(list_url)  # warm up: the session's first request loads more
    counts = (_queries(client, list_url), _queries(client, board_url), _queries(client, teams_url))
    for n in range(5):  # more people and scorecards: the same number of queries
        from tests.conftest import make_user

        make_user(f"extra{n}", "rep", org.team_b, org.director)
    services.scorecards_compute(actor=org.director, scheme=cards["draft"].scheme, day=MARCH)
    assert (
        _queries(client, list_url),
        _queries(client, board_url),
        _queries(client, teams_url),
    ) == counts
    assert counts == (9, 6, 10)
