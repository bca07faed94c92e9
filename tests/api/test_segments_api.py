"""Segments API (CUS-3): CRUD, persona, customers; access matrix, validation, conflicts,
pinned query counts; nothing changes on a refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.core.models import AuditEvent
from salesdesk.customers.models import Customer
from salesdesk.customers.segments import selectors, services
from salesdesk.customers.segments.models import Segment


def make(owner, name, **fields) -> Customer:
    return Customer.objects.create(owner=owner, org_unit=owner.unit, name=name, **fields)


def snap() -> dict:
    return {
        "segments": list(Segment.all_objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "kind")),
    }


@pytest.fixture
def data(org):
    make(org.rep, "甲", level="A", province="广东", purchase_value=Decimal("300"))
    make(org.rep, "乙", level="B", province="广东")
    make(org.other_rep, "丙", level="A", province="江苏", purchase_value=Decimal("100"))
    shared = services.segment_create(
        actor=org.rep, name="A级", visibility="shared", criteria={"levels": ["A"]}
    )
    private = services.segment_create(actor=org.rep, name="私有", criteria={"provinces": ["广东"]})
    return {"shared": shared, "private": private}


def test_create_get_update_delete(org, as_persona):
    c = as_persona("rep")
    response = c.post(
        "/api/v1/segments",
        {"name": "新", "criteria": {"levels": ["B", "A"], "revenue_min": 10}},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["criteria"] == {"revenue_min": "10.00", "levels": ["A", "B"]}
    assert (body["visibility"], body["version"], body["owner"]["username"]) == ("private", 1, "rep")
    pk = body["id"]
    assert c.get(f"/api/v1/segments/{pk}").json()["name"] == "新"
    response = c.patch(f"/api/v1/segments/{pk}", {"version": 1, "visibility": "shared"})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert c.patch(f"/api/v1/segments/{pk}", {"version": 1, "name": "x"}).status_code == 409
    assert c.delete(f"/api/v1/segments/{pk}").status_code == 204
    assert c.get(f"/api/v1/segments/{pk}").status_code == 404
    assert Segment.all_objects.get(pk=pk).deleted_at is not None


def test_bad_criteria_answer_422_per_key_and_save_nothing(org, as_persona):
    before = snap()
    response = as_persona("rep").post(
        "/api/v1/segments",
        {"name": "x", "criteria": {"levels": ["Z"], "colour": 1, "rfm_r_min": 7}},
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "criteria": ["Unknown criteria: colour."],
        "levels": ["Select valid choices; not valid: Z."],
        "rfm_r_min": ["Enter a score from 1 to 5."],
    }
    response = as_persona("rep").post("/api/v1/segments", {"name": "x", "criteria": "levels"})
    assert response.status_code == 422
    assert snap() == before


def test_patch_with_null_or_bad_values_changes_nothing(org, data, as_persona):
    pk = data["private"].pk
    before = snap()
    c = as_persona("rep")
    assert c.patch(f"/api/v1/segments/{pk}", {"version": 1, "name": None}).status_code == 422
    response = c.patch(f"/api/v1/segments/{pk}", {"version": 1, "visibility": "everyone"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"visibility": ["Select a valid choice."]}
    assert snap() == before


@pytest.mark.parametrize(
    ("persona", "get_shared", "get_private", "patch_shared", "delete_private"),
    [
        ("rep", 200, 200, 200, 204),
        ("other_rep", 200, 404, 403, 404),
        ("lead", 200, 404, 403, 404),
        ("director", 200, 404, 403, 404),
        ("admin", 200, 404, 200, 404),
        ("deactivated", 401, 401, 401, 401),
        ("anonymous", 401, 401, 401, 401),
    ],
)
def test_access_matrix(org, data, as_persona, persona, get_shared, get_private, patch_shared,
                       delete_private):  # fmt: skip
    c = as_persona(persona)
    s, p = data["shared"].pk, data["private"].pk
    assert c.get(f"/api/v1/segments/{s}").status_code == get_shared
    assert c.get(f"/api/v1/segments/{p}").status_code == get_private
    assert c.get(f"/api/v1/segments/{p}/persona").status_code == get_private
    assert c.get(f"/api/v1/segments/{p}/customers").status_code == get_private
    before = snap()
    status = c.patch(f"/api/v1/segments/{s}", {"version": 1, "description": "d"}).status_code
    assert status == patch_shared
    if status != 200:
        assert snap() == before
    before = snap()
    assert c.delete(f"/api/v1/segments/{p}").status_code == delete_private
    if delete_private != 204:
        assert snap() == before


def test_list_shows_own_and_shared(org, data, as_persona):
    names = lambda persona, q="": [  # noqa: E731
        s["name"] for s in as_persona(persona).get(f"/api/v1/segments?{q}").json()["items"]
    ]
    assert names("rep") == ["A级", "私有"]
    assert names("other_rep") == ["A级"]
    assert names("other_rep", "mine=true") == []
    assert names("rep", "q=私") == ["私有"]
    assert as_persona("rep").get("/api/v1/segments?sort=size").status_code == 422


def test_persona_matches_the_selector_and_is_scoped(org, data, as_persona):
    s = data["shared"].pk
    rep = as_persona("rep").get(f"/api/v1/segments/{s}/persona").json()
    assert (rep["size"], rep["total_customers"], rep["value"], rep["value_share"]) == (
        1,
        2,
        "300.00",
        100.0,
    )
    director = as_persona("director").get(f"/api/v1/segments/{s}/persona").json()
    assert (director["size"], director["value"], director["value_share"]) == (2, "400.00", 100.0)
    expected = selectors.persona(org.director, data["shared"].criteria)
    assert director["typical"]["sentence"] == expected["typical"]["sentence"]
    assert director["distributions"][0] == {
        "key": "level",
        "label": "Level",
        "bars": [{"key": "A", "label": "A · Key account", "count": 2, "share": 100.0}],
    }


def test_customers_of_a_segment_are_paginated_and_scoped(org, data, as_persona):
    s = data["shared"].pk
    rep = as_persona("rep").get(f"/api/v1/segments/{s}/customers").json()
    assert [c["name"] for c in rep["items"]] == ["甲"]
    director = (
        as_persona("director").get(f"/api/v1/segments/{s}/customers?sort=name&page_size=1").json()
    )
    assert (director["count"], director["pages"], director["items"][0]["name"]) == (2, 2, "丙")
    assert as_persona("rep").get(f"/api/v1/segments/{s}/customers?sort=x").status_code == 422


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        ("/api/v1/segments", 4),
        ("/api/v1/segments/{s}/customers", 7),
        ("/api/v1/segments/{s}/persona", 10),
    ],
)
def test_query_counts_are_pinned(org, data, as_persona, url, pinned):
    c = as_persona("director")
    url = url.format(s=data["shared"].pk)
    c.get(url)
    with CaptureQueriesContext(connection) as first:
        assert c.get(url).status_code == 200
    for i in range(25):
        make(org.other_rep, f"更多{i}", level="A", province=f"省{i}")
        services.segment_create(actor=org.other_rep, name=f"S{i}", visibility="shared")
    with CaptureQueriesContext(connection) as second:
        assert c.get(url).status_code == 200
    assert len(first) == len(second) == pinned
