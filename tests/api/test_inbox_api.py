"""The to-do inbox API (CUS-8): /api/v1/inbox and /api/v1/inbox/counts."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.core.models import Notification
from salesdesk.customers import services
from tests.api.conftest import ApiClient
from tests.customers.conftest import make_customer


@pytest.fixture
def tasks(org):
    """The rep: 2 overdue, 1 later today (UTC), 1 in 3 days, 1 in 20 days."""
    now = timezone.now()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)  # the rep's day (UTC)
    customer = make_customer(org.rep, "北京星辰科技有限公司")
    org.rep.time_zone = "UTC"
    org.rep.save(update_fields=["time_zone"])
    made = {}
    for key, title, due in [
        ("late1", "Late one", start - timedelta(days=3)),
        ("late2", "Late two", start - timedelta(days=1)),
        ("today", "Today", start + timedelta(hours=23, minutes=59)),
        ("soon", "Soon", start + timedelta(days=3)),
        ("far", "Far", start + timedelta(days=20)),
    ]:
        made[key] = services.task_create(
            actor=org.rep, title=title, due_at=due, customer=customer if key == "soon" else None
        )
    made["customer"] = customer
    return made


@pytest.fixture
def fake_source():
    rows: list[InboxItem] = []

    def items(user, *, until, limit):
        return [r for r in rows if r.due_at <= until and r.body == user.username][:limit]

    def count(user, *, until):
        return len(items(user, until=until, limit=1000))

    inbox_registry.autodiscover()
    # Only the task source and this one: the assertions stay exact whatever other apps register.
    saved = dict(inbox_registry._sources)
    inbox_registry._sources = {"task": saved["task"]}
    inbox_registry.register("care", label="Care", icon="gift", items=items, count=count)
    yield rows
    inbox_registry._sources = saved


def test_list_default_is_overdue_today_and_the_next_7_days(org, tasks):
    response = ApiClient(org.rep).get("/api/v1/inbox")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (4, 1, 1)
    assert [(i["title"], i["section"], i["kind"], i["kind_label"]) for i in body["items"]] == [
        ("Late one", "overdue", "task", "Tasks"),
        ("Late two", "overdue", "task", "Tasks"),
        ("Today", "today", "task", "Tasks"),
        ("Soon", "upcoming", "task", "Tasks"),
    ]
    soon = body["items"][3]
    assert soon["customer_name"] == "北京星辰科技有限公司"
    assert soon["url"] == f"/customers/{tasks['customer'].pk}/?tab=tasks"
    assert soon["key"] == f"task:{tasks['soon'].pk}"


def test_days_until_kind_and_pagination(org, tasks, fake_source):
    fake_source.append(
        InboxItem(kind="care", due_at=timezone.now(), title="生日 Birthday", body="rep")
    )
    client = ApiClient(org.rep)
    today = client.get("/api/v1/inbox?days=0").json()
    assert [i["title"] for i in today["items"]] == [
        "Late one",
        "Late two",
        "生日 Birthday",
        "Today",
    ]
    month = client.get("/api/v1/inbox?days=30&page_size=2&page=3").json()
    assert (month["count"], month["pages"], [i["title"] for i in month["items"]]) == (
        6,
        3,
        ["Soon", "Far"],
    )
    until = quote((tasks["late2"].due_at + timedelta(seconds=1)).isoformat())
    assert [i["title"] for i in client.get(f"/api/v1/inbox?until={until}").json()["items"]] == [
        "Late one",
        "Late two",
    ]
    care = client.get("/api/v1/inbox?kind=care").json()
    assert (care["count"], [i["kind_label"] for i in care["items"]]) == (1, ["Care"])
    counts = client.get("/api/v1/inbox/counts").json()
    assert counts["sources"] == [
        {"kind": "task", "label": "Tasks", "count": 3},
        {"kind": "care", "label": "Care", "count": 1},
    ]
    assert (counts["total"], counts["unread_notifications"], counts["bell"]) == (4, 0, 4)
    Notification.objects.create(user=org.rep, title="Unread")
    week = client.get("/api/v1/inbox/counts?days=7").json()
    assert (week["total"], week["unread_notifications"], week["bell"]) == (5, 1, 6)


def test_invalid_parameters_are_422(org, tasks):
    client = ApiClient(org.rep)
    assert client.get("/api/v1/inbox?days=91").status_code == 422
    assert client.get("/api/v1/inbox?page_size=201").status_code == 422
    deep = client.get("/api/v1/inbox?page=6&page_size=200")
    assert deep.status_code == 422
    assert deep.json()["fields"] == {"page": ["Only the first 1000 to-dos can be listed."]}


def test_only_the_callers_own_to_dos(org, tasks):
    for user in (org.lead, org.director, org.admin, org.other_rep):
        client = ApiClient(user)
        assert client.get("/api/v1/inbox?days=30").json()["count"] == 0
        assert client.get("/api/v1/inbox/counts").json()["total"] == 0
    assert ApiClient().get("/api/v1/inbox").status_code == 401
    assert ApiClient(org.deactivated).get("/api/v1/inbox").status_code == 401


@pytest.mark.parametrize("url", ["/api/v1/inbox?days=30&page_size=200", "/api/v1/inbox/counts"])
def test_query_count_is_constant(org, url):
    client = ApiClient(org.rep)
    client.get("/api/v1/me")
    now = timezone.now()
    services.task_create(actor=org.rep, title="One", due_at=now)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # the pool source's set-up is cached from here on
    few = count()
    customers = [make_customer(org.rep, f"客户{i}") for i in range(4)]
    for i in range(15):
        services.task_create(
            actor=org.rep, title=f"T{i}", due_at=now + timedelta(days=i), customer=customers[i % 4]
        )
    assert count() == few
    # list: session, user (with role and unit), per source an item query (counts come from them);
    # counts: session, user, per source a count, the unread notifications. The pool source asks
    # nothing while no pool rule exists (its set-up is cached).
    # neither the pool source (no rule) nor contract approvals (the rep may not approve)
    # nor work reports to read (a rep has no team)
    querying = len(inbox_registry.sources()) - 4  # nor tier proposals: a rep does not evaluate
    assert few == (2 + querying if "counts" not in url else 3 + querying)
    assert few <= 12
