"""Leads API: create (duplicate 422), list views and query pin, update with stale version,
status, claim, assign, convert, rules."""

from __future__ import annotations

from salesdesk.customers.models import Customer
from salesdesk.pipeline.leads.models import Lead
from salesdesk.pipeline.models import Opportunity
from tests.pipeline import conftest as funnel

pipeline = funnel.pipeline


def test_lead_lifecycle(as_persona, org, pipeline):
    api = as_persona("rep")
    created = api.post(
        "/api/v1/leads",
        {"name": "API 线索有限公司", "contact_name": "刘", "phone": "13900001111"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["owner"]["username"], body["version"]) == ("new", "rep", 1)
    dup = api.post("/api/v1/leads", {"name": "API线索", "phone": "+86 139 0000 1111"})
    assert dup.status_code == 422
    url = f"/api/v1/leads/{body['id']}"
    changed = api.patch(url, {"version": 1, "city": "杭州", "status": "contacted"})
    assert changed.status_code == 200
    assert (changed.json()["city"], changed.json()["status"], changed.json()["version"]) == (
        "杭州",
        "contacted",
        3,
    )
    assert api.patch(url, {"version": 1, "city": "x"}).status_code == 409
    converted = api.post(f"{url}/convert", {"version": 3, "amount": "800.00"})
    assert converted.status_code == 200, converted.json()
    out = converted.json()
    assert out["customer_created"] is True
    opp = Opportunity.objects.get(pk=out["opportunity_id"])
    assert (str(opp.amount), opp.customer_id) == ("800.00", out["customer_id"])
    assert api.post(f"{url}/convert", {"version": 4}).status_code == 422
    assert Customer.objects.count() == 1


def test_pool_claim_and_assign(as_persona, org):
    lead = as_persona("lead").post("/api/v1/leads", {"name": "池", "assign": "pool"}).json()
    pool = as_persona("rep").get("/api/v1/leads?view=pool").json()
    assert [x["id"] for x in pool["items"]] == [lead["id"]]
    claimed = as_persona("rep").post(f"/api/v1/leads/{lead['id']}/claim")
    assert claimed.status_code == 200 and claimed.json()["owner"]["username"] == "rep"
    assert as_persona("lead").post(f"/api/v1/leads/{lead['id']}/claim").status_code == 422
    assert (
        as_persona("rep")
        .post("/api/v1/leads/assign", {"leads": [lead["id"]], "owner": org.lead.pk})
        .status_code
        == 403
    )
    assigned = as_persona("director").post(
        "/api/v1/leads/assign", {"leads": [lead["id"]], "owner": org.lead.pk}
    )
    assert assigned.json() == {"assigned": 1}
    assert Lead.objects.get(pk=lead["id"]).owner_id == org.lead.pk


def test_list_query_pin(as_persona, org, django_assert_num_queries):
    from salesdesk.pipeline.leads.services import lead_create

    for i in range(5):
        lead_create(actor=org.rep, name=f"线索{i}")
    api = as_persona("rep")
    api.get("/api/v1/leads")  # warm the session
    # session + user, count, page (owner, unit, product line and channel joined)
    with django_assert_num_queries(4):
        body = api.get("/api/v1/leads?view=mine&page_size=3").json()
    assert (body["count"], len(body["items"])) == (5, 3)


def test_rules_round_robin_via_api(as_persona, org):
    admin = as_persona("admin")
    rule = admin.post("/api/v1/lead-rules", {"name": "一组轮询", "target_unit": org.team_a.pk})
    assert rule.status_code == 201
    owners = [
        admin.post("/api/v1/leads", {"name": f"R{i}", "assign": "rules"}).json()["owner"][
            "username"
        ]
        for i in range(4)
    ]
    assert owners == ["lead", "rep", "lead", "rep"]
    assert [r["name"] for r in admin.get("/api/v1/lead-rules").json()] == ["一组轮询"]
