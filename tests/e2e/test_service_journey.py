"""Browser journey of return visits, care and feedback (CUS-9/10/11) in headless chromium, in
both languages: a rep records a due return visit from the list, copies and sends a holiday
greeting, opens and resolves a complaint; the director sees the dashboard's charts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from salesdesk.customers.care.models import CareReminder
from salesdesk.customers.care.services import care_reminders_generate
from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
from salesdesk.customers.models import Customer
from salesdesk.customers.visits.models import ReturnVisit
from tests.customers.conftest import make_customer
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in


def seed_rules_and_greetings() -> None:
    """Transactional tests flush the tables, data-migration rows included: put them back."""
    import_module("salesdesk.customers.migrations.0006_seed_visit_rules_and_greetings").seed(
        apps, None
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_service_journey(org, page_factory, screenshot, lang):
    seed_rules_and_greetings()
    customer = make_customer(org.rep, f"回访客户 {lang}", level="A")
    Customer.all_objects.filter(pk=customer.pk).update(
        next_visit_due=timezone.localdate() - timedelta(days=2)
    )
    care_reminders_generate(today=date(2026, 9, 25))
    CareReminder.objects.update(date=timezone.localdate())

    page = page_factory(BROWSER_LANG[lang])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "rep")

    # Overdue return visits: record one from the list.
    page.locator(".sd-nav a[href='/customers/return-visits/']").click()
    page.goto(page.base + "/customers/return-visits/?tab=overdue")
    expect(page.locator("main table")).to_contain_text(customer.name)
    page.locator(f"a[href^='/customers/{customer.pk}/return-visits/new/']").click()
    page.select_option("select[name=kind]", "on_site")
    page.select_option("select[name=satisfaction]", "4")
    page.fill("textarea[name=summary]", "上门回访，客户满意")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/customers/return-visits/\?tab=overdue$"))
    visit = ReturnVisit.objects.get(customer=customer)
    assert (visit.kind, visit.satisfaction) == ("on_site", 4)
    assert SatisfactionRecord.objects.get(customer=customer).score == 4
    customer.refresh_from_db()
    assert customer.next_visit_due == timezone.localdate(visit.visited_at) + timedelta(days=30)
    screenshot(page, f"return-visits-{lang}")

    # Care: copy the 中秋 greeting, mark it sent.
    page.goto(page.base + "/customers/care/?tab=today")
    greeting = page.locator("[id^=greeting-]").first
    expect(greeting).to_contain_text(customer.name)
    page.locator("[data-copy-target]").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert customer.name in copied
    page.locator("form[action$='/sent/'] button").first.click()
    page.wait_for_url(re.compile(r".*/customers/care/.*"))
    assert CareReminder.objects.get(customer=customer).status == "sent"
    screenshot(page, f"care-{lang}")

    # Feedback: open a complaint from the customer 360 page and resolve it.
    page.goto(page.base + f"/customers/{customer.pk}/?tab=service")
    expect(page.locator("main")).to_contain_text("上门回访，客户满意")
    page.locator(f"a[href='/customers/{customer.pk}/feedback/new/']").click()
    page.select_option("select[name=type]", "complaint")
    page.select_option("select[name=severity]", "high")
    page.fill("input[name=title]", "发货延迟")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/customers/feedback/\d+/$"))
    ticket = FeedbackTicket.objects.get(customer=customer)
    page.select_option("select[name=status]", "resolved")
    page.fill("textarea[name=resolution]", "已加急补发")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/customers/feedback/{ticket.pk}/$"))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == ("resolved", "已加急补发")
    assert page.js_errors == []

    # The director's dashboard draws its charts (ECharts under the CSP, no inline script).
    director = page_factory(BROWSER_LANG[lang])
    sign_in(director, "director")
    director.goto(director.base + "/customers/feedback/dashboard/")
    expect(director.locator("[data-testid=resolved]")).to_have_text("1")
    expect(director.locator("[data-chart=by_level] canvas")).to_have_count(1)
    expect(director.locator("[data-chart=by_month] canvas")).to_have_count(1)
    screenshot(director, f"feedback-dashboard-{lang}")
    assert director.js_errors == []
