"""Browser journey of the customer pages (issue 3), in both languages, in headless chromium:
create a customer, hit the live duplicate warning (masked owner), add a contact, record a
follow-up with a next contact time and find the resulting task in the To-do inbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from salesdesk.customers import services
from salesdesk.customers.models import Contact, Customer, FollowUp, Task
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in

CREDIT_CODE = "91310000MA1K00000X"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_customer_journey(org, page_factory, screenshot, lang):
    services.customer_create(actor=org.other_rep, name="Gamma Works", credit_code=CREDIT_CODE)
    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "rep")
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # The customer list is in the navigation and starts empty for the rep.
    page.locator(".sd-nav a[href='/customers/']").click()
    page.wait_for_url(re.compile(r".*/customers/.*"))
    page.locator("a[data-shortcut=new]").click()
    page.wait_for_url(re.compile(r".*/customers/new/$"))

    # Typing a credit code that exists outside the rep's scope shows a masked hit, live.
    name = f"旅程客户 Journey {lang}"
    page.fill("input[name=name]", name)
    page.fill("input[name=credit_code]", CREDIT_CODE)
    hits = page.locator("#duplicate-hits")
    expect(hits).to_contain_text("赵*")
    expect(hits).not_to_contain_text("Gamma Works")
    screenshot(page, f"customer-duplicate-{lang}")

    # Individuals do not see company-only fields.
    page.locator("input[name=kind][value=individual]").check()
    expect(page.locator("select[name=company_size]")).to_be_hidden()
    expect(page.locator("select[name=age_band]")).to_be_visible()
    page.locator("input[name=kind][value=company]").check()
    expect(page.locator("select[name=company_size]")).to_be_visible()

    # Submitting with the duplicate credit code is refused and cannot be overridden.
    page.locator("form[data-customer-form] button[type=submit]").click()
    expect(page.locator("#duplicate-hits")).to_contain_text("赵*")
    expect(page.locator("input[name=allow_duplicate]")).to_have_count(0)
    assert not Customer.objects.filter(name=name).exists()

    # Without it the customer is created.
    page.fill("input[name=credit_code]", "")
    page.fill("input[name=phone]", "021-6000 1234")
    page.select_option("select[name=level]", "B")
    page.locator("form[data-customer-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/customers/\d+/$"))
    customer = Customer.objects.get(name=name)
    assert (customer.owner_id, customer.level) == (org.rep.pk, "B")
    expect(page.locator("h1")).to_contain_text(name)

    # Add two contacts, one primary.
    for contact_name, mobile, primary in (("王经理", "13912340001", True), ("Li Lei", "", False)):
        page.goto(page.base + f"/customers/{customer.pk}/contacts/new/")
        page.fill("input[name=name]", contact_name)
        if mobile:
            page.fill("input[name=mobile]", mobile)
        if primary:
            page.locator("input[name=is_primary]").check()
        page.locator("form.sd-form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/customers/\d+/\?tab=contacts$"))
    expect(page.locator("main")).to_contain_text("王经理")
    expect(page.locator("main")).to_contain_text("Li Lei")
    assert Contact.objects.filter(customer=customer, is_primary=True).get().name == "王经理"
    screenshot(page, f"customer-contacts-{lang}")

    # Record a follow-up with a next contact time: a task is created.
    page.locator("button[data-bs-target='#follow-up-modal']").first.click()
    modal = page.locator("#follow-up-modal")
    expect(modal).to_be_visible()
    modal.locator("select[name=kind]").select_option("visit")
    modal.locator("textarea[name=content]").fill("到访工厂 Visited the plant")
    modal.locator("input[name=contacts]").first.check()
    due = timezone.localtime() + timedelta(days=3)
    modal.locator("input[name=next_contact_at]").fill(due.strftime("%Y-%m-%dT%H:%M"))
    modal.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*\?tab=follow_ups$"))
    expect(page.locator("main")).to_contain_text("Visited the plant")
    follow_up = FollowUp.objects.get(customer=customer)
    task = Task.objects.get(follow_up=follow_up)
    assert (task.owner_id, task.done_at) == (org.rep.pk, None)
    screenshot(page, f"customer-detail-{lang}")

    # The task is in the To-do inbox (upcoming), linked to the customer; complete it inline.
    page.locator(".sd-nav a[href='/inbox/']").click()
    page.wait_for_url(re.compile(r".*/inbox/$"))
    upcoming = page.locator("#inbox-upcoming")
    expect(upcoming).to_contain_text(name)
    expect(upcoming).to_contain_text(task.title)
    expect(page.locator(".sd-inbox-chips a[data-kind='task'] .badge")).to_have_text("1")
    screenshot(page, f"inbox-{lang}")
    upcoming.locator(f"form[action='/inbox/tasks/{task.pk}/complete/'] button").click()
    expect(upcoming.locator(".sd-inbox-done")).to_contain_text(task.title)
    task.refresh_from_db()
    assert task.done_at is not None
    # "My tasks" (with the done tab) stays one click away.
    page.locator("main .sd-page-actions a[href='/customers/tasks/']").click()
    page.locator("a[href='?tab=done']").click()
    expect(page.locator("main")).to_contain_text(name)
    assert page.js_errors == []
