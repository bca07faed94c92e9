"""Returns (SAL-4) against contract lines and the return rate by product, customer and rep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import SalesReturn
from salesdesk.sales.returns.selectors import return_rates, returns_visible
from salesdesk.sales.returns.services import sales_return_record
from tests.sales.conftest import make_contract

pytestmark = pytest.mark.django_db


def sold(org, cat, customer, owner=None):
    owner = owner or org.rep
    contract = make_contract(
        owner,
        customer,
        cat,
        lines=[
            {"product": cat.crm, "quantity": 3, "unit_price": "100"},  # 300.00
            {"product": cat.support, "quantity": 1, "unit_price": "50"},  # 50.00
        ],
    )
    contracts.contract_submit(actor=owner, contract=contract)
    contract.refresh_from_db()
    return contract


def test_returns_take_a_share_of_the_line_and_never_exceed_it(org, cat, customers):
    contract = sold(org, cat, customers["rep"])
    crm_line = contract.lines.get(position=1)
    with pytest.raises(ValidationError):
        sales_return_record(
            actor=org.rep, line=crm_line, quantity=1, reason="", returned_on=date(2026, 3, 1)
        )
    first = sales_return_record(
        actor=org.rep, line=crm_line, quantity=1, reason="损坏", returned_on=date(2026, 3, 1)
    )
    assert first.amount == Decimal("100.00")
    with pytest.raises(ValidationError):
        sales_return_record(
            actor=org.rep, line=crm_line, quantity=3, reason="多退", returned_on=date(2026, 3, 1)
        )
    with pytest.raises(contract.DoesNotExist):
        sales_return_record(
            actor=org.other_rep, line=crm_line, quantity=1, reason="x", returned_on=date(2026, 3, 1)
        )
    draft = make_contract(org.rep, customers["rep"], cat)
    with pytest.raises(ValidationError):
        sales_return_record(
            actor=org.rep,
            line=draft.lines.get(),
            quantity=1,
            reason="未生效",
            returned_on=date(2026, 3, 1),
        )
    assert SalesReturn.objects.count() == 1


def test_a_line_returned_in_thirds_returns_exactly_its_amount(org, cat, customers):
    contract = make_contract(
        org.rep,
        customers["rep"],
        cat,
        lines=[{"product": cat.crm, "quantity": 3, "unit_price": "33.33"}],
    )
    contracts.contract_submit(actor=org.rep, contract=contract)
    line = contract.lines.get()  # 99.99
    amounts = [
        sales_return_record(
            actor=org.rep, line=line, quantity=1, reason="退", returned_on=date(2026, 3, 1)
        ).amount
        for _ in range(3)
    ]
    assert amounts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.33")]
    assert sum(amounts) == line.amount


def test_return_rates_by_product_customer_and_rep(org, cat, customers):
    mine = sold(org, cat, customers["rep"])
    theirs = sold(org, cat, customers["other_rep"], owner=org.other_rep)
    sales_return_record(
        actor=org.rep,
        line=mine.lines.get(position=1),
        quantity=1,
        reason="损坏",
        returned_on=date(2026, 3, 1),
    )
    sales_return_record(
        actor=org.other_rep,
        line=theirs.lines.get(position=2),
        quantity=1,
        reason="错发",
        returned_on=date(2026, 3, 2),
    )
    by_product = {
        r["name"]: (r["sold"], r["returned"], r["rate"]) for r in return_rates(org.director)
    }
    assert by_product == {
        "CRM-STD · CRM 标准版": (Decimal("600.00"), Decimal("100.00"), Decimal("16.67")),
        "SUP-1Y · 年度支持 Support": (Decimal("100.00"), Decimal("50.00"), Decimal("50.00")),
    }
    by_rep = {r["name"]: r["rate"] for r in return_rates(org.director, by="rep")}
    assert by_rep == {"张三 Zhang San": Decimal("28.57"), "赵六 Zhao Liu": Decimal("14.29")}
    by_customer = {r["name"]: r["rate"] for r in return_rates(org.rep, by="customer")}
    assert by_customer == {"北京星辰科技有限公司": Decimal("28.57")}
    assert [r.reason for r in returns_visible(org.rep)] == ["损坏"]
