"""Browser journeys of the incentives (PRF-4 commissions, ORG-4 sales tiers, PRF-5 training), in
both languages, in headless chromium.

1. Commissions: finance creates a commission plan in Settings (bands on payments received, a
   product-line multiplier), computes last month's statements, checks the rep's attainment, band
   rate, every line and the total against hand-computed figures, follows a line to its contract
   and locks the period; the rep sees only their own statement (another rep's answers 404).
2. Tiers: the admin adds a tier with a criterion through the form; the director assigns the rep
   the entry tier, computes last month's review, confirms the rep's promotion with its reasons and
   sees the new tier on the Tiers page.
3. Training: the director creates a program and a past session, invites three people, records
   attendance and scores in the grid and reads the effect page: group sizes, the signed-amount
   difference in differences, the score averages and the caveats.

Contracts, payments and goals are set up through the services (the metric facts follow from the
records); everything the journeys are about is done by clicks and form fills."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from salesdesk.commissions.models import CommissionPeriodLock, CommissionPlan, CommissionStatement
from salesdesk.customers import services as customer_services
from salesdesk.org.models import Role
from salesdesk.sales import services as catalogue_services
from salesdesk.sales.contracts import services as contract_services
from salesdesk.sales.receivables import services as receivable_services
from salesdesk.targets import services as target_services
from salesdesk.tiers import services as tier_services
from salesdesk.tiers.models import Tier, TierMembership
from salesdesk.training.models import Attendance, TrainingProgram, TrainingSession
from tests.conftest import make_user
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in

TEXT = {
    "zh-hans": {
        "draft": "草稿",
        "locked": "已锁定",
        "no_goal": "无目标",
        "band": "自 80 % 档",
        "statement": "提成单",
        "promotion": "晋升",
        "first": "首次定级",
        "confirmed": "已确认",
        "met": "已达标",
        "reason": "已收回款（近 3 个月）：60000.00（最低 50000）",
        "no_criteria": "无标准（入门分层）",
        "trainees": "受训人员",
        "peers": "未受训同岗人员",
        "small": "两组人数较少（受训 2 人，同岗 1 人）",
        "care": "解读须谨慎",
    },
    "en": {
        "draft": "Draft",
        "locked": "Locked",
        "no_goal": "No goal",
        "band": "band from 80 %",
        "statement": "Commission statement",
        "promotion": "Promotion",
        "first": "First tier",
        "confirmed": "Confirmed",
        "met": "met",
        "reason": "Payments received over 3 months: 60000.00 (minimum 50000)",
        "no_criteria": "No criteria (entry tier)",
        "trainees": "Trainees",
        "peers": "Untrained peers",
        "small": "The groups are small (2 trainees, 1 peers)",
        "care": "Read with care",
    },
}


# ---- set-up through the services ----------------------------------------------------------------


def make_catalogue(admin):
    software = catalogue_services.product_line_create(actor=admin, code="SW", name="软件 Software")
    hardware = catalogue_services.product_line_create(actor=admin, code="HW", name="硬件 Hardware")
    crm = catalogue_services.product_create(
        actor=admin,
        product_line=software,
        code="CRM",
        name="CRM 标准版",
        list_price=Decimal("1000"),
    )
    box = catalogue_services.product_create(
        actor=admin, product_line=hardware, code="BOX", name="一体机 Box", list_price=Decimal("500")
    )
    return software, hardware, crm, box


def paid_contract(owner, name, lines, payments, signed_on):
    """An active contract of `owner` ([(product, quantity)]) with one instalment per payment
    [(day, amount)], each paid in full that day (payments add up to the contract total)."""
    customer = customer_services.customer_create(actor=owner, name=name)
    contract = contract_services.contract_create(
        actor=owner,
        customer=customer,
        title=f"合同 {name}",
        lines=[
            {"product": p, "quantity": Decimal(q), "unit_price": p.list_price} for p, q in lines
        ],
        signed_on=signed_on,
    )
    contract_services.contract_submit(actor=owner, contract=contract)
    contract.refresh_from_db()
    assert contract.status == "active"
    plan = receivable_services.payment_plan_set(
        actor=owner,
        contract=contract,
        instalments=[{"due_on": day, "amount": Decimal(amount)} for day, amount in payments],
    )
    for instalment, (day, amount) in zip(
        plan.instalments.order_by("position"), payments, strict=True
    ):
        receivable_services.payment_record(
            actor=owner, instalment=instalment, amount=Decimal(amount), received_on=day
        )
    return contract


def last_month() -> tuple[date, date]:
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def cells(row) -> list[str]:
    return [t.strip() for t in row.locator("td").all_inner_texts()]


# ---- 1. commissions -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_commissions_journey(org, page_factory, screenshot, lang):
    text = TEXT[lang]
    start, end = last_month()
    make_user("finance", "finance", org.hq, display_name="钱财务 Finance")
    _software, hardware, crm, box = make_catalogue(org.admin)
    # rep: 6 × CRM (6,000) + 4 × Box (2,000); 5,000 and 3,000 received last month, goal 10,000.
    contract = paid_contract(
        org.rep,
        f"提成客户 {lang}",
        [(crm, "6"), (box, "4")],
        [(start + timedelta(days=4), "5000.00"), (start + timedelta(days=19), "3000.00")],
        start,
    )
    target_services.goal_create(
        actor=org.director,
        name=f"回款目标 {lang}",
        metric="payments_received",
        owner_kind="user",
        user=org.rep.pk,
        period_kind="month",
        year=start.year,
        month=start.month,
        target_value="10000",
        status="active",
    )
    # other_rep: 1,000 received, no goal (the lowest band applies).
    paid_contract(
        org.other_rep,
        f"对手客户 {lang}",
        [(crm, "1")],
        [(start + timedelta(days=9), "1000")],
        start,
    )

    # Finance creates the plan in Settings → Commission plans.
    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "finance")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator(".sd-nav a[href='/settings/commission-plans/']").click()
    page.wait_for_url(re.compile(r".*/settings/commission-plans/$"))
    page.locator("a[href='/settings/commission-plans/new/']").first.click()
    page.wait_for_url(re.compile(r".*/settings/commission-plans/new/$"))
    page.fill("input[name=name]", f"销售提成 {lang}")
    page.select_option("select[name=role]", str(Role.objects.get(code="rep").pk))
    page.select_option("select[name=period_kind]", "month")
    page.select_option("select[name=base]", "payments")
    page.fill("input[name=base_rate]", "1")
    for i, (start_at, rate) in enumerate([("0", "2"), ("80", "3"), ("100", "4")]):
        page.fill(f"input[name=band_from_{i}]", start_at)
        page.fill(f"input[name=band_rate_{i}]", rate)
    page.fill(f"input[name=mult_{hardware.pk}]", "1.5")
    screenshot(page, f"commissions-plan-form-{lang}")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/settings/commission-plans/$"))
    plan = CommissionPlan.objects.get(name=f"销售提成 {lang}")
    assert plan.bands == [
        {"from": "0", "rate": "2"},
        {"from": "80", "rate": "3"},
        {"from": "100", "rate": "4"},
    ]
    assert (plan.base, plan.base_rate, plan.line_multipliers) == (
        "payments",
        Decimal("1.000"),
        {str(hardware.pk): "1.5"},
    )
    plan_row = page.locator("table[data-commission-plans] tbody tr").filter(has_text=plan.name)
    expect(plan_row).to_contain_text("≥80% → 3%")

    # Targets & performance → Commissions: compute last month.
    page.locator(".sd-nav a[href='/performance/commissions/']").click()
    page.wait_for_url(re.compile(r".*/performance/commissions/$"))
    page.select_option("#c-plan", str(plan.pk))
    page.fill("#c-day", end.isoformat())
    page.locator("form[data-commission-compute] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/performance/commissions/\?plan=.*"))
    rows = page.locator("table[data-commission-statements] tbody tr")
    expect(rows).to_have_count(2)
    rep_row = rows.filter(has_text="张三 Zhang San")
    other_row = rows.filter(has_text="赵六 Zhao Liu")
    expect(rep_row.locator("td").nth(0)).to_have_text(start.strftime("%Y-%m"))
    assert cells(rep_row)[3:7] == ["80.0%", "¥8,000.00", "3", "¥270.00"]
    expect(rep_row.locator("td").nth(7)).to_have_text(text["draft"])
    assert cells(other_row)[3:7] == [text["no_goal"], "¥1,000.00", "2", "¥20.00"]
    expect(page.locator("[data-total-base]")).to_have_text("¥9,000.00")
    expect(page.locator("[data-total-commission]")).to_have_text("¥290.00")

    # The rep's statement: 80 % of 10,000 reaches the 80 % band (3 %), applied to the whole base.
    # Each payment is split 6,000 : 2,000 over the product lines, hardware × 1.5:
    # 3,750 × 3 % = 112.50, 1,250 × 3 % × 1.5 = 56.25, 2,250 × 3 % = 67.50, 750 × 4.5 % = 33.75.
    rep_row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/performance/commissions/\d+/$"))
    expect(page.locator("h1")).to_contain_text(text["statement"])
    summary = page.locator("[data-statement-summary]")
    expect(summary).to_contain_text("80.0%")
    expect(summary).to_contain_text("¥8,000.00 / ¥10,000.00")
    expect(summary).to_contain_text(text["band"])
    expect(summary).to_contain_text("¥270.00")
    lines = page.locator("table[data-commission-lines] tbody tr")
    expect(lines).to_have_count(4)
    expected = [
        ("软件 Software", "¥3,750.00", "3", "1", "¥112.50"),
        ("硬件 Hardware", "¥1,250.00", "3", "1.5", "¥56.25"),
        ("软件 Software", "¥2,250.00", "3", "1", "¥67.50"),
        ("硬件 Hardware", "¥750.00", "3", "1.5", "¥33.75"),
    ]
    for i, figures in enumerate(expected):
        row = cells(lines.nth(i))
        assert tuple(row[4:9]) == figures
        assert row[2] == contract.number
    expect(page.locator("[data-line-total]")).to_have_text("¥270.00")
    screenshot(page, f"commissions-statement-{lang}")
    statement_url = page.url

    # A line leads to its contract.
    lines.nth(0).locator("td").nth(2).locator("a").click()
    page.wait_for_url(re.compile(rf".*/sales/contracts/{contract.pk}/$"))
    expect(page.locator("main")).to_contain_text(contract.number)

    # Lock the period (the default period is last month), through the confirmation dialog.
    page.locator(".sd-nav a[href='/performance/commissions/']").click()
    page.wait_for_url(re.compile(r".*/performance/commissions/$"))
    expect(page.locator("#l-day")).to_have_value(end.isoformat())
    page.locator("form[data-commission-lock] button[value=lock]").click()
    expect(page.locator("#sd-confirm")).to_be_visible()
    page.locator("#sd-confirm-ok").click()
    expect(page.locator("form[data-commission-lock] .card-footer")).to_contain_text(
        start.strftime("%Y-%m")
    )
    assert CommissionPeriodLock.objects.filter(period_kind="month", period_start=start).exists()
    expect(rows.filter(has_text="张三 Zhang San").locator("td").nth(7)).to_have_text(text["locked"])
    assert set(CommissionStatement.objects.values_list("status", flat=True)) == {"locked"}
    page.goto(statement_url)
    expect(page.locator("[data-statement-summary]")).to_contain_text(text["locked"])
    assert page.js_errors == []

    # The rep sees only their own statement, with the same total.
    rep_page = page_factory(BROWSER_LANG[lang])
    sign_in(rep_page, "rep")
    rep_page.locator(".sd-nav a[href='/performance/commissions/']").click()
    rep_page.wait_for_url(re.compile(r".*/performance/commissions/$"))
    expect(rep_page.locator("form[data-commission-compute]")).to_have_count(0)
    expect(rep_page.locator("form[data-commission-lock]")).to_have_count(0)
    mine = rep_page.locator("table[data-commission-statements] tbody tr")
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text("张三 Zhang San")
    expect(mine.first.locator("td").nth(6)).to_have_text("¥270.00")
    expect(rep_page.locator("main")).not_to_contain_text("赵六 Zhao Liu")
    mine.first.locator("a").first.click()
    expect(rep_page.locator("[data-line-total]")).to_have_text("¥270.00")
    screenshot(rep_page, f"commissions-statement-rep-{lang}")
    assert rep_page.js_errors == []
    other = CommissionStatement.objects.get(owner=org.other_rep)
    response = rep_page.goto(rep_page.base + f"/performance/commissions/{other.pk}/")
    assert response.status == 404


# ---- 2. sales tiers -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_tiers_journey(org, page_factory, screenshot, lang):
    text = TEXT[lang]
    start, end = last_month()
    bronze = tier_services.tier_create(
        actor=org.admin, code="bronze", name="铜牌", name_en="Bronze", rank=1
    )
    _software, _hardware, crm, _box = make_catalogue(org.admin)
    # rep: 60,000 received last month (over the gold minimum), other_rep: 10,000 (under it).
    paid_contract(
        org.rep, f"大客户 {lang}", [(crm, "60")], [(start + timedelta(days=3), "60000")], start
    )
    paid_contract(
        org.other_rep,
        f"小客户 {lang}",
        [(crm, "10")],
        [(start + timedelta(days=3), "10000")],
        start,
    )

    # The admin adds the gold tier in Settings → Sales tiers.
    admin = page_factory(BROWSER_LANG[lang])
    sign_in(admin, "admin")
    admin.locator(".sd-nav a[href='/settings/tiers/']").click()
    admin.wait_for_url(re.compile(r".*/settings/tiers/$"))
    expect(admin.locator("html")).to_have_attribute("lang", lang)
    admin.locator("a[href='/settings/tiers/new/']").first.click()
    admin.wait_for_url(re.compile(r".*/settings/tiers/new/$"))
    admin.fill("input[name=code]", "gold")
    admin.fill("input[name=name]", "金牌")
    admin.fill("input[name=name_en]", "Gold")
    admin.fill("input[name=rank]", "2")
    admin.fill("input[name=commission_rate]", "0.5")
    admin.fill("input[name=window_payments_received]", "3")
    admin.fill("input[name=min_payments_received]", "50000")
    admin.locator("form.sd-form button[type=submit]").click()
    admin.wait_for_url(re.compile(r".*/settings/tiers/$"))
    gold = Tier.objects.get(code="gold")
    assert (gold.rank, gold.commission_rate, gold.criteria) == (
        2,
        Decimal("0.500"),
        [{"metric": "payments_received", "window_months": 3, "min": "50000"}],
    )
    gold_name = "Gold" if lang == "en" else "金牌"
    bronze_name = "Bronze" if lang == "en" else "铜牌"
    expect(admin.locator("main")).to_contain_text(gold_name)
    assert admin.js_errors == []

    # The director puts the rep in the entry tier from the start of last month.
    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "director")
    page.locator(".sd-nav a[href='/performance/tiers/']").click()
    page.wait_for_url(re.compile(r".*/performance/tiers/$"))
    people = page.locator("table[data-tier-people] tbody tr")
    rep_row = people.filter(has_text="张三 Zhang San")
    rep_row.locator("a").click()
    page.wait_for_url(re.compile(rf".*\?person={org.rep.pk}$"))
    page.select_option("#a-tier", str(bronze.pk))
    page.fill("#a-from", start.isoformat())
    page.fill("#a-note", f"入职定级 {lang}")
    page.locator("form[data-tier-assign] button[type=submit]").click()
    expect(page.locator("[data-tier-history]")).to_contain_text(f"入职定级 {lang}")
    expect(rep_row.locator("td").nth(2)).to_have_text(bronze_name)

    # The review of last month: the rep's payments qualify for gold.
    page.locator("a[href='/performance/tier-reviews/']").click()
    page.wait_for_url(re.compile(r".*/performance/tier-reviews/$"))
    expect(page.locator("#r-day")).to_have_value(end.isoformat())
    page.locator("form[data-tier-review-compute] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/performance/tier-reviews/\d+/$"))
    expect(page.locator("h1")).to_contain_text(start.strftime("%Y-%m"))
    proposals = page.locator("form[data-tier-proposals] tbody tr")
    expect(proposals).to_have_count(3)  # rep, lead and other_rep (their first tier)
    proposal = proposals.filter(has_text="张三 Zhang San")
    expect(proposal.locator("td").nth(2)).to_have_text(bronze_name)
    expect(proposal.locator("td").nth(3)).to_have_text(f"{text['promotion']} {gold_name}")
    expect(proposal.locator("td").nth(4)).to_have_text(f"{text['met']}: {text['reason']}")
    other = proposals.filter(has_text="赵六 Zhao Liu")
    expect(other.locator("td").nth(3)).to_have_text(f"{text['first']} {bronze_name}")
    expect(other.locator("td").nth(4)).to_contain_text(text["no_criteria"])
    screenshot(page, f"tiers-review-{lang}")
    proposal.locator("button[name=confirm_one]").click()
    expect(proposal.locator("td").nth(5)).to_contain_text(text["confirmed"])
    expect(proposal.locator("td").nth(5)).to_contain_text("王总监 Director Wang")
    expect(other.locator("button[name=confirm_one]")).to_be_visible()  # still pending

    # The Tiers page shows the new tier from the first day of this month.
    page.locator(".sd-nav a[href='/performance/tiers/']").click()
    page.wait_for_url(re.compile(r".*/performance/tiers/$"))
    expect(rep_row.locator("td").nth(2)).to_have_text(gold_name)
    expect(people.filter(has_text="赵六 Zhao Liu").locator("td").nth(2)).not_to_contain_text(
        gold_name
    )
    rep_row.locator("a").click()
    history = page.locator("[data-tier-history] li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text(gold_name)
    expect(history.nth(0)).to_contain_text(f"{end + timedelta(days=1):%Y-%m-%d} –")
    screenshot(page, f"tiers-people-{lang}")
    current = TierMembership.objects.get(user=org.rep, valid_to__isnull=True)
    assert (current.tier_id, current.valid_from) == (gold.pk, end + timedelta(days=1))
    assert page.js_errors == []


# ---- 3. training --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_training_journey(org, page_factory, screenshot, lang):
    text = TEXT[lang]
    today = timezone.localdate()
    # A session ten weeks ago (a Wednesday): all eight weeks after it are complete.
    held = today - timedelta(days=today.weekday()) - timedelta(weeks=10) + timedelta(days=2)
    _software, _hardware, crm, _box = make_catalogue(org.admin)
    # The rep signs 16,000 three weeks after the training; nobody signs anything before it.
    paid_contract(
        org.rep, f"培训后客户 {lang}", [(crm, "16")], [(held, "16000")], held + timedelta(weeks=3)
    )

    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "director")
    page.locator(".sd-nav a[href='/training/']").click()
    page.wait_for_url(re.compile(r".*/training/$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("a[href='/training/new/']").first.click()
    page.wait_for_url(re.compile(r".*/training/new/$"))
    page.fill("input[name=title]", f"顾问式销售 {lang}")
    page.fill("input[name=topic]", "销售技巧")
    page.select_option("select[name=status]", "completed")
    page.select_option("select[name=owner_unit]", str(org.east.pk))
    page.fill("textarea[name=description]", "SPIN 提问与异议处理")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/training/\d+/$"))
    program = TrainingProgram.objects.get(title=f"顾问式销售 {lang}")
    assert (program.owner_unit_id, program.status) == (org.east.pk, "completed")

    page.locator(f"a[href='/training/{program.pk}/sessions/new/']").first.click()
    page.wait_for_url(re.compile(rf".*/training/{program.pk}/sessions/new/$"))
    page.fill("input[name=starts_at]", f"{held:%Y-%m-%d}T09:00")
    page.fill("input[name=ends_at]", f"{held:%Y-%m-%d}T17:30")
    page.fill("input[name=trainer_name]", "陈老师 Teacher Chen")
    page.fill("input[name=location]", "上海培训中心")
    page.fill("input[name=capacity]", "20")
    page.locator("form.sd-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/training/sessions/\d+/$"))
    session = TrainingSession.objects.get(program=program)
    starts = timezone.localtime(session.starts_at)
    assert (starts.date(), starts.hour, session.trainer_name) == (held, 9, "陈老师 Teacher Chen")

    # Invite the rep, their lead and the other rep.
    page.select_option("#invite-users", [str(org.rep.pk), str(org.lead.pk), str(org.other_rep.pk)])
    page.locator("form[action$='/invite/'] button[type=submit]").click()
    grid = page.locator("table[data-attendance-grid] tbody tr")
    expect(grid).to_have_count(3)

    # The grid: rep and lead attended with scores, the other rep was absent.
    for person, status, pre, post in (
        (org.rep, "attended", "62.5", "88"),
        (org.lead, "attended", "70", "81"),
        (org.other_rep, "absent", "", ""),
    ):
        page.select_option(f"#status-{person.pk}", status)
        page.fill(f"#pre-{person.pk}", pre)
        page.fill(f"#post-{person.pk}", post)
    page.fill(f"#feedback-{org.rep.pk}", "提问更有层次")
    page.locator("form[action$='/record/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/training/sessions/\d+/#attendance$"))
    expect(page.locator(f"#pre-{org.rep.pk}")).to_have_value("62.5")
    expect(page.locator(f"#status-{org.other_rep.pk}")).to_have_value("absent")
    screenshot(page, f"training-session-{lang}")
    rows = {
        a.user_id: (a.status, a.pre_score, a.post_score)
        for a in Attendance.objects.filter(session=session)
    }
    assert rows == {
        org.rep.pk: ("attended", Decimal("62.5"), Decimal("88")),
        org.lead.pk: ("attended", Decimal("70"), Decimal("81")),
        org.other_rep.pk: ("absent", None, None),
    }

    # The effect: trainees rep and lead; the untrained peer is the other rep.
    page.locator(f"a[href='/training/{program.pk}/']").first.click()
    page.wait_for_url(re.compile(rf".*/training/{program.pk}/$"))
    page.locator(f"a[href='/training/{program.pk}/effect/']").first.click()
    page.wait_for_url(re.compile(rf".*/training/{program.pk}/effect/$"))
    table = page.locator("table[data-effect-table]")
    trainees = table.locator("tr[data-group=trainees]")
    peers = table.locator("tr[data-group=peers]")
    expect(trainees.locator("th")).to_have_text(text["trainees"])
    expect(peers.locator("th")).to_have_text(text["peers"])
    # Signed amount over the 8 weeks: trainees (0 + 0) / 2 before, (16,000 + 0) / 2 after.
    assert cells(trainees) == ["2", "¥0.00", "¥8,000.00", "¥8,000.00"]
    assert cells(peers) == ["1", "¥0.00", "¥0.00", "¥0.00"]
    expect(table.locator("tr[data-did] td")).to_have_text("¥8,000.00")
    # Scores of those who attended: pre (62.5 + 70) / 2 = 66.25 → 66.3, post (88 + 81) / 2 = 84.5,
    # improvement (25.5 + 11) / 2 = 18.25 → 18.3.
    scores = page.locator("dl.sd-scores dd")
    expect(scores.nth(0)).to_have_text("66.3 (2)")
    expect(scores.nth(1)).to_have_text("84.5 (2)")
    expect(scores.nth(2)).to_have_text("+18.3 (2)")
    caveats = page.locator("[data-caveats]")
    expect(caveats.locator("h2")).to_contain_text(text["care"])
    expect(caveats.locator("li")).to_have_count(4)  # three general ones, small groups
    expect(caveats).to_contain_text(text["small"])
    weekly = page.locator("table[data-weekly-table] tbody tr")
    expect(weekly).to_have_count(16)  # 8 weeks before, 8 after
    assert cells(weekly.nth(10)) == ["¥8,000.00", "¥0.00"]  # the 3rd week after: the signing
    assert cells(weekly.nth(9)) == ["¥0.00", "¥0.00"]
    expect(page.locator("[data-training-effect-chart] svg").first).to_be_visible()
    screenshot(page, f"training-effect-{lang}")
    assert page.js_errors == []
