"""The training API × personas: reads for everyone, writes for training managers only (403
before any lookup), 404 unknown or out of scope, 409 stale, 422 bad input; 0 leaks (a rep never
sees another rep's scores); nothing changes on a refusal."""

from __future__ import annotations

import pytest

from salesdesk.training.models import Attendance, TrainingProgram, TrainingSession
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db
API = "/api/v1"
PERSONAS = ("rep", "other_rep", "lead", "manager", "director", "admin")


def _client(org, manager, persona):
    return ApiClient(manager if persona == "manager" else org.personas()[persona])


def _state():
    return (
        list(TrainingProgram.all_objects.order_by("pk").values()),
        list(TrainingSession.objects.order_by("pk").values()),
        list(Attendance.objects.order_by("pk").values()),
    )


def test_reads_per_persona_leak_nothing(org, manager, program, attended):
    expected_rows = {
        "rep": {org.rep.pk},
        "other_rep": {org.other_rep.pk},
        "lead": {org.rep.pk},
        "manager": {org.other_rep.pk},
        "director": {org.rep.pk, org.other_rep.pk},
        "admin": {org.rep.pk, org.other_rep.pk},
    }
    for persona, users in expected_rows.items():
        client = _client(org, manager, persona)
        programs = client.get(f"{API}/training-programs").json()
        assert [p["id"] for p in programs["items"]] == [program.pk], persona
        assert client.get(f"{API}/training-programs/{program.pk}/sessions").status_code == 200
        rows = client.get(f"{API}/training-sessions/{attended.pk}/attendance").json()
        assert {r["user"]["id"] for r in rows} == users, persona
        effect = client.get(f"{API}/training-programs/{program.pk}/effect?weeks=2").json()
        if persona in ("other_rep", "manager"):  # the rep's 60 → 80 is outside their scope
            assert effect["scores"]["post_count"] == 0, persona
    mine = _client(org, manager, "rep").get(f"{API}/training/mine").json()
    assert [(r["session_id"], r["post_score"]) for r in mine] == [(attended.pk, "80.0")]
    assert (
        _client(org, manager, "other_rep").get(f"{API}/training/mine").json()[0]["pre_score"]
        == "55.0"
    )
    assert ApiClient().get(f"{API}/training-programs").status_code == 401


@pytest.mark.parametrize("persona", ["rep", "other_rep", "lead"])
def test_writes_are_refused_without_permission_before_lookup(
    org, manager, program, attended, persona
):
    client = _client(org, manager, persona)
    before = _state()
    calls = [
        ("post", f"{API}/training-programs", {"title": "X"}),
        ("patch", f"{API}/training-programs/{program.pk}", {"version": 1, "title": "Y"}),
        ("patch", f"{API}/training-programs/99999", {"version": 1, "title": "Y"}),
        ("delete", f"{API}/training-programs/{program.pk}", None),
        (
            "post",
            f"{API}/training-programs/{program.pk}/sessions",
            {
                "title": "S",
                "starts_at": "2026-03-04T09:00:00+08:00",
                "ends_at": "2026-03-04T10:00:00+08:00",
            },
        ),
        ("patch", f"{API}/training-sessions/{attended.pk}", {"version": 1, "title": "Z"}),
        ("post", f"{API}/training-sessions/99999/invitations", {"users": [org.rep.pk]}),
        (
            "post",
            f"{API}/training-sessions/{attended.pk}/attendance",
            {"rows": [{"user": org.rep.pk, "status": "absent"}]},
        ),
    ]
    for method, url, data in calls:
        response = client.call(method.upper(), url, data)
        assert response.status_code == 403, (url, response.content)
        assert response.json()["code"] == "permission_denied"
    assert _state() == before


def test_crud_conflict_and_validation(org, manager, program):
    client = ApiClient(org.director)
    created = client.post(
        f"{API}/training-programs", {"title": "产品知识 Product", "status": "active"}
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.post(f"{API}/training-programs", {"title": " "}).status_code == 422
    assert (
        client.call(
            "PATCH", f"{API}/training-programs/{pk}", {"version": 1, "topic": "product"}
        ).json()["version"]
        == 2
    )
    stale = client.call("PATCH", f"{API}/training-programs/{pk}", {"version": 1, "topic": "x"})
    assert stale.status_code == 409
    assert TrainingProgram.objects.get(pk=pk).topic == "product"
    assert client.get(f"{API}/training-programs/99999").status_code == 404
    session = client.post(
        f"{API}/training-programs/{pk}/sessions",
        {
            "title": "S1",
            "starts_at": "2026-03-04T09:00:00+08:00",
            "ends_at": "2026-03-04T11:00:00+08:00",
            "capacity": 5,
        },
    )
    assert session.status_code == 201
    sid = session.json()["id"]
    bad = client.post(
        f"{API}/training-programs/{pk}/sessions",
        {
            "title": "S2",
            "starts_at": "2026-03-04T09:00:00+08:00",
            "ends_at": "2026-03-04T08:00:00+08:00",
        },
    )
    assert bad.status_code == 422 and bad.json()["fields"] == {
        "ends_at": ["The session must end after it starts."]
    }
    assert client.call("DELETE", f"{API}/training-programs/{pk}").status_code == 204
    assert client.get(f"{API}/training-programs/{pk}").status_code == 404
    assert client.get(f"{API}/training-sessions/{sid}").status_code == 404


def test_invite_and_record_through_the_api(org, manager, session):
    director = ApiClient(org.director)
    ok = director.post(
        f"{API}/training-sessions/{session.pk}/invitations",
        {"users": [org.rep.pk, org.other_rep.pk]},
    )
    assert ok.json() == {"invited": 2, "already": 0}
    before = _state()
    # the Team B manager: Team A's rep is out of scope → 404, nothing changes
    out = ApiClient(manager).post(
        f"{API}/training-sessions/{session.pk}/attendance",
        {"rows": [{"user": org.rep.pk, "status": "absent"}]},
    )
    assert out.status_code == 404
    bad = director.post(
        f"{API}/training-sessions/{session.pk}/attendance",
        {"rows": [{"user": org.rep.pk, "status": "attended", "pre_score": "150"}]},
    )
    assert bad.status_code == 422
    assert _state() == before
    done = director.post(
        f"{API}/training-sessions/{session.pk}/attendance",
        {
            "rows": [
                {"user": org.rep.pk, "status": "attended", "pre_score": "62.5", "post_score": 88}
            ]
        },
    )
    assert done.status_code == 200
    assert [
        (r["user"]["id"], r["status"], r["pre_score"], r["post_score"]) for r in done.json()
    ] == [(org.rep.pk, "attended", "62.5", "88.0")]


def test_effect_endpoint(org, third, program, attended, facts):
    client = ApiClient(org.director)
    body = client.get(
        f"{API}/training-programs/{program.pk}/effect?metric=signed_amount&weeks=2"
    ).json()
    assert body["difference_in_differences"] == "150.00"
    assert body["trainees"] == {
        "size": 1,
        "before": "200.00",
        "after": "400.00",
        "change": "200.00",
    }
    assert body["peers"]["size"] == 2
    assert [w["offset"] for w in body["weekly"]] == [-2, -1, 1, 2]
    assert body["scores"]["improvement"] == "20.0"
    assert len(body["caveats"]) == 4
    assert client.get(f"{API}/training-programs/{program.pk}/effect?metric=nope").status_code == 422
    assert client.get(f"{API}/training-programs/{program.pk}/effect?weeks=0").status_code == 422
    assert client.get(f"{API}/training-programs/{program.pk}/effect?weeks=27").status_code == 422
    assert client.get(f"{API}/training-programs/99999/effect").status_code == 404
