"""Sales API (SAL-1, SAL-2): catalogue, price quotes, contracts and their approval actions,
approval chains; the access matrix (0 leaks, denials change nothing); pinned query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.org.models import Role
from salesdesk.sales.models import (
    ApprovalChain,
    Contract,
    ContractEvent,
    ContractLine,
    PriceList,
    Product,
    ProductLine,
)
from tests.customers.conftest import make_customer
from tests.sales.conftest import make_catalogue, make_chain, make_contract

pytestmark = pytest.mark.django_db
ACTIVE = ("rep", "other_rep", "lead", "director", "admin")


def sales_snapshot() -> dict:
    return {
        "lines": list(ProductLine.all_objects.order_by("pk").values()),
        "products": list(Product.all_objects.order_by("pk").values()),
        "price_lists": list(PriceList.all_objects.order_by("pk").values()),
        "contracts": list(Contract.all_objects.order_by("pk").values()),
        "contract_lines": list(ContractLine.objects.order_by("pk").values()),
        "events": list(ContractEvent.objects.order_by("pk").values()),
        "chains": list(ApprovalChain.objects.order_by("pk").values()),
    }


@pytest.fixture
def world(org):
    cat = make_catalogue(org.admin)
    rep_customer = make_customer(org.rep, "北京星辰科技有限公司", level="A")
    other_customer = make_customer(org.other_rep, "上海远航贸易有限公司", level="B")
    other_contract = make_contract(org.other_rep, other_customer, cat)
    return {
        "cat": cat,
        "other_rep_contract": other_contract,
        "rep_customer": rep_customer,
        "other_customer": other_customer,
        "rep_contract": make_contract(org.rep, rep_customer, cat),
        "other_contract": other_contract,
    }


# which persona sees which contract (rep's: Team A; other_rep's: Team B)
SEES = {
    "rep": {"rep"},
    "other_rep": {"other_rep"},
    "lead": {"rep"},
    "director": {"rep", "other_rep"},
    "admin": {"rep", "other_rep"},
}


@pytest.mark.parametrize("persona", [*ACTIVE, "deactivated", "anonymous"])
def test_contract_list_and_detail_are_scoped(org, world, as_persona, persona):
    client = as_persona(persona)
    response = client.get("/api/v1/contracts")
    if persona not in ACTIVE:
        assert response.status_code == 401
        return
    numbers = {c["number"] for c in response.json()["items"]}
    expected = {world[f"{who}_contract"].number for who in SEES[persona]}
    assert numbers == expected
    for who in ("rep", "other_rep"):
        contract = world[f"{who}_contract"]
        detail = client.get(f"/api/v1/contracts/{contract.pk}")
        assert detail.status_code == (200 if who in SEES[persona] else 404)


@pytest.mark.parametrize("persona", ACTIVE)
def test_writes_outside_scope_or_permission_change_nothing(org, world, as_persona, persona):
    client = as_persona(persona)
    theirs = "rep" if persona == "other_rep" else "other_rep"
    other = world[f"{theirs}_contract"]
    other_customer = world["rep_customer" if theirs == "rep" else "other_customer"]
    cat = world["cat"]
    before = sales_snapshot()
    calls = [
        ("patch", f"/api/v1/contracts/{other.pk}", {"version": 1, "title": "X"}),
        ("post", f"/api/v1/contracts/{other.pk}/submit", {}),
        ("post", f"/api/v1/contracts/{other.pk}/void", {"reason": "x"}),
        ("delete", f"/api/v1/contracts/{other.pk}", None),
        (
            "post",
            "/api/v1/contracts",
            {
                "customer": other_customer.pk,
                "title": "X",
                "lines": [{"product": cat.crm.pk, "quantity": "1"}],
            },
        ),
        ("patch", f"/api/v1/products/{cat.crm.pk}", {"version": 1, "name": "X"}),
        ("post", "/api/v1/products", {"product_line": cat.line.pk, "code": "N", "name": "N"}),
        ("delete", f"/api/v1/products/{cat.crm.pk}", None),
        ("post", "/api/v1/approval-chains", {"name": "X", "min_amount": "1", "steps": []}),
    ]
    for method, url, data in calls:
        response = client.call(method.upper(), url, data)
        if persona in ("director", "admin") and "/contracts" in url:
            continue  # they may change the other team's contracts (checked elsewhere)
        if persona == "admin":
            continue
        assert response.status_code in (403, 404, 422), (url, response.status_code)
    if persona not in ("director", "admin"):
        assert sales_snapshot() == before


def test_catalogue_crud_and_price_quote(org, world, as_persona):
    admin = as_persona("admin")
    cat = world["cat"]
    created = admin.post(
        "/api/v1/products",
        {"product_line": cat.line.pk, "code": "ERP", "name": "ERP 企业版", "list_price": "5000"},
    )
    assert created.status_code == 201
    assert created.json()["list_price"] == "5000.00"
    pid = created.json()["id"]
    stale = admin.patch(f"/api/v1/products/{pid}", {"version": 2, "name": "X"})
    assert stale.status_code == 409
    ok = admin.patch(f"/api/v1/products/{pid}", {"version": 1, "list_price": "4800.5"})
    assert (ok.status_code, ok.json()["list_price"], ok.json()["version"]) == (200, "4800.50", 2)
    pl = admin.post(
        "/api/v1/price-lists",
        {
            "name": "A 级价",
            "valid_from": "2026-01-01",
            "customer_level": "A",
            "items": [{"product": pid, "price": "4500"}],
        },
    )
    assert pl.status_code == 201
    assert [i["price"] for i in pl.json()["items"]] == ["4500.00"]
    rep = as_persona("rep")
    quote = rep.get(
        f"/api/v1/prices?product={pid}&customer={world['rep_customer'].pk}&on=2026-06-01"
    )
    assert quote.json()["price"] == "4500.00"
    # Another team's customer does not exist for the rep.
    assert (
        rep.get(f"/api/v1/prices?product={pid}&customer={world['other_customer'].pk}").status_code
        == 404
    )
    assert [p["code"] for p in rep.get("/api/v1/products?q=erp").json()["items"]] == ["ERP"]
    assert admin.delete(f"/api/v1/products/{pid}").status_code == 204
    assert rep.get(f"/api/v1/products/{pid}").status_code == 404


def test_contract_journey_through_the_api(org, world, as_persona):
    make_chain(org.admin, min_amount="1000", roles=("team_lead",))
    rep = as_persona("rep")
    cat = world["cat"]
    response = rep.post(
        "/api/v1/contracts",
        {
            "customer": world["rep_customer"].pk,
            "title": "API 合同",
            "lines": [
                {"product": cat.crm.pk, "quantity": "2", "discount_percent": "10"},
                {"product": cat.support.pk, "quantity": "3", "unit_price": "100"},
            ],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total_amount"] == "2100.00"  # 2×1000×0.9 + 3×100
    assert [line["amount"] for line in body["lines"]] == ["1800.00", "300.00"]
    cid = body["id"]
    assert rep.post(f"/api/v1/contracts/{cid}/submit", {}).json()["status"] == "in_approval"
    locked = rep.patch(f"/api/v1/contracts/{cid}", {"version": 2, "title": "改"})
    assert locked.status_code == 422
    lead = as_persona("lead")
    assert lead.get(f"/api/v1/contracts/{cid}").json()["can_decide"] is True
    assert [c["id"] for c in lead.get("/api/v1/contracts?view=to_approve").json()["items"]] == [cid]
    assert rep.post(f"/api/v1/contracts/{cid}/approve", {}).status_code == 403
    assert lead.post(f"/api/v1/contracts/{cid}/reject", {"reason": " "}).status_code == 422
    approved = lead.post(f"/api/v1/contracts/{cid}/approve", {"comment": "好"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "active"
    assert [e["kind"] for e in approved.json()["events"]] == ["created", "submitted", "approved"]
    assert rep.post(f"/api/v1/contracts/{cid}/complete", {}).status_code == 403
    assert lead.post(f"/api/v1/contracts/{cid}/complete", {}).json()["status"] == "completed"


def test_approval_chains_need_configure(org, world, as_persona):
    role = Role.objects.get(code="director")
    for persona in ("rep", "lead", "director"):
        assert as_persona(persona).get("/api/v1/approval-chains").status_code == 403
    admin = as_persona("admin")
    created = admin.post(
        "/api/v1/approval-chains",
        {
            "name": "大单",
            "min_amount": "100000",
            "steps": [{"kind": "manager"}, {"kind": "role", "role": role.pk}],
        },
    )
    assert created.status_code == 201
    assert [(s["position"], s["kind"]) for s in created.json()["steps"]] == [
        (1, "manager"),
        (2, "role"),
    ]
    bad = admin.post("/api/v1/approval-chains", {"name": "x", "min_amount": "1", "steps": []})
    assert bad.status_code == 422
    chain_id = created.json()["id"]
    updated = admin.patch(
        f"/api/v1/approval-chains/{chain_id}", {"version": 1, "min_amount": "50000"}
    )
    assert updated.json()["min_amount"] == "50000.00"
    assert admin.delete(f"/api/v1/approval-chains/{chain_id}").status_code == 204


def _more_rows(org, world, start: int, n: int) -> None:
    from salesdesk.sales import services

    for i in range(start, start + n):
        customer = make_customer(org.rep, f"客户{i}")
        make_contract(org.rep, customer, world["cat"])
        services.price_list_create(
            actor=org.admin,
            name=f"价表{i}",
            valid_from=date(2026, 1, 1),
            items=[{"product": world["cat"].crm, "price": Decimal(i)}],
        )
        services.product_create(
            actor=org.admin, product_line=world["cat"].line, code=f"P{i}", name=f"产品{i}"
        )


@pytest.mark.parametrize("url", ["/api/v1/contracts", "/api/v1/products", "/api/v1/price-lists"])
def test_list_queries_are_pinned(org, world, as_persona, url):
    _more_rows(org, world, 0, 1)
    client = as_persona("director")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_rows(org, world, 1, 4)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
    assert len(large) <= 8


def test_receivables_through_the_api(org, world, as_persona):
    from salesdesk.sales.contracts import services as contracts

    contract = world["rep_contract"]  # 2,000.00, no chain: active at once
    contracts.contract_submit(actor=org.rep, contract=contract)
    rep = as_persona("rep")
    url = f"/api/v1/contracts/{contract.pk}/payment-plan"
    bad = rep.call("PUT", url, {"instalments": [{"due_on": "2026-01-01", "amount": "1"}]})
    assert bad.status_code == 422
    assert (
        as_persona("other_rep")
        .call("PUT", url, {"count": 2, "first_due": "2026-01-31"})
        .status_code
        == 404
    )
    plan = rep.call("PUT", url, {"count": 3, "first_due": "2026-01-31"})
    assert plan.status_code == 200, plan.json()
    rows = [(i["due_on"], i["amount"]) for i in plan.json()["instalments"]]
    assert rows == [
        ("2026-01-31", "666.66"),
        ("2026-02-28", "666.66"),
        ("2026-03-31", "666.68"),
    ]
    first = plan.json()["instalments"][0]["id"]
    paid = rep.post(
        f"/api/v1/contracts/{contract.pk}/payments",
        {"instalment": first, "amount": "666.66", "received_on": "2026-01-30"},
    )
    assert paid.status_code == 201
    too_much = rep.post(
        f"/api/v1/contracts/{contract.pk}/payments",
        {"instalment": first, "amount": "0.01", "received_on": "2026-01-30"},
    )
    assert too_much.status_code == 422
    totals = rep.get("/api/v1/receivables/totals").json()
    assert (totals["planned"], totals["received"]) == ("2000.00", "666.66")
    assert as_persona("other_rep").get("/api/v1/receivables/totals").json()["planned"] == "0.00"
    assert [i["position"] for i in rep.get("/api/v1/receivables?bucket=paid").json()["items"]] == [
        1
    ]
    assert rep.get(f"/api/v1/contracts/{contract.pk}/payments").json()["count"] == 1


def test_channels_and_partners_through_the_api(org, world, as_persona):
    admin = as_persona("admin")
    rep = as_persona("rep")
    assert (
        rep.post("/api/v1/channels", {"code": "X", "name": "X", "type": "online"}).status_code
        == 403
    )
    bad = admin.post("/api/v1/channels", {"code": "X", "name": "X", "type": "telepathy"})
    assert bad.status_code == 422
    channel = admin.post("/api/v1/channels", {"code": "AG", "name": "代理", "type": "agent"})
    assert channel.status_code == 201
    partner = admin.post(
        "/api/v1/partners",
        {"name": "北方代理", "channel": channel.json()["id"], "manager": org.director.pk},
    )
    assert partner.status_code == 201, partner.json()
    assert partner.json()["channel"]["code"] == "AG"
    pid = partner.json()["id"]
    assert (
        admin.patch(f"/api/v1/partners/{pid}", {"version": 1, "region": "华北"}).json()["region"]
        == "华北"
    )
    assert [p["name"] for p in rep.get("/api/v1/partners?q=北方").json()["items"]] == ["北方代理"]
    assert rep.get("/api/v1/channels/performance").json() == []
    assert (
        admin.delete(f"/api/v1/channels/{channel.json()['id']}").status_code == 422
    )  # has partners
    assert admin.delete(f"/api/v1/partners/{pid}").status_code == 204


def test_returns_through_the_api(org, world, as_persona):
    from salesdesk.sales.contracts import services as contracts

    contract = world["rep_contract"]
    contracts.contract_submit(actor=org.rep, contract=contract)  # active (no chain)
    line = contract.lines.get()
    rep = as_persona("rep")
    url = f"/api/v1/contracts/{contract.pk}/returns"
    payload = {"line": line.pk, "quantity": "1", "reason": "损坏", "returned_on": "2026-04-01"}
    assert as_persona("other_rep").post(url, payload).status_code == 404
    created = rep.post(url, payload)
    assert created.status_code == 201
    assert created.json()["amount"] == "1000.00"
    assert rep.post(url, {**payload, "quantity": "5"}).status_code == 422
    rates = rep.get("/api/v1/returns/rates?by=rep").json()
    assert [(r["name"], r["rate"]) for r in rates] == [("张三 Zhang San", "50.00")]
    assert rep.get("/api/v1/returns/rates?by=planet").status_code == 422
    assert as_persona("other_rep").get("/api/v1/returns").json()["count"] == 0
