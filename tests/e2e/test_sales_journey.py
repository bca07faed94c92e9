"""Browser journey of contracts (SAL-2) in headless chromium, in both languages: a rep creates a
contract with two lines (the second added by htmx, totals live), submits it; the team lead finds
it in the to-do inbox and approves it; the rep sees it active."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesdesk.sales.models import Contract
from tests.customers.conftest import make_customer
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in
from tests.sales.conftest import make_catalogue, make_chain


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_contract_journey(org, page_factory, screenshot, lang):
    cat = make_catalogue(org.admin)
    customer = make_customer(org.rep, f"合同客户 {lang}", level="B")
    make_chain(org.admin, min_amount="1000", roles=("team_lead",))

    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "rep")
    page.locator(".sd-nav a[href='/sales/contracts/']").click()
    page.wait_for_url(re.compile(r".*/sales/contracts/$"))
    page.locator("a[href='/sales/contracts/new/']").first.click()
    page.fill("input[name=title]", "浏览器合同")
    page.select_option("select[name=customer]", str(customer.pk))
    page.select_option("select[name='lines-0-product']", str(cat.crm.pk))
    page.fill("input[name='lines-0-quantity']", "2")
    expect(page.locator("[data-contract-total]")).to_have_text("¥2,000.00")
    page.locator("[data-line-add]").click()
    expect(page.locator("select[name='lines-1-product']")).to_be_visible()
    expect(page.locator("input[name='lines-TOTAL_FORMS']")).to_have_value("2")
    page.select_option("select[name='lines-1-product']", str(cat.support.pk))
    expect(page.locator("[data-contract-total]")).to_have_text("¥2,199.99")
    screenshot(page, f"contract-form-{lang}")
    page.locator("form[data-contract-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/sales/contracts/\d+/$"))
    contract = Contract.objects.get(title="浏览器合同")
    assert str(contract.total_amount) == "2199.99"
    assert contract.lines.count() == 2
    page.locator("[data-action=submit]").click()
    expect(page.locator(".sd-page-subtitle .sd-contract-in_approval")).to_be_visible()

    lead = page_factory(BROWSER_LANG[lang])
    sign_in(lead, "lead")
    lead.goto(lead.base + "/inbox/")
    lead.locator(f"a[href='/sales/contracts/{contract.pk}/']").first.click()
    lead.fill("#approve-comment", "同意 OK")
    screenshot(lead, f"contract-approve-{lang}")
    lead.locator("[data-action=approve]").click()
    expect(lead.locator(".sd-page-subtitle .sd-contract-active")).to_be_visible()

    page.reload()
    expect(page.locator(".sd-page-subtitle .sd-contract-active")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(".sd-contract-events")).to_contain_text("同意 OK")
    contract.refresh_from_db()
    assert contract.status == "active"
