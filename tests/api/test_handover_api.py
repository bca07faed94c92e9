"""Handover and merge API: access matrix over persona (0 leaks, denials change nothing), exact
answers, preview changes nothing, pinned query count of the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.customers.handover import services as handover_services
from salesdesk.customers.handover.models import CustomerMerge, Handover
from salesdesk.customers.models import Customer
from tests.api.conftest import PERSONAS
from tests.customers.conftest import make_customer
from tests.customers.test_handover_services import full_snapshot

# Whose customers each persona may hand over (transfer permission and the giver in scope).
GIVERS = {
    "rep": set(),
    "other_rep": set(),
    "lead": {"rep"},
    "director": {"rep", "other_rep"},
    "admin": {"rep", "other_rep"},
    "deactivated": set(),
    "anonymous": set(),
}


@pytest.fixture
def book(org):
    return {
        "rep": make_customer(org.rep, "北京星辰科技有限公司"),
        "rep2": make_customer(org.rep, "北京星辰科技"),
        "other_rep": make_customer(org.other_rep, "上海远航贸易有限公司"),
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("giver", ["rep", "other_rep"])
def test_handover_create_access_matrix(org, book, as_persona, persona, giver):
    client = as_persona(persona)
    from_user = getattr(org, giver)
    payload = {"from_user": from_user.pk, "to_users": [org.lead.pk], "reason": "调整"}
    before = full_snapshot()
    preview = client.post("/api/v1/handovers/preview", payload)
    response = client.post("/api/v1/handovers", payload)
    if giver in GIVERS[persona]:
        assert preview.status_code == 200
        count = 2 if giver == "rep" else 1
        assert preview.json()["customer_count"] == count
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["customer_count"], body["from_user"]["id"], body["reason"]) == (
            count,
            from_user.pk,
            "调整",
        )
        assert body["receivers"] == {str(org.lead.pk): count}
        assert {i["to_user"]["id"] for i in body["items"]} == {org.lead.pk}
        assert Customer.objects.filter(owner=org.lead).count() == count
    else:
        expected = {
            "anonymous": 401,
            "deactivated": 401,
            "rep": 403,
            "other_rep": 403,
        }.get(persona, 422)
        assert (preview.status_code, response.status_code) == (expected, expected)
        assert full_snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_handover_reads_leak_nothing(org, book, as_persona, persona):
    """A handover of the other team is invisible to the lead and to reps."""
    other_team = handover_services.handover_create(
        actor=org.director, from_user=org.other_rep, to_users=[org.director]
    )
    mine = handover_services.handover_create(
        actor=org.lead, from_user=org.rep, to_users=[org.lead], customer_ids=[book["rep"].pk]
    )
    client = as_persona(persona)
    listing = client.get("/api/v1/handovers")
    one = client.get(f"/api/v1/handovers/{other_team.pk}")
    expected_ids = {
        "lead": [mine.pk],
        "director": [mine.pk, other_team.pk],
        "admin": [mine.pk, other_team.pk],
        "rep": [],
        "other_rep": [],
    }
    if persona in {"anonymous", "deactivated"}:
        assert (listing.status_code, one.status_code) == (401, 401)
        return
    assert listing.status_code == 200
    assert [h["id"] for h in listing.json()["items"]] == expected_ids[persona]
    assert one.status_code == (200 if persona in {"director", "admin"} else 404)


def test_handover_validation_answers(org, book, as_persona):
    client = as_persona("director")
    before = full_snapshot()
    cases = [
        ({"from_user": org.rep.pk, "to_users": []}, "to_users"),
        ({"from_user": org.rep.pk, "to_users": [org.admin.pk]}, "to_users"),  # out of scope
        ({"from_user": org.rep.pk, "to_users": [org.deactivated.pk]}, "to_users"),
        ({"from_user": org.rep.pk, "to_users": [org.lead.pk], "strategy": "x"}, "strategy"),
        (
            {
                "from_user": org.rep.pk,
                "to_users": [org.lead.pk],
                "customer_ids": [book["other_rep"].pk],
            },
            "customer_ids",
        ),
        ({"from_user": org.admin.pk, "to_users": [org.lead.pk]}, "from_user"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/handovers", payload)
        assert response.status_code == 422, payload
        assert field in response.json()["fields"], response.json()
    assert full_snapshot() == before


def test_handover_even_strategy_over_the_api(org, book, as_persona):
    response = as_persona("director").post(
        "/api/v1/handovers",
        {"from_user": org.rep.pk, "to_users": [org.lead.pk, org.other_rep.pk], "strategy": "even"},
    )
    assert response.status_code == 201
    # The lead owns none and other_rep one: the first customer goes to the lead, then the tie
    # (one each) goes to the first-named rep, the lead again.
    assert response.json()["receivers"] == {str(org.lead.pk): 2}


@pytest.mark.parametrize("persona", PERSONAS)
def test_merge_access_matrix(org, book, as_persona, persona):
    client = as_persona(persona)
    before = full_snapshot()
    response = client.post(
        f"/api/v1/customers/{book['rep'].pk}/merge",
        {"source": book["rep2"].pk, "field_choices": {"name": "target"}},
    )
    if persona in {"director", "admin"}:
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["source"], body["target"]["id"]) == (
            {"id": book["rep2"].pk, "name": "北京星辰科技"},
            book["rep"].pk,
        )
        assert CustomerMerge.objects.count() == 1
        assert Customer.all_objects.get(pk=book["rep2"].pk).is_deleted
    else:
        expected = {"anonymous": 401, "deactivated": 401}.get(persona, 403)
        assert response.status_code == expected
        assert full_snapshot() == before


def test_merge_out_of_scope_answers_404_and_changes_nothing(org, book, as_persona):
    admins = make_customer(org.admin, "Admin Co")
    client = as_persona("director")
    before = full_snapshot()
    assert client.post(
        f"/api/v1/customers/{admins.pk}/merge", {"source": book["rep"].pk}
    ).status_code == (404)
    response = client.post(f"/api/v1/customers/{book['rep'].pk}/merge", {"source": admins.pk})
    assert (response.status_code, list(response.json()["fields"])) == (422, ["source"])
    assert full_snapshot() == before


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_handover_list_query_count_is_pinned(org, as_persona):
    client = as_persona("director")
    client.get("/api/v1/me")

    def add(n, start):
        for i in range(start, start + n):
            customer = make_customer(org.rep, f"C{i}")
            handover_services.handover_create(
                actor=org.director,
                from_user=org.rep,
                to_users=[org.lead],
                customer_ids=[customer.pk],
            )

    add(3, 0)
    small = _queries(client, "/api/v1/handovers?page_size=100")
    add(12, 3)
    large = _queries(client, "/api/v1/handovers?page_size=100")
    assert small == large <= 12
    assert Handover.objects.count() == 15


def test_user_deactivate_answers_how_many_customers_to_hand_over(org, book, as_persona):
    response = as_persona("admin").post(f"/api/v1/users/{org.rep.pk}/deactivate")
    assert response.status_code == 200, response.content
    assert (response.json()["is_active"], response.json()["customers_to_hand_over"]) == (False, 2)
    # The handover of a deactivated rep's customers works (the receivers must be active).
    created = as_persona("admin").post(
        "/api/v1/handovers", {"from_user": org.rep.pk, "to_users": [org.lead.pk]}
    )
    assert (created.status_code, created.json()["customer_count"]) == (201, 2)
