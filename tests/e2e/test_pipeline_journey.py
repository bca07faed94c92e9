"""Browser journey of the funnel (issue 4), in both languages, in headless chromium: open the
board, drag a deal across to the won column, give the reason, see the column totals change, then
find the win on the customer 360 page. A second deal moves with the keyboard menu; a move of a
deal changed meanwhile is refused and the card snaps back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from salesdesk.customers import services as customer_services
from salesdesk.pipeline import services
from salesdesk.pipeline.models import Opportunity, Reason, Stage
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in
from tests.pipeline.conftest import ensure_default_pipeline


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pipeline_board_journey(org, page_factory, screenshot, lang):
    pipeline = ensure_default_pipeline()
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("order"))
    customer = customer_services.customer_create(actor=org.rep, name=f"看板客户 {lang}")
    deal = services.opportunity_create(
        actor=org.rep, customer=customer, title=f"拖拽商机 {lang}", amount=50000
    )
    deal = services.opportunity_move_stage(opportunity=deal, stage=stages[4], actor=org.rep)
    other = services.opportunity_create(
        actor=org.rep, customer=customer, title=f"菜单商机 {lang}", amount=1000
    )
    stale = services.opportunity_create(
        actor=org.rep, customer=customer, title=f"过期商机 {lang}", amount=10
    )
    won_reason = Reason.objects.filter(kind="won").order_by("sort_order").first()

    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "rep")
    page.locator(".sd-nav a[href='/board/']").click()
    page.wait_for_url(re.compile(r".*/board/$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    negotiation = page.locator(f"[data-column][data-stage-id='{stages[4].pk}']")
    won_column = page.locator(f"[data-column][data-stage-id='{stages[5].pk}']")
    card = page.locator(f"[data-card][data-id='{deal.pk}']")
    expect(card).to_be_visible()
    expect(negotiation.locator("[data-count]")).to_have_text("1")

    # Drag the deal to the won column: the reason dialog opens, the win is saved.
    card.drag_to(won_column.locator("[data-cards]"))
    modal = page.locator("#board-reason-modal")
    expect(modal).to_be_visible()
    page.select_option("#board-reason", str(won_reason.pk))
    page.fill("#board-reason-note", "客户认可方案")
    screenshot(page, f"pipeline-board-won-{lang}")
    modal.locator("[data-reason-submit]").click()
    expect(won_column.locator("[data-count]")).to_have_text("1")
    expect(negotiation.locator("[data-count]")).to_have_text("0")
    expect(won_column.locator(f"[data-card][data-id='{deal.pk}']")).to_be_visible()
    deal.refresh_from_db()
    assert (deal.status, deal.stage_id, deal.reason_id) == ("won", stages[5].pk, won_reason.pk)

    # The keyboard alternative: the card's menu moves a deal to another stage.
    other_card = page.locator(f"[data-card][data-id='{other.pk}']")
    other_card.locator(".sd-deal-menu").click()
    other_card.locator(f"[data-move-to='{stages[2].pk}']").click()
    contact_column = page.locator(f"[data-column][data-stage-id='{stages[2].pk}']")
    expect(contact_column.locator(f"[data-card][data-id='{other.pk}']")).to_be_visible()
    expect(contact_column.locator("[data-count]")).to_have_text("1")
    other.refresh_from_db()
    assert other.stage_id == stages[2].pk and other.version == 2

    # A deal changed since the board loaded: the move is refused and the card snaps back.
    services.opportunity_update(actor=org.rep, opportunity=stale, title=f"已改 {lang}")
    stale_card = page.locator(f"[data-card][data-id='{stale.pk}']")
    stale_card.locator(".sd-deal-menu").click()
    stale_card.locator(f"[data-move-to='{stages[3].pk}']").click()
    expect(page.locator("#board-alert")).to_be_visible()
    first_column = page.locator(f"[data-column][data-stage-id='{stages[0].pk}']")
    expect(first_column.locator(f"[data-card][data-id='{stale.pk}']")).to_contain_text(
        f"已改 {lang}"
    )
    stale.refresh_from_db()
    assert stale.stage_id == stages[0].pk

    # The win is on the customer 360 page: its timeline and its opportunities tab.
    page.goto(page.base + f"/customers/{customer.pk}/")
    expect(page.locator("aside[aria-labelledby=timeline-heading]")).to_contain_text(
        f"拖拽商机 {lang}"
    )
    page.goto(page.base + f"/customers/{customer.pk}/?tab=opportunities")
    expect(page.locator("main")).to_contain_text(f"拖拽商机 {lang}")
    # the refused move's 409 answer is the only console message
    assert [e for e in page.js_errors if "409" not in e] == []
    assert Opportunity.objects.filter(status="won").count() == 1

    # The time metrics: the win's sales cycle opens the deals behind it; then the funnel.
    page.goto(page.base + "/analysis/time-metrics/")
    cycle_card = page.locator("[data-time-summary] section").nth(1)
    expect(cycle_card).to_contain_text("0.0")
    expect(page.locator("[data-time-table=owner] tbody tr")).to_have_count(2)  # company + rep
    screenshot(page, f"pipeline-time-metrics-{lang}")
    cycle_card.locator("a").click()
    page.wait_for_url(re.compile(r".*/analysis/time-metrics/deals/.*metric=cycle.*"))
    expect(page.locator("[data-time-deals] tbody tr")).to_have_count(1)
    expect(page.locator("[data-time-deals]")).to_contain_text(f"拖拽商机 {lang}")
    page.goto(page.base + "/analysis/funnel/")
    expect(page.locator("[data-funnel-chart] svg")).to_be_visible()
    rows = page.locator("[data-funnel-table] tbody tr")
    expect(rows.nth(2)).to_contain_text("1")  # the keyboard-moved deal is in Contact
    screenshot(page, f"pipeline-funnel-{lang}")
    assert [e for e in page.js_errors if "409" not in e] == []
