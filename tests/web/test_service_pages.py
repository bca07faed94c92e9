"""Return visits, care and feedback pages (CUS-9/10/11): access, actions, pinned queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesdesk.customers.care.models import CareReminder, GreetingTemplate
from salesdesk.customers.care.services import care_reminders_generate
from salesdesk.customers.feedback import services as feedback
from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
from salesdesk.customers.models import Customer
from salesdesk.customers.visits import services as visits
from salesdesk.customers.visits.models import ReturnVisit, VisitPolicy
from tests.customers.conftest import make_customer

pytestmark = pytest.mark.django_db

LIST_PAGES = {
    "visits_due": reverse("web:return_visit_list") + "?tab=overdue",
    "visits_done": reverse("web:return_visit_list") + "?tab=done",
    "care": reverse("web:care_list") + "?tab=overdue",
    "feedback": reverse("web:feedback_list"),
    "dashboard": reverse("web:feedback_dashboard"),
}


def add_rows(org, n: int, start: int = 0) -> dict:
    made = {}
    for i in range(start, start + n):
        for owner in (org.rep, org.other_rep):
            customer = make_customer(owner, f"客户{owner.username}{i}", level="A")
            Customer.all_objects.filter(pk=customer.pk).update(
                next_visit_due=date(2026, 1, 1) + timedelta(days=i)
            )
            visits.return_visit_create(
                actor=owner,
                customer=customer,
                kind="phone",
                summary="回访",
                satisfaction=4,
                visited_at=timezone.now() - timedelta(days=400),
            )
            feedback.feedback_ticket_create(
                actor=owner, customer=customer, type="complaint", title=f"投诉{i}"
            )
            made[f"{owner.username}{i}"] = customer
    care_reminders_generate(today=date(2026, 9, 25))
    return made


@pytest.mark.parametrize("page", sorted(LIST_PAGES))
def test_list_pages_have_constant_queries(org, login, page):
    add_rows(org, 2)
    client = login(org.director)
    client.get(LIST_PAGES[page])
    with CaptureQueriesContext(connection) as small:
        response = client.get(LIST_PAGES[page])
    assert response.status_code == 200
    add_rows(org, 6, start=2)
    with CaptureQueriesContext(connection) as large:
        response = client.get(LIST_PAGES[page])
    assert response.status_code == 200
    assert len(large) == len(small)
    assert len(large) <= 12


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("rep", {"rep"}),
        ("other_rep", {"other_rep"}),
        ("lead", {"rep"}),
        ("director", {"rep", "other_rep"}),
        ("admin", {"rep", "other_rep"}),
    ],
)
def test_lists_are_scoped(org, login, persona, visible):
    add_rows(org, 1)
    client = login(getattr(org, persona))
    for url in LIST_PAGES.values():
        content = client.get(url).content.decode()
        if "dashboard" in url:
            continue
        for owner in ("rep", "other_rep"):
            name = f"客户{owner}0"
            assert (name in content) == (owner in visible), (url, owner)


def test_deactivated_and_anonymous_are_sent_to_sign_in(org, login):
    for url in LIST_PAGES.values():
        assert login(None).get(url).status_code == 302
        assert login(org.deactivated).get(url).status_code == 302


def test_record_visit_from_the_list(org, login):
    customer = make_customer(org.rep, "甲公司", level="A")
    client = login(org.rep)
    url = reverse("web:return_visit_create", args=[customer.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "phone", "summary": "", "satisfaction": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert ReturnVisit.objects.count() == 0
    response = client.post(
        url + "?next=/customers/return-visits/",
        {
            "kind": "on_site",
            "summary": "上门拜访",
            "satisfaction": "5",
            "next": "/customers/return-visits/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/return-visits/"
    visit = ReturnVisit.objects.get()
    assert (visit.kind, visit.satisfaction) == ("on_site", 5)
    assert SatisfactionRecord.objects.get().score == 5
    # Someone who cannot see the customer gets 404 and changes nothing.
    assert login(org.other_rep).post(url, {"kind": "phone", "summary": "x"}).status_code == 404
    assert ReturnVisit.objects.count() == 1


def test_care_mark_sent_and_copy_button(org, login):
    make_customer(org.rep, "甲公司", level="A")
    care_reminders_generate(today=date(2026, 9, 25))
    reminder = CareReminder.objects.get()
    client = login(org.rep)
    content = client.get(reverse("web:care_list") + "?tab=overdue&lang=en").content.decode()
    assert "Dear 甲公司, wishing you and your family a joyful Mid-Autumn Festival." in content
    assert 'data-copy-target="greeting-' in content
    assert (
        login(org.other_rep).post(reverse("web:care_mark_sent", args=[reminder.pk])).status_code
        == 404
    )
    client.post(reverse("web:care_mark_sent", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert reminder.status == "sent"


def test_ticket_create_edit_conflict_and_delete(org, login):
    customer = make_customer(org.rep, "甲公司", level="A")
    client = login(org.rep)
    response = client.post(
        reverse("web:feedback_create", args=[customer.pk]),
        {"type": "complaint", "severity": "high", "title": "物流慢"},
    )
    ticket = FeedbackTicket.objects.get()
    assert response["Location"] == reverse("web:feedback_detail", args=[ticket.pk])
    url = reverse("web:feedback_detail", args=[ticket.pk])
    form = {
        "version": 1,
        "status": "resolved",
        "type": "complaint",
        "severity": "high",
        "owner": org.rep.pk,
        "due_at": timezone.localtime(ticket.due_at).strftime("%Y-%m-%dT%H:%M"),
        "title": "物流慢",
        "description": "",
        "resolution": "",
    }
    response = client.post(url, form)
    assert "Describe the resolution before resolving the ticket." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert client.post(url, {**form, "resolution": "已加急"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("resolved", 2)
    response = client.post(url, {**form, "title": "旧", "resolution": "x"})
    assert response.status_code == 409
    assert login(org.other_rep).get(url).status_code == 404
    assert client.post(reverse("web:feedback_delete", args=[ticket.pk])).status_code == 302
    assert FeedbackTicket.objects.count() == 1  # the rep may not delete
    login(org.director).post(reverse("web:feedback_delete", args=[ticket.pk]))
    assert FeedbackTicket.objects.count() == 0


def test_customer_360_service_tab(org, login):
    customer = make_customer(org.rep, "甲公司", level="A")
    visits.return_visit_create(
        actor=org.rep, customer=customer, kind="phone", summary="电话回访记录"
    )
    feedback.feedback_ticket_create(actor=org.rep, customer=customer, type="praise", title="表扬信")
    content = (
        login(org.lead)
        .get(reverse("web:customer_detail", args=[customer.pk]) + "?tab=service")
        .content.decode()
    )
    assert "电话回访记录" in content
    assert "表扬信" in content
    timeline = (
        login(org.lead)
        .get(reverse("web:customer_timeline", args=[customer.pk]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "Return visit (Phone)" in timeline


@pytest.mark.parametrize("persona", ["rep", "lead", "director"])
def test_settings_pages_need_configure(org, login, persona):
    policy = VisitPolicy.objects.get(level="A")
    client = login(getattr(org, persona))
    assert client.get(reverse("web:visit_policy_list")).status_code == 403
    assert (
        client.post(
            reverse("web:visit_policy_list"), {"policy": policy.pk, "interval_days": 5}
        ).status_code
        == 403
    )
    assert client.get(reverse("web:greeting_template_list")).status_code == 403
    policy.refresh_from_db()
    assert policy.interval_days == 30


def test_settings_pages_for_admin(org, login):
    policy = VisitPolicy.objects.get(level="A")
    client = login(org.admin)
    assert client.get(reverse("web:visit_policy_list")).status_code == 200
    response = client.post(
        reverse("web:visit_policy_list"), {"policy": policy.pk, "interval_days": 0}
    )
    assert response.status_code == 422
    client.post(reverse("web:visit_policy_list"), {"policy": policy.pk, "interval_days": 45})
    policy.refresh_from_db()
    assert policy.interval_days == 45
    template = GreetingTemplate.objects.get(occasion="mid_autumn", language="en")
    assert client.get(reverse("web:greeting_template_list")).status_code == 200
    response = client.post(
        reverse("web:greeting_template_list"),
        {"template": template.pk, "subject": "Hi", "body": "Dear {who}"},
    )
    assert response.status_code == 422
    client.post(
        reverse("web:greeting_template_list"),
        {"template": template.pk, "subject": "Hi", "body": "Dear {contact}"},
    )
    template.refresh_from_db()
    assert template.body == "Dear {contact}"
