"""Opportunity form product lines (FUN-3): create with lines (amount defaults to their sum),
per-line translated errors that save nothing, edit shows and replaces the lines, stale edits of
the lines refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from salesdesk.pipeline.models import Opportunity, OpportunityProduct
from salesdesk.sales.models import Product, ProductLine
from tests.pipeline import conftest as funnel
from tests.pipeline.conftest import make_deal

customers = funnel.customers
pipeline = funnel.pipeline
stages = funnel.stages


@pytest.fixture
def products(db):
    line = ProductLine.objects.create(code="ERP", name="ERP 软件")
    return {
        "basic": Product.objects.create(
            product_line=line, code="E1", name="ERP 基础版", list_price=Decimal("1200.00")
        ),
        "pro": Product.objects.create(
            product_line=line, code="E2", name="ERP 专业版", list_price=Decimal("3000.50")
        ),
        "retired": Product.objects.create(
            product_line=line, code="E0", name="旧版", list_price=5, is_active=False
        ),
    }


def _management(total: int, initial: int = 0) -> dict:
    return {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }


def _lines(rows) -> dict:
    data = _management(len(rows))
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    return data


def _stored(opp) -> list[tuple]:
    return list(
        OpportunityProduct.objects.filter(opportunity=opp)
        .order_by("id")
        .values_list("product__code", "quantity", "unit_price")
    )


def test_create_with_two_lines_amount_is_their_sum(org, customers, login, stages, products):
    data = {
        "customer": customers["rep"].pk,
        "title": "两条产品线",
        "stage": stages[0].pk,
        "amount": "",
        **_lines(
            [
                {"product": products["basic"].pk, "quantity": "3", "unit_price": ""},
                {"product": products["pro"].pk, "quantity": "2", "unit_price": "2800"},
                {"product": "", "quantity": "1", "unit_price": ""},  # added, left empty
            ]
        ),
    }
    response = login(org.rep).post(reverse("web:opportunity_create"), data)
    opp = Opportunity.objects.get(title="两条产品线")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:opportunity_detail", args=[opp.pk])
    assert opp.amount == Decimal("9200.00")
    assert _stored(opp) == [
        ("E1", Decimal("3.00"), Decimal("1200.00")),
        ("E2", Decimal("2.00"), Decimal("2800.00")),
    ]


def test_create_keeps_an_amount_typed_by_hand(org, customers, login, stages, products):
    data = {
        "customer": customers["rep"].pk,
        "title": "手填金额",
        "stage": stages[0].pk,
        "amount": "5000",
        **_lines([{"product": products["basic"].pk, "quantity": "1", "unit_price": ""}]),
    }
    login(org.rep).post(reverse("web:opportunity_create"), data)
    opp = Opportunity.objects.get(title="手填金额")
    assert opp.amount == Decimal("5000.00")
    assert _stored(opp) == [("E1", Decimal("1.00"), Decimal("1200.00"))]


def test_create_form_shows_the_products_with_their_list_price(
    org, customers, login, stages, products
):
    page = login(org.rep).get(reverse("web:opportunity_create")).content.decode()
    assert (
        f'<option value="{products["basic"].pk}" data-price="1200.00">E1 · ERP 基础版</option>'
        in (page)
    )
    assert (
        f'<option value="{products["pro"].pk}" data-price="3000.50">E2 · ERP 专业版</option>'
        in (page)
    )
    assert "旧版" not in page  # inactive products are not offered
    assert 'name="lines-TOTAL_FORMS" value="0"' in page
    assert 'name="lines-__prefix__-quantity"' in page  # the row template for "Add line"


@pytest.mark.parametrize(
    "lang, messages",
    [
        (
            "en",
            [
                "Select a product on line 1.",
                "Enter a quantity greater than zero.",
                "Select a valid choice.",
                "Enter a value of zero or more.",
            ],
        ),
        (
            "zh-hans",
            [
                "请在第 1 行选择产品。",
                "请输入大于零的数量。",
                "请选择有效的选项。",
                "请输入不小于零的值。",
            ],
        ),
    ],
)
def test_line_errors_are_shown_per_line_translated_and_save_nothing(
    org, customers, login, stages, products, lang, messages
):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(org.rep)
    data = {
        "customer": customers["rep"].pk,
        "title": "错误的行",
        "stage": stages[0].pk,
        **_lines(
            [
                {"product": "", "quantity": "2", "unit_price": ""},
                {"product": products["basic"].pk, "quantity": "0", "unit_price": ""},
                {"product": products["retired"].pk, "quantity": "1", "unit_price": ""},
                {"product": products["pro"].pk, "quantity": "1", "unit_price": "-1"},
            ]
        ),
    }
    response = client.post(reverse("web:opportunity_create"), data)
    assert response.status_code == 422
    lines = response.context["lines"]
    assert [dict(f.errors) for f in lines.forms] == [
        {"product": [messages[0]]},
        {"quantity": [messages[1]]},
        {"product": [messages[2]]},
        {"unit_price": [messages[3]]},
    ]
    page = response.content.decode()
    for i, message in enumerate(messages):
        field = ["product", "quantity", "product", "unit_price"][i]
        assert (
            f'<div class="invalid-feedback d-block" id="id_lines-{i}-{field}-error" '
            f"data-line-error>{message}</div>"
        ) in page
    assert not Opportunity.objects.filter(title="错误的行").exists()
    assert OpportunityProduct.objects.count() == 0


@pytest.fixture
def deal_with_lines(org, customers, stages, products):
    return make_deal(
        org.rep,
        customers["rep"],
        "有产品的商机",
        products=[
            {"product": products["basic"], "quantity": 2},
            {"product": products["retired"], "quantity": 1, "unit_price": "7"},
        ],
    )


def test_edit_shows_existing_lines_even_of_a_retired_product(org, login, deal_with_lines, products):
    response = login(org.rep).get(reverse("web:opportunity_edit", args=[deal_with_lines.pk]))
    page = response.content.decode()
    assert 'name="lines-TOTAL_FORMS" value="2"' in page
    assert 'name="lines-INITIAL_FORMS" value="2"' in page
    basic = products["basic"].pk
    assert f'<option value="{basic}" selected data-price="1200.00">E1 · ERP 基础版</option>' in page
    assert (
        f'<option value="{products["retired"].pk}" selected data-price="5.00">E0 · 旧版</option>'
        in (page)
    )
    assert 'name="lines-0-quantity" id="id_lines-0-quantity" value="2.00"' in page
    assert 'name="lines-1-unit_price" id="id_lines-1-unit_price" value="7.00"' in page


def _edit_data(opp, rows, *, amount, version, initial=2, title=None):
    data = {
        "title": title or opp.title,
        "amount": amount,
        "version": version,
        **_management(len(rows), initial),
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    return data


def test_edit_replaces_removes_and_adds_lines_and_sums_an_empty_amount(
    org, login, deal_with_lines, products
):
    opp = deal_with_lines
    assert opp.amount == Decimal("2407.00")
    rows = [
        {"product": products["basic"].pk, "quantity": "2.00", "unit_price": "1200.00"},
        {"product": products["retired"].pk, "quantity": "1", "unit_price": "7", "DELETE": "on"},
        {"product": products["pro"].pk, "quantity": "1", "unit_price": ""},
    ]
    response = login(org.rep).post(
        reverse("web:opportunity_edit", args=[opp.pk]),
        _edit_data(opp, rows, amount="", version=opp.version),
    )
    assert response.status_code == 302
    opp.refresh_from_db()
    assert _stored(opp) == [
        ("E1", Decimal("2.00"), Decimal("1200.00")),
        ("E2", Decimal("1.00"), Decimal("3000.50")),
    ]
    assert (opp.amount, opp.version) == (Decimal("5400.50"), 2)


def test_edit_with_unchanged_lines_changes_nothing(org, login, deal_with_lines, products):
    opp = deal_with_lines
    rows = [
        {"product": products["basic"].pk, "quantity": "2", "unit_price": "1200"},
        {"product": products["retired"].pk, "quantity": "1.00", "unit_price": "7.00"},
    ]
    before = _stored(opp)
    response = login(org.rep).post(
        reverse("web:opportunity_edit", args=[opp.pk]),
        _edit_data(opp, rows, amount="2407.00", version=opp.version),
    )
    assert response.status_code == 302
    opp.refresh_from_db()
    assert (opp.version, _stored(opp)) == (1, before)


def test_stale_edit_of_the_lines_is_refused_and_changes_nothing(
    org, login, deal_with_lines, products
):
    from salesdesk.pipeline import services

    opp = deal_with_lines
    services.opportunity_update(
        actor=org.lead, opportunity=opp, expected_version=1, title="别人改了"
    )
    before = _stored(opp)
    rows = [{"product": products["pro"].pk, "quantity": "9", "unit_price": ""}]
    response = login(org.rep).post(
        reverse("web:opportunity_edit", args=[opp.pk]),
        _edit_data(opp, rows, amount="", version=1, initial=0),
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    opp.refresh_from_db()
    assert (opp.title, opp.version, opp.amount) == ("别人改了", 2, Decimal("2407.00"))
    assert _stored(opp) == before
