"""Commission pages × personas: 0 leaks (a rep never sees another rep's statement: 404),
denials change nothing, totals and traceable lines, plan form round trip, CSV escaping, a
pinned query count of the list."""

from __future__ import annotations

import csv as csvlib
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from salesdesk.commissions import services
from salesdesk.commissions.models import CommissionPlan, CommissionStatement
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import Role
from tests.commissions.conftest import MARCH, contract, make_customer, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def statements(org, lines, plan):
    for rep in (org.rep, org.other_rep):
        pay(contract(rep, [(lines["crm"], "1000")]), "1000")
    evil = make_customer(org.rep, '=HYPERLINK("http://x") 有限公司')
    pay(contract(org.rep, [(lines["box"], "50")], customer=evil), "50")
    services.statements_compute(actor=org.admin, plan=plan, day=MARCH)
    return {
        "rep": CommissionStatement.objects.get(owner=org.rep),
        "other_rep": CommissionStatement.objects.get(owner=org.other_rep),
    }


def test_pages_per_persona_leak_nothing(org, login, statements):
    rep, other = statements["rep"], statements["other_rep"]
    visible = {
        "rep": {rep.pk},
        "other_rep": {other.pk},
        "lead": {rep.pk},
        "director": {rep.pk, other.pk},
        "admin": {rep.pk, other.pk},
    }
    for persona, ids in visible.items():
        client = login(org.personas()[persona])
        page = client.get(reverse("web:commission_list"))
        assert page.status_code == 200
        html = page.content.decode()
        for s in (rep, other):
            link = reverse("web:commission_detail", args=[s.pk])
            assert (link in html) == (s.pk in ids), (persona, s.pk)
            answer = client.get(link)
            assert answer.status_code == (200 if s.pk in ids else 404), (persona, s.pk)
            csv = client.get(reverse("web:commission_csv", args=[s.pk]))
            assert csv.status_code in ((200, 403) if s.pk in ids else (404,)), (persona, s.pk)
        if persona == "rep":
            assert org.other_rep.name not in html
    assert login(org.deactivated).get(reverse("web:commission_list")).status_code == 302


def test_detail_lines_link_to_their_sources(org, login, statements):
    rep = statements["rep"]
    html = login(org.rep).get(reverse("web:commission_detail", args=[rep.pk])).content.decode()
    for line in rep.lines.all():
        assert reverse("web:contract_detail", args=[line.contract_id]) in html
        assert f"#{line.payment_id}" in html
    assert "¥21.00" in html  # 1,050 received × 2 % (no goal: lowest band)


def test_list_totals_and_query_count(org, login, statements):
    client = login(org.admin)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("web:commission_list")).content.decode()
    assert "¥41.00" in html  # 21.00 + 20.00
    assert len(ctx.captured_queries) <= 25


def test_csv_is_formula_escaped(org, login, statements):
    body = login(org.rep).get(reverse("web:commission_csv", args=[statements["rep"].pk]))
    text = body.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_the_statement_as_excel_has_the_csv_cells_formula_escaped(org, login, statements):
    client = login(org.rep)
    url = reverse("web:commission_csv", args=[statements["rep"].pk])
    csv_rows = list(csvlib.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    response = client.get(url + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    sheet = book.get_sheet_by_index(0).to_python()
    as_text = [["" if c == "" else str(c) for c in row] for row in sheet]
    assert len(as_text) == len(csv_rows) > 2
    assert as_text[0] == csv_rows[0]
    assert any(cell.startswith("'=HYPERLINK") for row in as_text for cell in row)
    assert not any(cell.startswith("=") for row in as_text for cell in row)
    kinds = AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).order_by("pk")
    assert [e.data["format"] for e in kinds] == ["csv", "xlsx"]
    other = reverse("web:commission_csv", args=[statements["other_rep"].pk])
    assert client.get(other + "?format=xlsx").status_code == 404
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).count() == 2


def test_reps_cannot_compute_lock_or_edit_plans(org, login, statements, plan):
    before = list(CommissionStatement.objects.order_by("pk").values())
    for persona in ("rep", "lead"):
        client = login(org.personas()[persona])
        assert (
            client.post(
                reverse("web:commission_compute"), {"plan": plan.pk, "day": "2026-03-10"}
            ).status_code
            == 403
        )
        assert client.post(reverse("web:commission_lock"), {"day": "2026-03-10"}).status_code == 403
        assert client.get(reverse("web:commission_plan_list")).status_code == 403
        assert client.post(reverse("web:commission_plan_delete", args=[plan.pk])).status_code == 403
    assert list(CommissionStatement.objects.order_by("pk").values()) == before


def test_plan_form_round_trip(org, login, lines):
    client = login(org.admin)
    data = {
        "name": "季度合同提成",
        "role": Role.objects.get(code="rep").pk,
        "tier_id": "",
        "period_kind": "quarter",
        "base": "contracts",
        "base_rate": "1",
        "cap": "",
        "add_tier_rate": "on",
        "is_active": "on",
        "band_from_0": "0",
        "band_rate_0": "2",
        "band_from_1": "100",
        "band_rate_1": "4",
        f"mult_{lines['hw'].pk}": "1.5",
    }
    assert client.get(reverse("web:commission_plan_create")).status_code == 200
    answer = client.post(reverse("web:commission_plan_create"), data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    plan = CommissionPlan.objects.get(name="季度合同提成")
    assert plan.bands == [{"from": "0", "rate": "2"}, {"from": "100", "rate": "4"}]
    assert plan.line_multipliers == {str(lines["hw"].pk): "1.5"}
    bad = client.post(
        reverse("web:commission_plan_edit", args=[plan.pk]),
        {**data, "band_from_1": "-5", "version": plan.version},
    )
    assert bad.status_code == 422
    stale = client.post(
        reverse("web:commission_plan_edit", args=[plan.pk]),
        {**data, "name": "x", "version": plan.version - 1},
    )
    assert stale.status_code == 409
    assert CommissionPlan.objects.get(pk=plan.pk).name == "季度合同提成"
    flat = client.post(
        reverse("web:commission_plan_create"),
        {
            **data,
            "name": "平",
            "band_from_0": "",
            "band_rate_0": "",
            "band_from_1": "",
            "band_rate_1": "",
        },
    )
    assert flat.status_code == 302, flat.content.decode()[-3000:]
    listing = client.get(reverse("web:commission_plan_list")).content.decode()
    assert "1 % flat" in listing and "≥100% → 4%" in listing


def test_compute_and_lock_from_the_page(org, login, statements, plan, finance):
    page = login(finance).get(reverse("web:commission_list")).content.decode()
    assert "data-commission-lock" in page and "data-commission-compute" in page
    assert (
        "data-commission-lock"
        not in login(org.director).get(reverse("web:commission_list")).content.decode()
    )
    login(finance).post(
        reverse("web:commission_lock"), {"day": "2026-03-10", "period_kind": "month"}
    )
    assert set(CommissionStatement.objects.values_list("status", flat=True)) == {"locked"}
    answer = login(org.admin).post(
        reverse("web:commission_compute"), {"plan": plan.pk, "day": "2026-03-10"}, follow=True
    )
    assert "is locked" in answer.content.decode()


def test_deleted_plan_is_in_the_recycle_bin(org, login, plan):
    client = login(org.admin)
    assert client.post(reverse("web:commission_plan_delete", args=[plan.pk])).status_code == 302
    assert CommissionPlan.objects.filter(pk=plan.pk).count() == 0
    page = client.get(reverse("web:recycle_bin"))
    assert page.status_code == 200 and plan.name in page.content.decode()
    services.commission_plan_restore(actor=org.admin, plan=plan)
    assert CommissionPlan.objects.filter(pk=plan.pk).exists()


def test_print_button_works_under_the_content_security_policy(org, login, statements):
    """The CSP allows scripts from 'self' only: an inline onclick was blocked (the Print button
    did nothing and the browser logged a violation). The button is wired by a static script."""
    rep = statements["rep"]
    html = login(org.rep).get(reverse("web:commission_detail", args=[rep.pk])).content.decode()
    assert "onclick=" not in html
    assert 'type="button" data-print>' in html
    assert "/static/js/print.js" in html


@pytest.mark.parametrize("who", ["finance", "director"])
def test_finance_and_directors_delete_plans_they_manage(org, login, plan, finance, who):
    """Plans are configuration without an owner: a director (unit scope) and finance (no general
    delete permission) who manage commissions can move one to the recycle bin; a rep cannot."""
    rep = login(org.rep).post(reverse("web:commission_plan_delete", args=[plan.pk]))
    assert rep.status_code == 403 and CommissionPlan.objects.filter(pk=plan.pk).exists()
    user = finance if who == "finance" else org.director
    answer = login(user).post(reverse("web:commission_plan_delete", args=[plan.pk]))
    assert answer.status_code == 302
    assert CommissionPlan.objects.filter(pk=plan.pk).count() == 0
    assert CommissionPlan.all_objects.get(pk=plan.pk).deleted_by == user
