"""Browser journey of the public pool (CUS-6), both languages, headless chromium: find a customer
in the pool from the navigation, claim it, then return it with a reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesdesk.customers import services
from salesdesk.customers.models import Customer
from salesdesk.customers.pool.models import PoolEvent
from tests.customers.pool_helpers import make_pool, put_in_pool
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_claim_from_the_pool(org, page_factory, screenshot, lang):
    pool = make_pool(org.admin, name="华东公海", member_units=[org.east], is_default=True)
    customer = services.customer_create(actor=org.other_rep, name=f"公海旅程客户 {lang}")
    put_in_pool(customer, pool, previous_owner=org.other_rep)
    other = services.customer_create(actor=org.other_rep, name="另一个公海客户")
    put_in_pool(other, pool)

    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "rep")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator(".sd-nav a[href='/customers/pool/']").click()
    page.wait_for_url(re.compile(r".*/customers/pool/.*"))
    expect(page.locator("[data-pool-customer]")).to_have_count(2)
    row = page.locator(f"tr[data-pool-customer='{customer.pk}']")
    expect(row).to_contain_text(customer.name)
    screenshot(page, f"pool-list-{lang}")

    row.locator(f"button[data-claim='{customer.pk}']").click()
    page.wait_for_url(re.compile(rf".*/customers/{customer.pk}/$"))
    expect(page.locator(".alert-success, .toast, [role=status]").first).to_contain_text(
        customer.name
    )
    claimed = Customer.objects.get(pk=customer.pk)
    assert (claimed.owner_id, claimed.pool_id) == (org.rep.pk, None)

    # Return it with a reason from the customer's page.
    page.locator("button[data-bs-target='#return-modal']").click()
    page.fill("#return-reason", "暂无需求 no need yet")
    page.locator("#return-modal button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/customers/(\?.*)?$"))
    returned = Customer.objects.get(pk=customer.pk)
    assert (returned.owner_id, returned.pool_id, returned.previous_owner_id) == (
        None,
        pool.pk,
        org.rep.pk,
    )
    assert list(PoolEvent.objects.order_by("id").values_list("kind", "reason")) == [
        ("claim", ""),
        ("return", "暂无需求 no need yet"),
    ]
    assert page.js_errors == []
