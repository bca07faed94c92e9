"""Browser journey of segments (CUS-3), in both languages and on a phone: create a segment with
the live preview count, see its persona with ECharts charts, open it in the customer list."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from salesdesk.customers.models import Customer
from salesdesk.customers.segments.models import Segment
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in


def make(owner, name, **fields) -> Customer:
    return Customer.objects.create(owner=owner, org_unit=owner.unit, name=name, **fields)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("lang", "viewport"), [("zh-hans", (1400, 900)), ("en", (390, 844))])
def test_segment_journey(org, page_factory, screenshot, lang, viewport):
    make(org.rep, "广东制造甲", industry="manufacturing", province="广东", level="A",
         purchase_value=Decimal("1200"), purchase_count=3, needs="需要ERP对接")  # fmt: skip
    make(org.rep, "广东制造乙", industry="manufacturing", province="广东", level="B",
         purchase_value=Decimal("800"), purchase_count=1)  # fmt: skip
    make(org.rep, "江苏零售丙", industry="retail", province="江苏", level="C")
    make(org.other_rep, "不可见的客户", industry="manufacturing", province="广东")
    page = page_factory(BROWSER_LANG[lang], viewport=viewport)
    sign_in(page, "rep")

    page.goto(page.base + "/customers/segments/")
    expect(page.locator(".sd-empty")).to_be_visible()
    page.locator("a[data-shortcut=new]").first.click()
    page.wait_for_url(re.compile(r".*/customers/segments/new/$"))

    page.fill("input[name=name]", f"广东制造业 {lang}")
    page.fill("input[name=provinces]", "广东")
    preview = page.locator("#segment-preview")
    expect(preview.locator("[data-preview-count]")).to_have_attribute("data-preview-count", "2")
    page.select_option("select[name=industries]", ["manufacturing"])
    page.locator("input[name=levels][value=A]").check()
    expect(preview.locator("[data-preview-count]")).to_have_attribute("data-preview-count", "1")
    page.locator("input[name=levels][value=B]").check()
    expect(preview.locator("[data-preview-count]")).to_have_attribute("data-preview-count", "2")
    screenshot(page, f"segment-form-{lang}")
    page.locator("#segment-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/customers/segments/\d+/$"))
    segment = Segment.objects.get(name=f"广东制造业 {lang}")
    assert segment.criteria == {
        "provinces": ["广东"],
        "industries": ["manufacturing"],
        "levels": ["A", "B"],
    }

    # The persona: size, value share, typical profile, needs, charts drawn by ECharts.
    expect(page.locator("[data-kpi=size]")).to_have_text("2")
    expect(page.locator("[data-typical]")).to_contain_text("广东 (100%)")
    expect(page.get_by_text("需要ERP对接")).to_be_visible()
    expect(page.locator("[data-chart=level] svg")).to_have_count(1)
    expect(page.locator("[data-chart=industry] svg")).to_have_count(1)
    screenshot(page, f"segment-persona-{lang}")
    assert page.js_errors == []

    # Open in the customer list: the rep's two matching customers.
    page.locator("a[data-open-customers]").click()
    page.wait_for_url(re.compile(r".*/customers/\?.*segment=\d+"))
    rows = page.locator("#customer-results tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#customer-results")).not_to_contain_text("不可见的客户")
    assert page.js_errors == []
