"""Browser journey of targets and performance (issue 5), in both languages, in headless chromium:
the director sets East's won-amount goal for the year (seeing the achievability check first),
decomposes it, checks that the allocation grid adds up and moves part of Team B's share to Team A;
on the progress page the actual grows by exactly the deal the rep marks won in their own browser;
then the month's scorecards are computed, one gets feedback and is published and the rep sees only
theirs; the monthly leaderboard by won amount ranks the rep first, also on the printable 战报."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from salesdesk.customers import services as customer_services
from salesdesk.org.models import Role
from salesdesk.performance import services as performance_services
from salesdesk.pipeline import services as deal_services
from salesdesk.pipeline.models import Reason
from salesdesk.targets.models import Goal
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in
from tests.pipeline.conftest import ensure_default_pipeline

TEXT = {
    "zh-hans": {
        "unlikely": "难以实现",
        "target": "目标值",
        "active": "进行中",
        "won_amount": "赢单金额",
        "draft": "草稿",
        "published": "已发布",
        "report": "战报",
    },
    "en": {
        "unlikely": "Unlikely",
        "target": "Target",
        "active": "Active",
        "won_amount": "Won amount",
        "draft": "Draft",
        "published": "Published",
        "report": "Leaderboard report",
    },
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_targets_journey(org, page_factory, screenshot, lang):
    today = timezone.localdate()
    ensure_default_pipeline()
    won_reason = Reason.objects.filter(kind="won").order_by("sort_order").first()
    customer = customer_services.customer_create(actor=org.rep, name=f"目标客户 {lang}")
    deal = deal_services.opportunity_create(
        actor=org.rep, customer=customer, title=f"年度大单 {lang}", amount=Decimal("86400.00")
    )
    other_customer = customer_services.customer_create(actor=org.other_rep, name=f"对手客户 {lang}")
    other_deal = deal_services.opportunity_create(
        actor=org.other_rep,
        customer=other_customer,
        title=f"小单 {lang}",
        amount=Decimal("30000.00"),
    )
    deal_services.opportunity_win(actor=org.other_rep, opportunity=other_deal, reason=won_reason)
    scheme = performance_services.kpi_scheme_create(
        actor=org.admin,
        name=f"月度赢单考核 {lang}",
        role=Role.objects.get(code="rep").pk,
        period_kind="month",
        cap="120",
        metrics=[
            {"metric": "won_amount", "weight": "100", "normalisation": "target", "target": "100000"}
        ],
        grade_bands={"S": "100", "A": "85", "B": "70", "C": "60"},
    )

    text = TEXT[lang]
    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "director")
    page.locator(".sd-nav a[href='/targets/goals/']").click()
    page.wait_for_url(re.compile(r".*/targets/goals/$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("a[href='/targets/goals/new/']").first.click()
    page.wait_for_url(re.compile(r".*/targets/goals/new/$"))
    page.fill("input[name=name]", f"华东年度赢单 {lang}")
    page.select_option("select[name=metric]", "won_amount")
    page.select_option("select[name=owner_kind]", "unit")
    page.select_option("select[name=unit]", str(org.east.pk))
    page.select_option("select[name=status]", "active")
    page.fill("input[name=target_value]", "1200000")
    page.locator("input[name=target_value]").dispatch_event("change")
    check = page.locator("#goal-check")
    expect(check.locator("[data-verdict]")).to_be_visible()
    expect(check).to_contain_text("¥1,200,000.00")  # the target
    expect(check).to_contain_text("¥30,000.00")  # reached so far: other_rep's win
    expect(check).to_contain_text("¥1,170,000.00")  # the gap
    expect(check.locator("[data-verdict]")).to_have_text(text["unlikely"])
    screenshot(page, f"targets-goal-form-{lang}")
    page.locator("#goal-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/targets/goals/\d+/$"))
    goal = Goal.objects.get(name=f"华东年度赢单 {lang}")
    assert (goal.metric, goal.owner_kind, goal.org_unit_id, goal.status) == (
        "won_amount",
        "unit",
        org.east.pk,
        "active",
    )
    assert (goal.period_start, goal.period_end, goal.target_value) == (
        date(today.year, 1, 1),
        date(today.year, 12, 31),
        Decimal("1200000.00"),
    )
    expect(page.locator("h1 .badge")).to_have_text(text["active"])
    facts = page.locator("main dl").first
    expect(facts).to_contain_text(text["won_amount"])
    expect(facts.locator("dt").nth(3)).to_have_text(text["target"])
    expect(facts.locator("dd").nth(3)).to_have_text("¥1,200,000.00")

    # 2. Decompose: equal per person, even per working day.
    page.locator(f"a[href='/targets/goals/{goal.pk}/decompose/']").first.click()
    page.wait_for_url(re.compile(rf".*/targets/goals/{goal.pk}/decompose/$"))
    for person in (org.lead, org.rep, org.other_rep):
        expect(page.locator(f"input[name=w-{person.pk}]")).to_have_value("1")
    page.check("input[name=method][value=equal]")
    page.check("input[name=seasonality][value=working_days]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/targets/goals/{goal.pk}/$"))
    grid = page.locator(".sd-alloc-grid")
    rows = grid.locator("tbody tr")
    expect(rows).to_have_count(2)
    team_a, team_b = rows.nth(0), rows.nth(1)
    expect(team_a.locator("th")).to_have_text("Team A 一组")
    expect(team_b.locator("th")).to_have_text("Team B 二组")
    assert row_figures(team_a)[0] == Decimal("800000.00")  # two of the three people
    assert row_figures(team_b)[0] == Decimal("400000.00")
    assert_grid_adds_up(grid, Decimal("1200000.00"))
    screenshot(page, f"targets-allocation-{lang}")

    # Edit Team A's total: Team B gives the difference, the goal's total stays.
    team_a.locator("td").first.locator("a").click()
    page.fill("#p-amount", "840000")
    expect(page.locator("#p-sib")).to_be_checked()
    page.locator("form[action*='/parts/'] button[type=submit]").click()
    expect(page.locator(".alert-success, .toast, [role=status]").first).to_be_visible()
    assert row_figures(team_a)[0] == Decimal("840000.00")
    assert row_figures(team_b)[0] == Decimal("360000.00")
    assert_grid_adds_up(grid, Decimal("1200000.00"))

    # Down to Team A's people, then one month's weeks and working days.
    team_a.locator("th a").click()
    expect(grid.locator("thead th").first).to_contain_text("Team A")
    people = grid.locator("tbody tr")
    expect(people).to_have_count(2)
    expect(people.nth(0).locator("th")).to_have_text("李主管 Lead Li")
    expect(people.nth(1).locator("th")).to_have_text("张三 Zhang San")
    assert row_figures(people.nth(0))[0] == Decimal("420000.00")
    assert row_figures(people.nth(1))[0] == Decimal("420000.00")
    assert_grid_adds_up(grid, Decimal("840000.00"))
    month_label = today.strftime("%Y-%m")
    month_total = row_figures(people.nth(1))[today.month]
    grid.locator(f"thead a:text-is('{month_label}')").click()
    weeks = page.locator("table.sd-table").nth(1)
    rep_row = weeks.locator("tbody tr").nth(1)
    expect(rep_row.locator("th")).to_have_text("张三 Zhang San")
    cells = [money(t) for t in rep_row.locator("td").all_inner_texts() if t.strip() != "—"]
    n_weeks = weeks.locator("thead th").filter(has_text="–").count()
    assert sum(cells[:n_weeks]) == month_total == sum(cells[n_weeks:])
    screenshot(page, f"targets-weeks-{lang}")

    # 3. Progress: the goal's actual; the rep wins their deal; the actual grows by its amount.
    page.locator(".sd-nav a[href='/targets/progress/']").click()
    page.wait_for_url(re.compile(r".*/targets/progress/$"))
    page.locator(f"main a[href='/targets/progress/{goal.pk}/']").first.click()
    page.wait_for_url(re.compile(rf".*/targets/progress/{goal.pk}/$"))
    summary = page.locator("section[aria-labelledby=progress-title] dl dd")
    expect(summary.nth(0)).to_have_text("¥30,000.00")  # other_rep's earlier win
    expect(summary.nth(1)).to_have_text("¥1,200,000.00")
    expect(summary.nth(2)).to_have_text("¥1,170,000.00")
    before = money(summary.nth(0).inner_text())

    rep_page = page_factory(BROWSER_LANG[lang])
    sign_in(rep_page, "rep")
    rep_page.goto(rep_page.base + f"/opportunities/{deal.pk}/")
    rep_page.locator("button[data-bs-target='#win-modal']").click()
    modal = rep_page.locator("#win-modal")
    expect(modal).to_be_visible()
    modal.locator("select[name=reason]").select_option(str(won_reason.pk))
    modal.locator("input[name=reason_note]").fill("年底签约")
    modal.locator("button[type=submit]").click()
    expect(rep_page.locator("main")).to_contain_text("年底签约")
    deal.refresh_from_db()
    assert deal.status == "won"

    page.reload()
    expect(summary.nth(0)).to_have_text("¥116,400.00")
    assert money(summary.nth(0).inner_text()) - before == Decimal("86400.00")
    expect(summary.nth(2)).to_have_text("¥1,083,600.00")
    screenshot(page, f"targets-progress-{lang}")
    owners = page.locator("section[aria-labelledby=owners-title] tbody tr")
    expect(owners.filter(has_text="Team A")).to_contain_text("¥86,400.00")
    expect(owners.filter(has_text="Team B")).to_contain_text("¥30,000.00")
    owners.filter(has_text="Team A").locator("a").first.click()
    expect(summary.nth(0)).to_have_text("¥86,400.00")
    expect(summary.nth(1)).to_have_text("¥840,000.00")
    rep_part = owners.filter(has_text="张三 Zhang San")
    expect(rep_part.locator("td.sd-num").nth(0)).to_have_text("¥86,400.00")
    expect(rep_part.locator("td.sd-num").nth(1)).to_have_text("¥420,000.00")
    lead_part = owners.filter(has_text="李主管 Lead Li")
    expect(lead_part.locator("td.sd-num").nth(0)).to_have_text("¥0.00")
    rep_part.locator("a").first.click()
    expect(summary.nth(0)).to_have_text("¥86,400.00")
    expect(summary.nth(2)).to_have_text("¥333,600.00")
    screenshot(page, f"targets-progress-rep-{lang}")

    # 4. Evaluations: compute this month's scorecards, give feedback, publish the rep's.
    page.locator(".sd-nav a[href='/performance/evaluations/']").click()
    page.wait_for_url(re.compile(r".*/performance/evaluations/$"))
    page.select_option("#c-scheme", str(scheme.pk))
    page.fill("#c-day", today.isoformat())
    page.locator("form[data-evaluation-compute] button[value=compute]").click()
    page.wait_for_url(re.compile(r".*/performance/evaluations/\?scheme=.*"))
    cards = page.locator("table[data-scorecards] tbody tr")
    expect(cards).to_have_count(4)  # two people, two teams
    rep_card = cards.filter(has_text="张三 Zhang San")
    expect(rep_card.locator("td").nth(3)).to_have_text("86.40")  # 86,400 of 100,000
    expect(rep_card.locator("td").nth(4)).to_have_text("A")
    expect(rep_card.locator("td").nth(5)).to_have_text("1 / 2")
    other_card = cards.filter(has_text="赵六 Zhao Liu")
    expect(other_card.locator("td").nth(3)).to_have_text("30.00")
    expect(other_card.locator("td").nth(5)).to_have_text("2 / 2")
    expect(rep_card.locator("td").nth(6)).to_have_text(text["draft"])
    screenshot(page, f"targets-evaluations-{lang}")
    rep_card.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/performance/evaluations/\d+/$"))
    line = page.locator("table[data-scorecard-lines] tbody tr").first
    expect(line.locator("td").nth(1)).to_have_text("¥86,400.00")
    expect(line.locator("td").nth(2)).to_have_text("¥100,000.00")
    page.fill("textarea[name=feedback]", f"十二月表现出色 {lang}")
    page.locator("form[action$='/feedback/'] button[type=submit]").click()
    expect(page.locator("textarea[name=feedback]")).to_have_value(f"十二月表现出色 {lang}")
    page.locator("form[action$='/publish/'] button[type=submit]").click()
    expect(page.locator("h1 .badge")).to_have_text(text["published"])
    # the status and grade badges have their own colours (they were white on white)
    expect(page.locator("h1 .badge")).to_have_css("background-color", "rgb(219, 234, 254)")
    grade = page.locator("[data-scorecard-summary] .sd-grade")
    expect(grade).to_have_text("A")
    expect(grade).to_have_css("background-color", "rgb(22, 163, 74)")
    screenshot(page, f"targets-scorecard-{lang}")

    # The rep sees their published scorecard with the feedback, and not the other rep's draft.
    rep_page.locator(".sd-nav a[href='/performance/evaluations/']").click()
    rep_page.wait_for_url(re.compile(r".*/performance/evaluations/$"))
    rep_cards = rep_page.locator("table[data-scorecards] tbody tr")
    expect(rep_cards).to_have_count(1)
    expect(rep_cards.first).to_contain_text("张三 Zhang San")
    expect(rep_cards.first.locator("td").nth(3)).to_have_text("86.40")
    expect(rep_page.locator("main")).not_to_contain_text("赵六 Zhao Liu")
    rep_cards.first.locator("a").first.click()
    expect(rep_page.locator("[data-feedback]")).to_have_text(f"十二月表现出色 {lang}")
    screenshot(rep_page, f"targets-scorecard-rep-{lang}")

    # 5. The monthly leaderboard by won amount: the rep first; then the shareable 战报.
    page.locator(".sd-nav a[href='/performance/leaderboard/']").click()
    page.wait_for_url(re.compile(r".*/performance/leaderboard/.*"))
    page.select_option("#l-period", "month")
    page.select_option("#l-metric", "won_amount")
    page.locator("form.sd-filterbar button[type=submit]").click()
    page.wait_for_url(re.compile(r".*metric=won_amount.*"))
    ranks = page.locator("table[data-leaderboard] tbody tr")
    expect(ranks).to_have_count(3)
    expect(ranks.nth(0).locator("td").nth(0)).to_have_text("1")
    expect(ranks.nth(0).locator("td").nth(1)).to_have_text("张三 Zhang San")
    expect(ranks.nth(0).locator("td").nth(3)).to_have_text("¥86,400.00")
    expect(ranks.nth(1).locator("td").nth(0)).to_have_text("2")
    expect(ranks.nth(1).locator("td").nth(1)).to_have_text("赵六 Zhao Liu")
    expect(ranks.nth(1).locator("td").nth(3)).to_have_text("¥30,000.00")
    expect(ranks.nth(2).locator("td").nth(0)).to_have_text("3")
    expect(ranks.nth(2).locator("td").nth(1)).to_have_text("李主管 Lead Li")
    expect(ranks.nth(2).locator("td").nth(3)).to_have_text("¥0.00")
    expect(page.locator("[data-spotlight]")).to_contain_text("张三 Zhang San")
    screenshot(page, f"targets-leaderboard-{lang}")
    with page.context.expect_page() as opened:
        page.locator("a[data-share-link]").click()
    report = opened.value
    report.wait_for_load_state()
    expect(report.locator("html")).to_have_attribute("lang", lang)
    expect(report.locator("h1")).to_contain_text(text["report"])
    report_rows = report.locator("table[data-leaderboard] tbody tr")
    expect(report_rows.nth(0).locator("td").nth(1)).to_have_text("张三 Zhang San")
    expect(report_rows.nth(0).locator("td").nth(3)).to_have_text("¥86,400.00")
    screenshot(report, f"targets-leaderboard-share-{lang}")
    assert page.js_errors == []
    assert rep_page.js_errors == []


def money(text: str) -> Decimal:
    return Decimal(re.sub(r"[¥,\s]", "", text))


def row_figures(row) -> list[Decimal]:
    """The row's total and its months, as shown."""
    return [money(t) for t in row.locator("td").all_inner_texts()]


def assert_grid_adds_up(grid, total: Decimal) -> None:
    rows = [row_figures(r) for r in grid.locator("tbody tr").all()]
    foot = [money(t) for t in grid.locator("tfoot td").all_inner_texts()]
    assert foot[0] == total
    for row in rows:
        assert sum(row[1:]) == row[0]
    assert [sum(column) for column in zip(*rows, strict=True)] == foot
