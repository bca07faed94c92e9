"""Customers API: access matrix (every endpoint × persona, exact ids, denials change nothing),
duplicate answers (409 with masked hits), stale edits (409), pinned query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesdesk.customers import services
from salesdesk.customers.models import Contact, Customer, Tag, Task
from tests.api.conftest import PERSONAS
from tests.customers.conftest import build_book, customer_snapshot, make_customer

VISIBLE = {
    "rep": {"rep"},
    "other_rep": {"other_rep"},
    "lead": {"rep", "lead"},
    "director": {"rep", "other_rep", "lead", "director"},
    "admin": {"rep", "other_rep", "lead", "director", "admin"},
    "deactivated": set(),
    "anonymous": set(),
}
SIGNED_OUT = {"deactivated", "anonymous"}
CODE = "91310115MA1H7XY03K"


@pytest.fixture
def book(org):
    return build_book(org)


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["items"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_read_access_matrix(as_persona, book, persona):
    client = as_persona(persona)
    expected = sorted(book[p].pk for p in VISIBLE[persona])
    response = client.get("/api/v1/customers?page_size=200")
    if persona in SIGNED_OUT:
        assert response.status_code == 401
        for url in ["/api/v1/contacts", "/api/v1/follow-ups", "/api/v1/tasks", "/api/v1/tags"]:
            assert client.get(url).status_code == 401
        return
    assert _ids(response) == expected
    contacts = client.get("/api/v1/contacts?page_size=200").json()["items"]
    assert sorted(c["customer"]["id"] for c in contacts) == expected
    for owner, customer in book.items():
        contact = customer.contacts.get()
        urls = [
            f"/api/v1/customers/{customer.pk}",
            f"/api/v1/customers/{customer.pk}/timeline",
            f"/api/v1/contacts/{contact.pk}",
        ]
        for url in urls:
            status = client.get(url).status_code
            assert status == (200 if owner in VISIBLE[persona] else 404), (url, status)
        listed = client.get(f"/api/v1/contacts?customer={customer.pk}").json()["items"]
        assert [c["id"] for c in listed] == ([contact.pk] if owner in VISIBLE[persona] else [])


@pytest.mark.parametrize("persona", PERSONAS)
def test_write_access_matrix(as_persona, org, book, persona):
    """Update, delete, transfer, contact and follow-up writes: allowed exactly where scope and
    function permission allow; every denial changes nothing."""
    client = as_persona(persona)
    may_delete = persona in {"director", "admin"}
    may_transfer = persona in {"lead", "director", "admin"}
    for owner, customer in book.items():
        in_scope = owner in VISIBLE[persona]
        contact = customer.contacts.get()
        before = customer_snapshot()
        attempts = [
            (
                "patch",
                f"/api/v1/customers/{customer.pk}",
                {"version": 1, "notes": persona},
                in_scope,
                200,
            ),
            (
                "post",
                "/api/v1/contacts",
                {"customer": customer.pk, "name": "新联系人"},
                in_scope,
                201,
            ),
            (
                "patch",
                f"/api/v1/contacts/{contact.pk}",
                {"version": 1, "title": "CEO"},
                in_scope,
                200,
            ),
            (
                "post",
                "/api/v1/follow-ups",
                {"customer": customer.pk, "kind": "call", "content": "电话"},
                in_scope,
                201,
            ),
        ]
        for method, url, data, allowed, ok in attempts:
            response = client.call(method, url, data)
            if persona in SIGNED_OUT:
                assert response.status_code == 401
            elif allowed:
                assert response.status_code == ok, (url, response.content)
            else:
                assert response.status_code == 404, (url, response.content)
        if persona in SIGNED_OUT or not in_scope:
            assert customer_snapshot() == before
        before = customer_snapshot()
        response = client.post(
            f"/api/v1/customers/{customer.pk}/transfer", {"new_owner": org.lead.pk}
        )
        if persona in SIGNED_OUT:
            expected = 401
        elif not may_transfer:
            expected = 403
        elif not in_scope:
            expected = 404
        elif owner == "lead":
            expected = 422  # already the owner
        else:
            expected = 200
        assert response.status_code == expected, (owner, response.content)
        if expected != 200:
            assert customer_snapshot() == before
        before = customer_snapshot()
        response = client.delete(f"/api/v1/customers/{customer.pk}")
        if persona in SIGNED_OUT:
            expected = 401
        elif not may_delete:
            expected = 403
        else:
            expected = 204 if in_scope else 404
        assert response.status_code == expected
        if expected != 204:
            assert customer_snapshot() == before
        else:
            assert Customer.objects.filter(pk=customer.pk).exists() is False


def test_create_update_and_detail_payloads(as_persona, org):
    client = as_persona("rep")
    tag = Tag.objects.create(name="高尔夫", category="interest")
    response = client.post(
        "/api/v1/customers",
        {
            "name": "北京星辰科技有限公司",
            "level": "B",
            "phone": "+86 138 0013 8000",
            "email": "Info@XC.cn",
            "credit_code": "91110108ma01abcd2x",
            "tags": [tag.pk],
            "annual_revenue": "1200000.50",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("name", "level", "level_label", "credit_code", "version")} == {
        "name": "北京星辰科技有限公司",
        "level": "B",
        "level_label": "B · Important",
        "credit_code": "91110108MA01ABCD2X",
        "version": 1,
    }
    assert body["owner"] == {"id": org.rep.pk, "username": "rep", "name": "张三 Zhang San"}
    assert body["org_unit"] == {"id": org.team_a.pk, "name": "Team A 一组"}
    assert body["tags"] == [
        {"id": tag.pk, "name": "高尔夫", "category": "interest", "category_label": "Interest"}
    ]
    assert body["annual_revenue"] == "1200000.50"
    assert body["contacts"] == []
    pk = body["id"]
    response = client.patch(f"/api/v1/customers/{pk}", {"version": 1, "city": "北京", "tags": []})
    assert (response.status_code, response.json()["version"], response.json()["tags"]) == (
        200,
        2,
        [],
    )
    response = client.patch(f"/api/v1/customers/{pk}", {"version": 1, "city": "上海"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Customer.objects.get(pk=pk).city == "北京"
    response = client.patch(f"/api/v1/customers/{pk}", {"version": 2, "name": None})
    assert response.status_code == 422
    assert response.json()["fields"] == {"name": ["This field cannot be empty."]}
    response = client.post("/api/v1/customers", {"name": "x", "email": "bad"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"email": ["Enter a valid email address."]}


def test_duplicates_answer_409_with_masked_hits(as_persona, org):
    other = make_customer(
        org.other_rep, "上海蓝海贸易有限公司", phone="021-6888 1234", credit_code=CODE
    )
    client = as_persona("rep")
    before = customer_snapshot()
    response = client.post(
        "/api/v1/customers", {"name": "上海蓝海贸易", "phone": "+86 139 0000 0000"}
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "duplicate",
        "message": "This customer may already exist. Check the possible duplicates, "
        "or send allow_duplicate to create it anyway.",
        "fields": {"name": ["A customer with the same name already exists."]},
        "blocking": False,
        "duplicates": [
            {
                "customer_id": other.pk,
                "matched_on": ["name"],
                "visible": False,
                "name": "上海****公司",
                "owner_name": "赵*",
                "url": "",
                "pool_name": "",
                "claimable": False,
            }
        ],
    }
    response = client.post(
        "/api/v1/customers", {"name": "另一家", "credit_code": CODE, "allow_duplicate": True}
    )
    assert response.status_code == 409
    assert response.json()["blocking"] is True
    assert customer_snapshot() == before
    response = client.post("/api/v1/customers", {"name": "上海蓝海贸易", "allow_duplicate": True})
    assert response.status_code == 201
    check = client.get("/api/v1/customers/duplicates?phone=021%206888%201234")
    assert check.status_code == 200
    assert check.json() == [
        {
            "customer_id": other.pk,
            "matched_on": ["phone"],
            "visible": False,
            "name": "上海****公司",
            "owner_name": "赵*",
            "url": "",
            "pool_name": "",
            "claimable": False,
        }
    ]
    seen = as_persona("director").get(f"/api/v1/customers/duplicates?credit_code={CODE.lower()}")
    assert [(h["visible"], h["name"], h["owner_name"]) for h in seen.json()] == [
        (True, "上海蓝海贸易有限公司", "赵六 Zhao Liu")
    ]
    assert as_persona("anonymous").get("/api/v1/customers/duplicates?name=x").status_code == 401


def test_follow_up_task_flow(as_persona, org, book):
    client = as_persona("rep")
    customer = book["rep"]
    contact = customer.contacts.get()
    nxt = (timezone.now() + timedelta(days=2)).isoformat()
    response = client.post(
        "/api/v1/follow-ups",
        {
            "customer": customer.pk,
            "kind": "visit",
            "content": "拜访",
            "contacts": [contact.pk],
            "next_contact_at": nxt,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["contacts"] == [{"id": contact.pk, "name": contact.name}]
    assert _ids(client.get(f"/api/v1/follow-ups?customer={customer.pk}")) == [response.json()["id"]]
    tasks = client.get("/api/v1/tasks?bucket=upcoming").json()["items"]
    assert [(t["source"], t["customer"]["id"]) for t in tasks] == [("follow_up", customer.pk)]
    task_id = tasks[0]["id"]
    assert as_persona("other_rep").post(f"/api/v1/tasks/{task_id}/complete").status_code == 404
    done = client.post(f"/api/v1/tasks/{task_id}/complete")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert client.post(f"/api/v1/tasks/{task_id}/complete").status_code == 422
    assert client.post(f"/api/v1/tasks/{task_id}/reopen").json()["done_at"] is None
    assert client.get("/api/v1/tasks?bucket=nope").status_code == 422
    # The follow-up's contacts must belong to the customer.
    foreign = book["lead"].contacts.get()
    response = client.post(
        "/api/v1/follow-ups",
        {"customer": customer.pk, "kind": "call", "content": "x", "contacts": [foreign.pk]},
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"contacts": ["Select contacts of this customer."]}
    created = client.post(
        "/api/v1/tasks", {"title": "寄资料", "due_at": nxt, "customer": book["other_rep"].pk}
    )
    assert created.status_code == 404
    assert Task.objects.count() == 1


def test_tags(as_persona):
    client = as_persona("rep")
    first = client.post("/api/v1/tags", {"name": "高尔夫", "category": "interest"})
    again = as_persona("lead").post("/api/v1/tags", {"name": "高尔夫", "category": "interest"})
    assert (first.status_code, again.json()["id"]) == (201, first.json()["id"])
    assert [t["name"] for t in client.get("/api/v1/tags").json()["items"]] == ["高尔夫"]


def test_list_query_counts_are_pinned(as_persona, org):
    golf = Tag.objects.create(name="高尔夫")

    def count(persona, url):
        client = as_persona(persona)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [
        "/api/v1/customers?sort=name&level=A",
        "/api/v1/contacts",
        "/api/v1/follow-ups",
        "/api/v1/tasks?bucket=upcoming",
    ]

    def add(i):
        customer = make_customer(org.rep, f"客户{i}", level="A", tags=[golf])
        services.contact_create(actor=org.rep, customer=customer, name=f"联系人{i}")
        services.follow_up_create(
            actor=org.rep,
            customer=customer,
            kind="call",
            content="x",
            next_contact_at=timezone.now() + timedelta(days=3),
        )

    add(0)
    small = {(p, u): count(p, u) for p in ("rep", "director") for u in urls}
    for i in range(1, 13):
        add(i)
    large = {(p, u): count(p, u) for p in ("rep", "director") for u in urls}
    assert large == small
    # 5 per request (session, user with role and unit, security checks), then count + page (+
    # the tags or contacts prefetch); +1 for the director's scope id list (docs/decisions.md D8).
    assert small == {
        ("rep", urls[0]): 8,
        ("rep", urls[1]): 7,
        ("rep", urls[2]): 8,
        ("rep", urls[3]): 7,
        ("director", urls[0]): 9,
        ("director", urls[1]): 8,
        ("director", urls[2]): 9,
        ("director", urls[3]): 7,  # the director has no tasks: no page query
    }
    assert Contact.objects.count() == 13
