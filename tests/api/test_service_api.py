"""Customer service API (CUS-9/10/11): access matrix, validation, conflicts, pinned queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesdesk.customers.care.models import CareReminder, GreetingTemplate
from salesdesk.customers.care.services import care_reminders_generate
from salesdesk.customers.feedback import services as feedback
from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
from salesdesk.customers.visits import services as visits
from salesdesk.customers.visits.models import ReturnVisit, VisitPolicy
from tests.api.conftest import ApiClient
from tests.customers.conftest import make_customer

pytestmark = pytest.mark.django_db

LISTS = (
    "/api/v1/return-visits",
    "/api/v1/care-reminders?bucket=overdue",
    "/api/v1/satisfaction",
    "/api/v1/feedback-tickets",
)


@pytest.fixture
def data(org):
    rep_customer = make_customer(org.rep, "甲公司", level="A")
    other_customer = make_customer(org.other_rep, "乙公司", level="A")
    for customer in (rep_customer, other_customer):
        visits.return_visit_create(
            actor=customer.owner, customer=customer, kind="phone", summary="好", satisfaction=5
        )
        feedback.feedback_ticket_create(
            actor=customer.owner, customer=customer, type="complaint", title="问题"
        )
    care_reminders_generate(today=date(2026, 9, 25))
    return {"rep": rep_customer, "other": other_customer}


def counts(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["count"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("rep", 1),
        ("other_rep", 1),
        ("lead", 1),
        ("director", 2),
        ("admin", 2),
    ],
)
def test_lists_are_scoped(org, data, persona, expected):
    client = ApiClient(getattr(org, persona))
    for url in LISTS:
        assert counts(client, url) == expected, url


def test_deactivated_and_anonymous_get_nothing(org, data):
    for url in LISTS:
        assert ApiClient(org.deactivated).get(url).status_code == 401
        assert ApiClient().get(url).status_code == 401


def test_create_visit_validation_and_scope(org, data):
    client = ApiClient(org.rep)
    before = ReturnVisit.objects.count()
    response = client.post(
        "/api/v1/return-visits",
        {"customer": data["rep"].pk, "kind": "phone", "summary": "", "satisfaction": 9},
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"summary", "satisfaction"}
    response = client.post(
        "/api/v1/return-visits", {"customer": data["other"].pk, "kind": "phone", "summary": "x"}
    )
    assert response.status_code == 404
    assert ReturnVisit.objects.count() == before
    response = client.post(
        "/api/v1/return-visits",
        {"customer": data["rep"].pk, "kind": "on_site", "summary": "上门", "satisfaction": 3},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["satisfaction"], body["customer"]["name"]) == (
        "on_site",
        3,
        "甲公司",
    )
    assert body["next_due"] == str(timezone.localdate() + timedelta(days=30))


def test_policies_and_templates_need_configure(org, data):
    policy = VisitPolicy.objects.get(level="B")
    template = GreetingTemplate.objects.get(occasion="birthday", language="zh-hans")
    for persona in ("rep", "lead", "director"):
        client = ApiClient(getattr(org, persona))
        assert len(client.get("/api/v1/visit-policies").json()) == 4
        assert (
            client.patch(f"/api/v1/visit-policies/{policy.pk}", {"interval_days": 5}).status_code
            == 403
        )
        assert (
            client.patch(
                f"/api/v1/greeting-templates/{template.pk}", {"subject": "x", "body": "y"}
            ).status_code
            == 403
        )
    policy.refresh_from_db()
    assert policy.interval_days == 90
    admin = ApiClient(org.admin)
    response = admin.patch(f"/api/v1/visit-policies/{policy.pk}", {"interval_days": 0})
    assert response.status_code == 422
    response = admin.patch(f"/api/v1/visit-policies/{policy.pk}", {"interval_days": 60})
    assert response.json() == {"id": policy.pk, "level": "B", "interval_days": 60}
    response = admin.patch(
        f"/api/v1/greeting-templates/{template.pk}", {"subject": "生日", "body": "{oops}"}
    )
    assert response.status_code == 422
    assert len(admin.get("/api/v1/greeting-templates").json()) == 20


def test_care_sent_and_skip(org, data):
    reminder = CareReminder.objects.get(customer=data["rep"])
    other = CareReminder.objects.get(customer=data["other"])
    assert ApiClient(org.rep).post(f"/api/v1/care-reminders/{other.pk}/sent").status_code == 404
    response = ApiClient(org.rep).post(f"/api/v1/care-reminders/{reminder.pk}/sent")
    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    response = ApiClient(org.rep).post(f"/api/v1/care-reminders/{reminder.pk}/skip")
    assert response.status_code == 422
    assert (
        ApiClient(org.director).post(f"/api/v1/care-reminders/{other.pk}/skip").json()["status"]
        == "skipped"
    )


def test_satisfaction_create(org, data):
    client = ApiClient(org.rep)
    response = client.post(
        "/api/v1/satisfaction", {"customer": data["rep"].pk, "kind": "nps", "score": 11}
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"score": ["Enter a score from 0 to 10."]}
    response = client.post(
        "/api/v1/satisfaction", {"customer": data["rep"].pk, "kind": "nps", "score": 9}
    )
    assert response.status_code == 201
    assert SatisfactionRecord.objects.filter(kind="nps").count() == 1


def test_ticket_lifecycle(org, data):
    client = ApiClient(org.rep)
    response = client.post(
        "/api/v1/feedback-tickets",
        {"customer": data["rep"].pk, "type": "complaint", "severity": "critical", "title": "坏了"},
    )
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert (ticket["owner"]["username"], ticket["status"], ticket["version"]) == ("rep", "open", 1)
    url = f"/api/v1/feedback-tickets/{ticket['id']}"
    assert ApiClient(org.other_rep).get(url).status_code == 404
    response = client.patch(url, {"version": 1, "status": "resolved"})
    assert response.status_code == 422
    assert "resolution" in response.json()["fields"]
    response = client.patch(url, {"version": 1, "status": "resolved", "resolution": "已换货"})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert client.patch(url, {"version": 1, "title": "旧"}).status_code == 409
    assert client.delete(url).status_code == 403
    assert FeedbackTicket.objects.filter(pk=ticket["id"]).exists()
    assert ApiClient(org.lead).delete(url).status_code == 403
    assert ApiClient(org.director).delete(url).status_code == 204
    assert not FeedbackTicket.objects.filter(pk=ticket["id"]).exists()


def test_ticket_filters_and_sort(org, data):
    client = ApiClient(org.director)
    FeedbackTicket.objects.filter(customer=data["rep"]).update(
        due_at=timezone.now() - timedelta(days=1), severity="critical"
    )
    body = client.get("/api/v1/feedback-tickets?overdue=true").json()
    assert [t["customer"]["name"] for t in body["items"]] == ["甲公司"]
    body = client.get("/api/v1/feedback-tickets?sort=-severity").json()
    assert [t["severity"] for t in body["items"]] == ["critical", "medium"]
    assert client.get("/api/v1/feedback-tickets?severity=low").json()["count"] == 0


def test_dashboard(org, data):
    body = ApiClient(org.director).get("/api/v1/feedback/dashboard").json()
    assert (body["open"], body["overdue"], body["resolved_this_month"]) == (2, 0, 0)
    assert body["by_level"] == [
        {
            "key": "A",
            "label": "A · Key account",
            "csat_avg": 5.0,
            "csat_count": 2,
            "nps": None,
            "nps_count": 0,
        }
    ]
    assert len(body["by_owner"]) == 2
    rep_body = ApiClient(org.rep).get("/api/v1/feedback/dashboard").json()
    assert rep_body["open"] == 1


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/feedback/dashboard"])
def test_query_counts_are_constant(org, data, url):
    client = ApiClient(org.director)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(5):
        customer = make_customer(org.rep, f"丙公司{i}", level="A")
        visits.return_visit_create(
            actor=org.rep, customer=customer, kind="phone", summary="好", satisfaction=4
        )
        feedback.feedback_ticket_create(
            actor=org.rep, customer=customer, type="complaint", title="问题"
        )
    care_reminders_generate(today=date(2026, 9, 25))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
    assert len(large) <= 12
