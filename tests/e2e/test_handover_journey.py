"""Browser journey of the handover (CUS-7), in both languages, in headless chromium: a team lead
hands a departed rep's customers over to another rep, checks the preview, confirms, and finds
the handover on the customer's timeline; the receiving rep gets a notification."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from salesdesk.core.models import Notification
from salesdesk.customers.handover.models import Handover
from salesdesk.customers.models import Customer, Task
from tests.customers.conftest import make_customer
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_handover_journey(org, page_factory, screenshot, lang):
    customers = [make_customer(org.rep, f"交接客户 {i} {lang}") for i in range(2)]
    Customer.all_objects.filter(pk__in=[c.pk for c in customers]).update(owner=org.deactivated)
    task = Task.objects.create(
        owner=org.deactivated,
        org_unit=org.team_a,
        customer=customers[0],
        title="回访",
        due_at=timezone.now() + timedelta(days=1),
    )
    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "lead")
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # Customers → Handover, then a new handover.
    page.locator(".sd-nav a[href='/customers/handovers/']").click()
    page.wait_for_url(re.compile(r".*/customers/handovers/$"))
    page.locator("a[data-shortcut=new]").click()
    page.wait_for_url(re.compile(r".*/customers/handovers/new/$"))

    # Choose the departed rep: their customers are listed.
    page.select_option("select[name=from_user]", str(org.deactivated.pk))
    page.wait_for_url(re.compile(rf".*from_user={org.deactivated.pk}.*"))
    table = page.locator("[data-testid=handover-customers]")
    expect(table).to_contain_text(customers[0].name)
    expect(table).to_contain_text(customers[1].name)

    # All of them to the rep; preview first.
    page.locator(f"input[name=to_users][value='{org.rep.pk}']").check()
    page.fill("input[name=reason]", "离职交接")
    page.locator("button[name=action][value=preview]").click()
    preview = page.locator("[data-testid=handover-preview]")
    expect(preview).to_contain_text(org.rep.name)
    expect(preview.locator("tbody tr td").nth(2)).to_have_text("2")
    assert Handover.objects.count() == 0
    screenshot(page, f"handover-preview-{lang}")

    page.locator("button[name=action][value=confirm]").click()
    page.wait_for_url(re.compile(r".*/customers/handovers/\d+/(#preview)?$"))
    expect(page.locator("[data-testid=handover-count]")).to_have_text("2")
    expect(page.locator("[data-testid=handover-items]")).to_contain_text(customers[0].name)
    handover = Handover.objects.get()
    assert (handover.from_user, handover.actor, handover.reason) == (
        org.deactivated,
        org.lead,
        "离职交接",
    )
    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list("owner_id", flat=True)
    ) == {org.rep.pk}
    assert Task.objects.get(pk=task.pk).owner == org.rep
    assert Notification.objects.filter(user=org.rep, kind="customer_handover").count() == 1

    # The handover is on the customer's timeline.
    page.locator("[data-testid=handover-items] a").first.click()
    page.wait_for_url(re.compile(r".*/customers/\d+/$"))
    expect(page.locator(".sd-timeline")).to_contain_text(org.deactivated.name)
    expect(page.locator(".sd-timeline")).to_contain_text(org.rep.name)
    assert page.js_errors == []
