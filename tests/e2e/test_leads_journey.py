"""Browser journey of leads (FUN-1), in both languages: create a lead from the Leads page,
convert it with an amount into a customer and an opportunity, see the deal on the board and the
conversion on the customer 360 timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesdesk.customers.models import Customer
from salesdesk.pipeline.leads.models import Lead
from salesdesk.pipeline.models import Opportunity
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in
from tests.pipeline.conftest import ensure_default_pipeline


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_lead_to_opportunity_journey(org, page_factory, screenshot, lang):
    pipeline = ensure_default_pipeline()
    name = f"旅程线索有限公司 {lang}"
    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "rep")
    page.locator(".sd-nav a[href='/leads/']").click()
    page.wait_for_url(re.compile(r".*/leads/$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("a[href='/leads/new/']").first.click()
    page.fill("#id_name", name)
    page.fill("#id_contact_name", "周经理")
    page.fill("#id_phone", "13612345678" if lang == "en" else "13687654321")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/leads/\d+/$"))
    lead = Lead.objects.get(name=name)
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "new")

    # Convert: pipeline and amount from the form.
    form = page.locator("[data-convert-form]")
    form.locator("#convert_pipeline").select_option(str(pipeline.pk))
    form.locator("#convert_amount").fill("88000")
    screenshot(page, f"lead-convert-{lang}")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/opportunities/\d+/$"))
    opp = Opportunity.objects.get(customer__name=name)
    assert str(opp.amount) == "88000.00"
    assert opp.lead_created_at == lead.created_at
    expect(page.locator("[data-amount]")).to_contain_text("88,000")

    # The deal is on the board, the conversion on the customer 360 timeline.
    page.goto(page.base + "/board/")
    expect(page.locator(f"[data-card][data-id='{opp.pk}']")).to_be_visible()
    customer = Customer.objects.get(name=name)
    page.goto(page.base + f"/customers/{customer.pk}/")
    expect(page.locator("aside[aria-labelledby=timeline-heading]")).to_contain_text(name)
    lead.refresh_from_db()
    assert (lead.status, lead.converted_opportunity_id) == ("converted", opp.pk)
