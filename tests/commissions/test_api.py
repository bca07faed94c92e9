"""The commissions API, scoped like the pages: personas × endpoints, 0 leaks (a rep never sees
another rep's statement), denials before lookup that change nothing, 409 on locked periods and
stale plans, 422 on bad input."""

from __future__ import annotations

import pytest

from salesdesk.commissions import services
from salesdesk.commissions.models import CommissionPeriodLock, CommissionPlan, CommissionStatement
from salesdesk.org.models import Role
from tests.api.conftest import ApiClient
from tests.commissions.conftest import BANDS, MARCH, contract, pay

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def statements(org, lines, plan):
    for rep in (org.rep, org.other_rep):
        pay(contract(rep, [(lines["crm"], "1000")]), "1000")
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    return {
        "rep": CommissionStatement.objects.get(owner=org.rep).pk,
        "other_rep": CommissionStatement.objects.get(owner=org.other_rep).pk,
    }


def _state():
    return (
        list(CommissionStatement.objects.order_by("pk").values()),
        list(CommissionPlan.all_objects.order_by("pk").values()),
        list(CommissionPeriodLock.objects.values()),
    )


def test_reads_per_persona_leak_nothing(org, finance, statements):
    rep, other = statements["rep"], statements["other_rep"]
    expected = {
        "rep": {rep},
        "other_rep": {other},
        "lead": {rep},
        "director": {rep, other},
        "admin": {rep, other},
    }
    clients = {p: ApiClient(u) for p, u in org.personas().items() if p in expected}
    clients["finance"] = ApiClient(finance)
    expected["finance"] = {rep, other}
    for persona, ids in expected.items():
        client = clients[persona]
        body = client.get(f"{API}/commission-statements?page_size=100").json()
        assert {s["id"] for s in body["items"]} == ids, persona
        for pk in (rep, other):
            answer = client.get(f"{API}/commission-statements/{pk}")
            assert answer.status_code == (200 if pk in ids else 404), (persona, pk)
        # Filtering by another person cannot reveal anything either.
        body = client.get(f"{API}/commission-statements?person={org.other_rep.pk}").json()
        assert {s["id"] for s in body["items"]} <= ids
    detail = ApiClient(org.rep).get(f"{API}/commission-statements/{rep}").json()
    assert detail["commission_total"] == "20.00"  # no goal: lowest band 2 % of 1,000
    assert [(line["source_kind"], line["amount"]) for line in detail["lines"]] == [
        ("payment", "20.00")
    ]
    assert ApiClient(org.deactivated).get(f"{API}/commission-statements").status_code == 401


def test_writes_refused_before_lookup_change_nothing(org, statements, plan):
    before = _state()
    for persona in ("rep", "other_rep", "lead"):
        client = ApiClient(org.personas()[persona])
        assert (
            client.post(
                f"{API}/commission-statements/compute", {"plan": 999999, "day": "2026-03-10"}
            ).status_code
            == 403
        )
        assert (
            client.post(f"{API}/commission-periods/lock", {"day": "2026-03-10"}).status_code == 403
        )
        assert (
            client.patch(f"{API}/commission-plans/999999", {"version": 1, "name": "x"}).status_code
            == 403
        )
        assert client.delete(f"{API}/commission-plans/{plan.pk}").status_code == 403
        assert (
            client.post(
                f"{API}/commission-plans",
                {"name": "x", "role": Role.objects.get(code="rep").pk, "bands": BANDS},
            ).status_code
            == 403
        )
    # A director may compute but not lock (company-wide locks need the all-records scope).
    director = ApiClient(org.director)
    assert director.post(f"{API}/commission-periods/lock", {"day": "2026-03-10"}).status_code == 403
    assert _state() == before


def test_plan_crud_stale_and_bad_input(org, plan):
    admin = ApiClient(org.admin)
    rep_role = Role.objects.get(code="rep").pk
    bad = admin.post(
        f"{API}/commission-plans",
        {
            "name": "x",
            "role": rep_role,
            "bands": [{"from": 50, "rate": 2}, {"from": 10, "rate": 3}],
        },
    )
    assert bad.status_code == 422 and "bands" in bad.json()["fields"]
    made = admin.post(
        f"{API}/commission-plans",
        {
            "name": "季度提成",
            "role": rep_role,
            "period_kind": "quarter",
            "base": "contracts",
            "base_rate": "1.5",
            "bands": BANDS,
            "cap": "5000",
        },
    )
    assert made.status_code == 201, made.json()
    pk, version = made.json()["id"], made.json()["version"]
    assert made.json()["bands"][1] == {"from": "80", "rate": "3"}
    ok = admin.patch(f"{API}/commission-plans/{pk}", {"version": version, "base_rate": "2"})
    assert ok.status_code == 200 and ok.json()["base_rate"] == "2.000"
    stale = admin.patch(f"{API}/commission-plans/{pk}", {"version": version, "base_rate": "3"})
    assert stale.status_code == 409
    assert CommissionPlan.objects.get(pk=pk).base_rate == 2
    assert admin.delete(f"{API}/commission-plans/{pk}").status_code == 204
    assert admin.get(f"{API}/commission-plans/{pk}").status_code == 404


def test_compute_lock_and_conflict(org, finance, statements, plan):
    admin, fin = ApiClient(org.admin), ApiClient(finance)
    answer = admin.post(
        f"{API}/commission-statements/compute", {"plan": plan.pk, "day": "2026-03-31"}
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "created": 0,
        "recomputed": 2,
    }
    locked = fin.post(f"{API}/commission-periods/lock", {"day": "2026-03-02"})
    assert locked.status_code == 201 and locked.json()["period_start"] == "2026-03-01"
    before = _state()
    again = admin.post(
        f"{API}/commission-statements/compute", {"plan": plan.pk, "day": "2026-03-05"}
    )
    assert again.status_code == 409 and again.json()["code"] == "period_locked"
    assert fin.post(f"{API}/commission-periods/lock", {"day": "2026-03-02"}).status_code == 409
    assert _state() == before
    assert (
        ApiClient(org.rep).get(f"{API}/commission-statements/{statements['rep']}").json()["status"]
        == "locked"
    )


def test_unlock_admin_only_with_reason(org, finance, statements):
    ApiClient(finance).post(f"{API}/commission-periods/lock", {"day": "2026-03-02"})
    body = {"day": "2026-03-02", "reason": "回款录错"}
    assert ApiClient(finance).post(f"{API}/commission-periods/unlock", body).status_code == 403
    no_reason = {"day": "2026-03-02", "reason": ""}
    assert (
        ApiClient(org.admin).post(f"{API}/commission-periods/unlock", no_reason).status_code == 422
    )
    answer = ApiClient(org.admin).post(f"{API}/commission-periods/unlock", body)
    assert answer.status_code == 200 and answer.json() == {"unlocked": 2}
    assert not CommissionPeriodLock.objects.exists()
