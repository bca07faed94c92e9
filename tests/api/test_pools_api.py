"""Public pool API (CUS-6): pools, rules, pool customers, claim/return/assign, calendar days."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.customers.models import Customer
from salesdesk.customers.pool.models import Pool, PoolRule
from tests.customers.conftest import make_customer
from tests.customers.pool_helpers import make_pool, pool_snapshot, put_in_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(org):
    return make_pool(org.admin, name="一组公海", member_units=[org.team_a], cooldown_days=3)


def test_pool_crud_needs_pool_admin(org, as_persona, pool):
    rep = as_persona("rep")
    assert rep.get("/api/v1/pools").json()["items"][0]["name"] == "一组公海"
    before = pool_snapshot()
    response = rep.post("/api/v1/pools", {"name": "X"})
    assert response.status_code == 403
    assert rep.patch(f"/api/v1/pools/{pool.pk}", {"name": "Y"}).status_code == 403
    assert as_persona("other_rep").get(f"/api/v1/pools/{pool.pk}").status_code == 404
    assert pool_snapshot() == before
    admin = as_persona("admin")
    response = admin.post(
        "/api/v1/pools", {"name": "华南公海", "member_units": [org.team_b.pk], "quota": 50}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["member_units"], body["quota"]) == ("华南公海", [org.team_b.pk], 50)
    response = admin.patch(f"/api/v1/pools/{body['id']}", {"version": body["version"], "quota": 60})
    assert response.status_code == 200 and response.json()["quota"] == 60
    response = admin.patch(f"/api/v1/pools/{body['id']}", {"version": body["version"], "quota": 70})
    assert response.status_code == 409
    assert admin.delete(f"/api/v1/pools/{body['id']}").status_code == 204
    assert not Pool.objects.filter(pk=body["id"]).exists()


def test_rules_api(org, as_persona, pool):
    admin = as_persona("admin")
    response = admin.post(
        f"/api/v1/pools/{pool.pk}/rules", {"kind": "no_follow_up", "days": 30, "levels": ["B"]}
    )
    assert response.status_code == 201
    rule_id = response.json()["id"]
    assert (
        admin.post(f"/api/v1/pools/{pool.pk}/rules", {"kind": "bogus", "days": 30}).status_code
        == 422
    )
    assert admin.patch(f"/api/v1/pool-rules/{rule_id}", {"days": 45}).json()["days"] == 45
    items = as_persona("rep").get(f"/api/v1/pools/{pool.pk}/rules").json()["items"]
    assert [(i["kind"], i["days"], i["levels"]) for i in items] == [("no_follow_up", 45, ["B"])]
    assert as_persona("rep").delete(f"/api/v1/pool-rules/{rule_id}").status_code == 403
    assert admin.delete(f"/api/v1/pool-rules/{rule_id}").status_code == 204
    assert PoolRule.objects.count() == 0


def test_claim_return_and_refusals(org, as_persona, pool):
    customer = make_customer(org.rep, "接口客户有限公司")
    rep = as_persona("rep")
    assert rep.post(f"/api/v1/customers/{customer.pk}/return", {"reason": ""}).status_code == 422
    response = rep.post(f"/api/v1/customers/{customer.pk}/return", {"reason": "无需求"})
    assert response.status_code == 200
    assert response.json()["pool_id"] == pool.pk
    assert response.json()["previous_owner"]["id"] == org.rep.pk
    listing = rep.get(f"/api/v1/pools/{pool.pk}/customers?q=接口").json()
    assert [i["id"] for i in listing["items"]] == [customer.pk]
    before = pool_snapshot()
    response = rep.post(f"/api/v1/customers/{customer.pk}/claim")
    assert response.status_code == 422  # cool-down: the previous owner must wait
    assert "you may claim it again from" in response.json()["fields"]["customer"][0]
    assert as_persona("other_rep").post(f"/api/v1/customers/{customer.pk}/claim").status_code == 404
    assert pool_snapshot() == before
    response = as_persona("lead").post(f"/api/v1/customers/{customer.pk}/claim")
    assert response.status_code == 200
    assert response.json()["owner"]["id"] == org.lead.pk
    response = rep.post(f"/api/v1/customers/{customer.pk}/claim")
    assert response.status_code == 422
    assert response.json()["fields"]["customer"] == [
        "This customer has already been claimed by someone else."
    ]


def test_assign_api(org, as_persona, pool):
    customer = make_customer(org.rep, "分配客户")
    put_in_pool(customer, pool)
    before = pool_snapshot()
    payload = {"customers": [customer.pk], "to_user": org.rep.pk}
    assert as_persona("rep").post(f"/api/v1/pools/{pool.pk}/assign", payload).status_code == 403
    assert pool_snapshot() == before
    response = as_persona("director").post(f"/api/v1/pools/{pool.pk}/assign", payload)
    assert response.status_code == 200
    assert [c["owner"]["id"] for c in response.json()] == [org.rep.pk]
    assert Customer.objects.get(pk=customer.pk).owner_id == org.rep.pk


def test_calendar_days_api(org, as_persona):
    assert (
        as_persona("rep")
        .post("/api/v1/calendar-days", {"date": "2026-03-02", "is_working_day": False})
        .status_code
        == 403
    )
    admin = as_persona("admin")
    response = admin.post(
        "/api/v1/calendar-days", {"date": "2026-03-02", "is_working_day": False, "name": "司庆"}
    )
    assert response.status_code == 201
    assert (
        admin.post(
            "/api/v1/calendar-days", {"date": "2026-03-02", "is_working_day": True}
        ).status_code
        == 422
    )
    items = admin.get("/api/v1/calendar-days?year=2026").json()["items"]
    assert [(i["date"], i["is_working_day"], i["name"]) for i in items] == [
        ("2026-03-02", False, "司庆")
    ]
    assert admin.delete(f"/api/v1/calendar-days/{items[0]['id']}").status_code == 204


def test_pool_customer_list_query_count_is_constant(org, as_persona, pool):
    rep = as_persona("rep")
    rep.get("/api/v1/pools")
    for i in range(3):
        c = make_customer(org.other_rep, f"计数{i}")
        put_in_pool(c, pool, previous_owner=org.other_rep)
    url = f"/api/v1/pools/{pool.pk}/customers?sort=name"
    with CaptureQueriesContext(connection) as first:
        assert rep.get(url).status_code == 200
    for i in range(3, 40):
        c = make_customer(org.other_rep, f"计数{i}")
        put_in_pool(c, pool, previous_owner=org.other_rep)
    with CaptureQueriesContext(connection) as second:
        response = rep.get(url)
    assert len(response.json()["items"]) == 40
    assert len(first.captured_queries) == len(second.captured_queries) <= 12
