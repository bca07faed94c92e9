"""The performance API, scoped exactly like the pages: personas × endpoints, 0 leaks, denials
change nothing; schemes CRUD; compute, publish, lock, feedback; the leaderboard."""

from __future__ import annotations

import pytest

from salesdesk.performance import services
from salesdesk.performance.models import KpiScheme, Scorecard
from tests.api.conftest import ApiClient
from tests.performance.conftest import MARCH, SCHEME

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def cards(org, third, manager, scheme, march_facts):
    services.scorecards_compute(actor=org.director, scheme=scheme, day=MARCH)
    published = Scorecard.objects.get(subject_kind="user", owner=org.rep)
    services.scorecard_publish(actor=org.director, scorecard=published)
    return {
        "published": published,
        "draft": Scorecard.objects.get(subject_kind="user", owner=third),
    }


def _client(org, manager, persona):
    user = manager if persona == "manager" else org.personas()[persona]
    return ApiClient(user)


def _state():
    return list(Scorecard.objects.order_by("pk").values()), list(KpiScheme.all_objects.values())


def test_reads_per_persona(org, third, manager, cards, scheme):
    published, draft = cards["published"].pk, cards["draft"].pk
    expected_lists = {
        "rep": {published},
        "other_rep": set(),
        "lead": {published},
        "manager": set(Scorecard.objects.filter(org_unit=org.team_b).values_list("pk", flat=True)),
        "director": set(Scorecard.objects.values_list("pk", flat=True)),
        "admin": set(Scorecard.objects.values_list("pk", flat=True)),
    }
    for persona, ids in expected_lists.items():
        client = _client(org, manager, persona)
        body = client.get(f"{API}/scorecards?page_size=100").json()
        assert {c["id"] for c in body["items"]} == ids, persona
        for pk in (published, draft):
            status = client.get(f"{API}/scorecards/{pk}").status_code
            assert status == (200 if pk in ids else 404), (persona, pk)
        assert client.get(f"{API}/kpi-schemes").status_code == 200
        assert (
            client.get(f"{API}/leaderboard?metric=signed_amount&day=2026-03-10").status_code == 200
        )
    assert ApiClient(org.deactivated).get(f"{API}/scorecards").status_code == 401
    assert ApiClient(None).get(f"{API}/leaderboard").status_code == 401


def test_a_rep_never_reads_another_reps_scorecard(org, third, cards):
    body = ApiClient(org.rep).get(f"{API}/scorecards/{cards['published'].pk}").json()
    assert body["person"]["username"] == "rep"
    assert [line["metric"] for line in body["lines"]] == [m["metric"] for m in SCHEME["metrics"]]
    assert ApiClient(third).get(f"{API}/scorecards/{cards['published'].pk}").status_code == 404


def test_denied_writes_change_nothing(org, manager, cards, scheme):
    published, draft = cards["published"].pk, cards["draft"].pk
    before = _state()
    writes = [
        ("post", f"{API}/scorecards/{draft}/publish", {}),
        ("post", f"{API}/scorecards/{published}/lock", {}),
        ("patch", f"{API}/scorecards/{published}/feedback", {"feedback": "x"}),
        ("post", f"{API}/scorecards/compute", {"scheme": scheme.pk, "day": "2026-03-01"}),
        ("patch", f"{API}/kpi-schemes/{scheme.pk}", {"version": scheme.version, "name": "x"}),
        ("delete", f"{API}/kpi-schemes/{scheme.pk}", None),
    ]
    for persona in ("rep", "other_rep", "lead"):
        client = _client(org, manager, persona)
        for method, url, data in writes:
            response = client.call(method.upper(), url, data)
            assert response.status_code == 403, (persona, url)
    client = _client(org, manager, "manager")
    for method, url, data in writes[:3]:
        assert client.call(method.upper(), url, data).status_code == 404, url
    assert _state() == before


def test_scheme_crud_and_scorecard_workflow(org, third, march_facts):
    admin, director = ApiClient(org.admin), ApiClient(org.director)
    from salesdesk.org.models import Role

    payload = {**SCHEME, "role": Role.objects.get(code="rep").pk}
    bad = {**payload, "grade_bands": {"S": 50, "A": 85, "B": 70, "C": 60}}
    assert admin.post(f"{API}/kpi-schemes", bad).status_code == 422
    created = admin.post(f"{API}/kpi-schemes", payload)
    assert created.status_code == 201
    scheme = created.json()
    assert (scheme["cap"], scheme["grade_bands"]["A"]) == ("120.00", "85.00")
    stale = {"version": scheme["version"] - 1, "cap": 130}
    assert admin.patch(f"{API}/kpi-schemes/{scheme['id']}", stale).status_code == 409

    computed = director.post(
        f"{API}/scorecards/compute", {"scheme": scheme["id"], "day": "2026-03-31"}
    )
    assert computed.json() == {
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "created": 5,
        "recomputed": 0,
        "frozen": 0,
        "published": 0,
    }
    rep_card = Scorecard.objects.get(subject_kind="user", owner=org.rep)
    body = director.get(f"{API}/scorecards/{rep_card.pk}").json()
    assert (body["total_score"], body["grade"], body["rank"], body["status"]) == (
        "88.33",
        "A",
        1,
        "draft",
    )
    assert ApiClient(org.rep).get(f"{API}/scorecards/{rep_card.pk}").status_code == 404  # draft
    published = director.post(
        f"{API}/scorecards/compute", {"scheme": scheme["id"], "day": "2026-03-31", "publish": True}
    )
    assert published.json()["published"] == 5
    assert ApiClient(org.rep).get(f"{API}/scorecards/{rep_card.pk}").status_code == 200
    feedback = director.patch(f"{API}/scorecards/{rep_card.pk}/feedback", {"feedback": "好 Good"})
    assert feedback.json()["feedback"] == "好 Good"
    locked = director.post(
        f"{API}/scorecards/{rep_card.pk}/lock", {"version": feedback.json()["version"]}
    )
    assert locked.json()["status"] == "locked"
    assert (
        director.patch(f"{API}/scorecards/{rep_card.pk}/feedback", {"feedback": "x"}).status_code
        == 422
    )
    assert admin.delete(f"{API}/kpi-schemes/{scheme['id']}").status_code == 204
    assert admin.get(f"{API}/kpi-schemes/{scheme['id']}").status_code == 404


def test_leaderboard_endpoint(org, third, march_facts):
    body = ApiClient(org.rep).get(f"{API}/leaderboard?metric=signed_amount&day=2026-03-10").json()
    assert body["scope"]["name"] == "Team A 一组"
    assert [(r["name"], r["value"], r["rank"], r["is_new"]) for r in body["rows"]] == [
        ("张三 Zhang San", "130000.00", 1, True),
        ("孙七 Sun Qi", "50000.00", 2, True),
        ("李主管 Lead Li", "0.00", 3, False),
    ]
    bad = ApiClient(org.rep).get(f"{API}/leaderboard?metric=nope")
    assert bad.status_code == 422
