"""Browser journey of the opportunity form's product lines (issue 4), in both languages, in
headless chromium: add a deal with two product lines (the unit price starts at the list price,
one is changed by hand, a third line is added and removed), watch the live total, save with an
empty amount and find the sum on the deal; then select it on the list and choose columns."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from salesdesk.customers import services as customer_services
from salesdesk.pipeline.models import Opportunity
from salesdesk.sales.models import Product, ProductLine
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in
from tests.pipeline.conftest import ensure_default_pipeline

LINE_AMOUNT = {"zh-hans": "行金额", "en": "Line amount"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_deal_with_two_product_lines(org, live_server, page_factory, screenshot, lang):
    ensure_default_pipeline()
    customer = customer_services.customer_create(actor=org.rep, name=f"产品行客户 {lang}")
    line = ProductLine.objects.create(code=f"L-{lang}", name="软件")
    basic = Product.objects.create(
        product_line=line, code=f"B-{lang}", name="基础版", list_price=Decimal("1200.00")
    )
    pro = Product.objects.create(
        product_line=line, code=f"P-{lang}", name="专业版", list_price=Decimal("3000.50")
    )

    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "rep")
    page.goto(live_server.url + "/opportunities/new/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.select_option("#id_customer", str(customer.pk))
    page.fill("#id_title", f"两条产品线 {lang}")
    page.select_option("#id_stage", index=1)

    add = page.locator("[data-line-add]")
    add.click()
    page.select_option("#id_lines-0-product", str(basic.pk))
    expect(page.locator("#id_lines-0-unit_price")).to_have_value("1200.00")
    page.fill("#id_lines-0-quantity", "3")
    add.click()
    page.select_option("#id_lines-1-product", str(pro.pk))
    expect(page.locator("#id_lines-1-unit_price")).to_have_value("3000.50")
    page.fill("#id_lines-1-quantity", "2")
    page.fill("#id_lines-1-unit_price", "2800")
    add.click()
    page.select_option("#id_lines-2-product", str(pro.pk))
    total = page.locator("[data-lines-total]")
    expect(total).to_have_text("¥12,200.50")
    page.locator("[data-line-row]").nth(2).locator("[data-line-remove]").click()
    expect(total).to_have_text("¥9,200.00")
    expect(page.locator("#id_amount")).to_have_attribute("placeholder", "¥9,200.00")
    expect(page.locator("[data-line-table] thead")).to_contain_text(LINE_AMOUNT[lang])
    screenshot(page, f"opportunity-lines-{lang}")
    page.locator("form[data-opportunity-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/opportunities/\d+/$"))

    opp = Opportunity.objects.get(title=f"两条产品线 {lang}")
    assert opp.amount == Decimal("9200.00")
    assert list(
        opp.line_items.order_by("id").values_list("product__code", "quantity", "unit_price")
    ) == [
        (f"B-{lang}", Decimal("3.00"), Decimal("1200.00")),
        (f"P-{lang}", Decimal("2.00"), Decimal("2800.00")),
    ]
    expect(page.locator("body")).to_contain_text("¥9,200.00")

    # The edit form shows both lines and the same total.
    page.goto(page.url + "edit/")
    expect(page.locator("#opportunity-lines [data-line-row]")).to_have_count(2)
    expect(page.locator("[data-lines-total]")).to_have_text("¥9,200.00")

    # The list: choose columns; selecting a row counts it.
    page.goto(live_server.url + "/opportunities/")
    page.locator("[data-column-chooser] button[data-bs-toggle]").click()
    page.locator("#col-expected_close").uncheck()
    page.locator("#col-unit").check()
    page.locator("[data-column-chooser] button[type=submit]").click()
    page.wait_for_load_state()
    page.locator(f"input[data-row-check][value='{opp.pk}']").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("1")
    row = page.locator("[data-opportunity-table] tbody tr").first
    expect(row).to_contain_text("Team A 一组")
