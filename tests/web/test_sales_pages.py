"""Sales pages (SAL-1, SAL-2): access matrix (0 leaks, denials change nothing), contract create
with lines, status actions, pinned query counts of the lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesdesk.sales.models import Contract, ContractStatus, PriceList, Product
from tests.api.test_sales_api import sales_snapshot
from tests.customers.conftest import make_customer
from tests.sales.conftest import make_catalogue, make_chain, make_contract

pytestmark = pytest.mark.django_db

EVERYONE = {p: 200 for p in ("rep", "other_rep", "lead", "director", "admin")}
CONFIGURERS = {"rep": 403, "other_rep": 403, "lead": 403, "director": 403, "admin": 200}


@pytest.fixture
def world(org):
    cat = make_catalogue(org.admin)
    rep_customer = make_customer(org.rep, "北京星辰科技有限公司", level="A")
    other_customer = make_customer(org.other_rep, "上海远航贸易有限公司", level="B")
    from salesdesk.sales import services

    price_list = services.price_list_create(
        actor=org.admin,
        name="2026 标准价",
        valid_from=__import__("datetime").date(2026, 1, 1),
        items=[{"product": cat.crm, "price": "950"}],
    )
    chain = make_chain(org.admin, min_amount="1000", roles=("team_lead",))
    return {
        "cat": cat,
        "price_list": price_list,
        "chain": chain,
        "rep_customer": rep_customer,
        "other_customer": other_customer,
        "rep_contract": make_contract(org.rep, rep_customer, cat, title="星辰合同"),
        "other_rep_contract": make_contract(org.other_rep, other_customer, cat, title="远航合同"),
    }


def _pages(world):
    cat = world["cat"]
    rep_c = world["rep_contract"]
    other_c = world["other_rep_contract"]
    seen_rep = {"rep": 200, "other_rep": 404, "lead": 200, "director": 200, "admin": 200}
    seen_other = {"rep": 404, "other_rep": 200, "lead": 404, "director": 200, "admin": 200}
    edit_rep = {"rep": 200, "other_rep": 404, "lead": 200, "director": 200, "admin": 200}
    return {
        "products": (reverse("web:product_list"), EVERYONE, "CRM-STD"),
        "product_detail": (
            reverse("web:product_detail", args=[cat.crm.pk]),
            EVERYONE,
            "CRM 标准版",
        ),
        "product_create": (reverse("web:product_create"), CONFIGURERS, "New product"),
        "product_lines": (reverse("web:product_line_list"), EVERYONE, "软件 Software"),
        "product_line_edit": (
            reverse("web:product_line_edit", args=[cat.line.pk]),
            CONFIGURERS,
            "Edit product line",
        ),
        "price_lists": (reverse("web:price_list_list"), EVERYONE, "2026 标准价"),
        "price_list_detail": (
            reverse("web:price_list_detail", args=[world["price_list"].pk]),
            EVERYONE,
            "2026 标准价",
        ),
        "price_list_create": (reverse("web:price_list_create"), CONFIGURERS, "New price list"),
        "contracts": (reverse("web:contract_list") + "?view=all", EVERYONE, "Contracts"),
        "contract_create": (reverse("web:contract_create"), EVERYONE, "New contract"),
        "contract_rep": (reverse("web:contract_detail", args=[rep_c.pk]), seen_rep, rep_c.number),
        "contract_other": (
            reverse("web:contract_detail", args=[other_c.pk]),
            seen_other,
            other_c.number,
        ),
        "contract_edit_rep": (
            reverse("web:contract_edit", args=[rep_c.pk]),
            edit_rep,
            "Edit contract",
        ),
        "approval_chains": (reverse("web:approval_chain_list"), CONFIGURERS, "≥1000"),
        "approval_chain_edit": (
            reverse("web:approval_chain_edit", args=[world["chain"].pk]),
            CONFIGURERS,
            "Steps, in order",
        ),
        "channels": (reverse("web:channel_list"), EVERYONE, "Channels and partners"),
        "channel_performance": (
            reverse("web:channel_performance"),
            EVERYONE,
            "Channel performance",
        ),
        "channel_create": (reverse("web:channel_create"), CONFIGURERS, "New channel"),
        "partner_create": (reverse("web:partner_create"), CONFIGURERS, "New partner"),
        "receivables": (reverse("web:receivable_list"), EVERYONE, "Receivables"),
        "returns": (reverse("web:return_list"), EVERYONE, "Return rate"),
        "line_row": (
            reverse("web:contract_line_row") + "?lines-TOTAL_FORMS=3",
            EVERYONE,
            "lines-3-product",
        ),
    }


PAGE_NAMES = [
    "products",
    "product_detail",
    "product_create",
    "product_lines",
    "product_line_edit",
    "price_lists",
    "price_list_detail",
    "price_list_create",
    "contracts",
    "contract_create",
    "contract_rep",
    "contract_other",
    "contract_edit_rep",
    "approval_chains",
    "approval_chain_edit",
    "channels",
    "channel_performance",
    "channel_create",
    "partner_create",
    "receivables",
    "returns",
    "line_row",
]


@pytest.mark.parametrize("page", PAGE_NAMES)
@pytest.mark.parametrize(
    "persona", ["rep", "other_rep", "lead", "director", "admin", "deactivated"]
)
def test_page_access_matrix(org, world, login, page, persona):
    url, expected, text = _pages(world)[page]
    response = login(getattr(org, persona)).get(url)
    if persona == "deactivated":
        assert response.status_code == 302
        return
    assert response.status_code == expected[persona], (page, persona)
    content = response.content.decode()
    if response.status_code == 200:
        assert text in content
    # Never a leak of the other team's contract.
    if persona in ("rep", "lead"):
        assert world["other_rep_contract"].number not in content
    if persona == "other_rep":
        assert world["rep_contract"].number not in content


def _writes(world):
    cat = world["cat"]
    other = world["other_rep_contract"]
    return [
        (
            reverse("web:product_create"),
            {
                "code": "N",
                "name": "N",
                "product_line": cat.line.pk,
                "unit": "件",
                "list_price": "1",
            },
        ),
        (
            reverse("web:product_detail", args=[cat.crm.pk]),
            {
                "code": "X",
                "name": "X",
                "product_line": cat.line.pk,
                "unit": "件",
                "list_price": "1",
                "version": 1,
            },
        ),
        (reverse("web:product_delete", args=[cat.crm.pk]), {}),
        (reverse("web:product_line_list"), {"code": "L", "name": "L", "sort_order": 0}),
        (reverse("web:price_list_delete", args=[world["price_list"].pk]), {}),
        (reverse("web:approval_chain_delete", args=[world["chain"].pk]), {}),
        (reverse("web:contract_action", args=[other.pk, "submit"]), {}),
        (reverse("web:contract_action", args=[other.pk, "void"]), {"reason": "x"}),
        (reverse("web:contract_delete", args=[other.pk]), {}),
        (reverse("web:contract_edit", args=[other.pk]), {"title": "偷改", "version": 1}),
    ]


@pytest.mark.parametrize("persona", ["rep", "lead", "deactivated"])
def test_denied_writes_change_nothing(org, world, login, persona):
    client = login(getattr(org, persona))
    before = sales_snapshot()
    for url, data in _writes(world):
        response = client.post(url, data)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        if persona != "deactivated":
            assert response.status_code in (403, 404), (url, response.status_code)
    assert sales_snapshot() == before


def test_create_submit_approve_through_the_pages(org, world, login):
    cat = world["cat"]
    rep = login(org.rep)
    data = {
        "title": "网页合同",
        "customer": world["rep_customer"].pk,
        "signed_on": "2026-06-01",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": cat.crm.pk,  # price list: 950
        "lines-0-quantity": "2",
        "lines-0-discount_percent": "0",
        "lines-1-product": cat.support.pk,
        "lines-1-quantity": "1",
        "lines-1-unit_price": "100",
        "lines-1-discount_percent": "50",
        "lines-2-product": "",  # a removed row
    }
    response = rep.post(reverse("web:contract_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    contract = Contract.objects.get(title="网页合同")
    assert contract.total_amount == __import__("decimal").Decimal("1950.00")
    assert response["Location"] == reverse("web:contract_detail", args=[contract.pk])
    rep.post(reverse("web:contract_action", args=[contract.pk, "submit"]))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_APPROVAL
    # Locked: the edit page sends the rep back.
    assert rep.get(reverse("web:contract_edit", args=[contract.pk])).status_code == 302
    lead = login(org.lead)
    page = lead.get(reverse("web:contract_detail", args=[contract.pk])).content.decode()
    assert 'data-action="approve"' in page
    assert (
        lead.get(reverse("web:contract_list") + "?view=to_approve")
        .content.decode()
        .count(contract.number)
        == 1
    )
    # Rejecting without a reason changes nothing.
    lead.post(reverse("web:contract_action", args=[contract.pk, "reject"]), {"reason": ""})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_APPROVAL
    lead.post(reverse("web:contract_action", args=[contract.pk, "approve"]), {"comment": "同意"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    detail = rep.get(reverse("web:contract_detail", args=[contract.pk])).content.decode()
    assert "同意" in detail and "Active" in detail


def test_customer_timeline_and_search_show_contracts(org, world, login):
    from salesdesk.core.search import search_registry
    from salesdesk.core.timeline import customer_timeline

    contract = world["rep_contract"]
    entries = customer_timeline(world["rep_customer"], org.rep)
    assert [e.kind for e in entries if e.kind == "contract"] == ["contract"]
    groups = {g.key: g for g in search_registry.search(org.rep, contract.number)}
    assert [h.title for h in groups["contracts"].hits] == [f"{contract.number} · 星辰合同"]
    groups = {g.key: g for g in search_registry.search(org.other_rep, contract.number)}
    assert "contracts" not in groups


LIST_PAGES = {
    "contracts": reverse("web:contract_list") + "?view=all",
    "products": reverse("web:product_list"),
    "price_lists": reverse("web:price_list_list"),
}


@pytest.mark.parametrize("page", sorted(LIST_PAGES))
def test_list_pages_have_constant_queries(org, world, login, page):
    client = login(org.director)
    client.get(LIST_PAGES[page])
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST_PAGES[page]).status_code == 200
    from datetime import date

    from salesdesk.sales import services

    for i in range(5):
        customer = make_customer(org.rep, f"客户{i}")
        make_contract(org.rep, customer, world["cat"])
        services.product_create(
            actor=org.admin, product_line=world["cat"].line, code=f"P{i}", name=f"产品{i}"
        )
        services.price_list_create(actor=org.admin, name=f"价表{i}", valid_from=date(2026, 1, 1))
    with CaptureQueriesContext(connection) as large:
        assert client.get(LIST_PAGES[page]).status_code == 200
    assert len(large) == len(small)
    assert len(large) <= 14
    assert Product.objects.count() == 7 and PriceList.objects.count() == 6


def test_payment_plan_and_payment_through_the_pages(org, world, login):
    from datetime import date
    from decimal import Decimal

    from salesdesk.sales.contracts import services as contracts
    from salesdesk.sales.models import Instalment

    contract = world["rep_contract"]  # 2,000.00 → the lead approves
    contracts.contract_submit(actor=org.rep, contract=contract)
    contracts.contract_approve(actor=org.lead, contract=contract)
    rep = login(org.rep)
    # Someone who cannot change the contract cannot plan it.
    assert (
        login(org.other_rep)
        .post(
            reverse("web:contract_plan_set", args=[contract.pk]),
            {"count": 3, "first_due": "2026-01-15", "months": 1},
        )
        .status_code
        == 404
    )
    rep.post(
        reverse("web:contract_plan_set", args=[contract.pk]),
        {"count": 3, "first_due": "2026-01-15", "months": 1},
    )
    rows = list(Instalment.objects.order_by("position").values_list("due_on", "amount"))
    assert rows == [
        (date(2026, 1, 15), Decimal("666.66")),
        (date(2026, 2, 15), Decimal("666.66")),
        (date(2026, 3, 15), Decimal("666.68")),
    ]
    first = Instalment.objects.get(position=1)
    rep.post(
        reverse("web:payment_create", args=[contract.pk, first.pk]),
        {"amount": "666.66", "received_on": "2026-01-14", "method": "transfer", "reference": "B1"},
    )
    first.refresh_from_db()
    assert first.paid_amount == Decimal("666.66")
    page = rep.get(reverse("web:receivable_list") + "?tab=all").content.decode()
    assert "¥1,333.34" in page and contract.number in page  # outstanding total
    other = login(org.other_rep).get(reverse("web:receivable_list") + "?tab=all")
    assert contract.number not in other.content.decode()
    detail = rep.get(reverse("web:contract_detail", args=[contract.pk])).content.decode()
    assert "B1" in detail and 'data-action="pay"' in detail


def test_channels_partners_and_performance(org, world, login):
    from salesdesk.sales.contracts import services as contracts
    from salesdesk.sales.models import Channel, Partner

    cat = world["cat"]
    admin = login(org.admin)
    response = admin.post(
        reverse("web:channel_create"),
        {"code": "DIST", "name": "分销", "type": "distributor", "is_active": "on"},
    )
    assert response.status_code == 302
    dist = Channel.objects.get(code="DIST")
    admin.post(
        reverse("web:partner_create"),
        {"name": "华东分销有限公司", "channel": dist.pk, "region": "华东", "is_active": "on"},
    )
    partner = Partner.objects.get()
    assert (
        login(org.rep)
        .post(reverse("web:channel_create"), {"code": "X", "name": "X", "type": "online"})
        .status_code
        == 403
    )
    # A contract through the partner: the channel follows the partner.
    contract = contracts.contract_create(
        actor=org.rep,
        customer=world["rep_customer"],
        title="渠道合同",
        partner=partner,
        lines=[{"product": cat.support, "quantity": 10, "unit_price": "100"}],
    )
    assert contract.channel_id == dist.pk
    contracts.contract_submit(actor=org.rep, contract=contract)  # 1,000.00 ≥ 1000 → the lead
    contracts.contract_approve(actor=org.lead, contract=contract)
    page = login(org.director).get(reverse("web:channel_performance")).content.decode()
    assert "华东分销有限公司" in page and "¥1,000.00" in page
    other = login(org.other_rep).get(reverse("web:channel_performance")).content.decode()
    assert "华东分销有限公司" not in other
    listing = login(org.rep).get(reverse("web:channel_list")).content.decode()
    assert "华东分销有限公司" in listing and "分销" in listing


def test_returns_through_the_pages(org, world, login):
    from decimal import Decimal

    from salesdesk.sales.contracts import services as contracts
    from salesdesk.sales.models import SalesReturn

    contract = world["rep_contract"]  # 2 × CRM at 1,000.00
    contracts.contract_submit(actor=org.rep, contract=contract)
    contracts.contract_approve(actor=org.lead, contract=contract)
    line = contract.lines.get()
    url = reverse("web:return_create", args=[contract.pk])
    assert (
        login(org.other_rep)
        .post(url, {"line": line.pk, "quantity": "1", "reason": "x"})
        .status_code
        == 404
    )
    rep = login(org.rep)
    rep.post(
        url, {"line": line.pk, "quantity": "1", "reason": "包装破损", "returned_on": "2026-04-01"}
    )
    assert SalesReturn.objects.get().amount == Decimal("1000.00")
    page = rep.get(reverse("web:return_list")).content.decode()
    assert "包装破损" in page and "50.00%" in page
    assert "包装破损" not in login(org.other_rep).get(reverse("web:return_list")).content.decode()


def test_product_page_shows_its_price_lists(org, world, login):
    page = login(org.rep).get(reverse("web:product_detail", args=[world["cat"].crm.pk]))
    content = page.content.decode()
    assert "2026 标准价" in content and "¥950.00" in content
    assert 'name="list_price"' not in content  # the rep reads, does not edit


def test_recycle_bin_lists_deleted_catalogue_and_contracts_in_scope(org, world, login):
    from salesdesk.sales.contracts import services as contracts
    from salesdesk.sales.services import product_delete

    product_delete(actor=org.admin, product=world["cat"].support)
    contracts.contract_delete(actor=org.director, contract=world["rep_contract"])
    bin_url = reverse("web:recycle_bin")
    admin = login(org.admin)
    assert "SUP-1Y" in admin.get(bin_url + "?type=sales.product").content.decode()
    director = login(org.director)
    # Deleted by the admin (HQ, outside the director's tree): not the director's to restore.
    assert "SUP-1Y" not in director.get(bin_url + "?type=sales.product").content.decode()
    page = director.get(bin_url + "?type=sales.contract").content.decode()
    assert world["rep_contract"].number in page
    # A contract past draft cannot be deleted.
    active = world["other_rep_contract"]
    contracts.contract_submit(actor=org.other_rep, contract=active)
    response = director.post(reverse("web:contract_delete", args=[active.pk]))
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.deleted_at is None
