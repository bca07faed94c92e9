"""Helpers for the sales tests: a small catalogue, customers and contracts made through the
services, approval chains."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from salesdesk.org.models import Role
from salesdesk.sales import services as catalogue
from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import Channel, Product, ProductLine
from tests.customers.conftest import make_customer


@dataclass
class Catalogue:
    line: ProductLine
    crm: Product  # list price 1,000.00
    support: Product  # list price 199.99
    online: Channel


def make_catalogue(admin) -> Catalogue:
    line = catalogue.product_line_create(actor=admin, code="SW", name="软件 Software")
    crm = catalogue.product_create(
        actor=admin,
        product_line=line,
        code="CRM-STD",
        name="CRM 标准版",
        list_price=Decimal("1000"),
    )
    support = catalogue.product_create(
        actor=admin,
        product_line=line,
        code="SUP-1Y",
        name="年度支持 Support",
        unit="年",
        list_price=Decimal("199.99"),
    )
    online = Channel.objects.create(code="ONLINE", name="线上 Online", type="online")
    return Catalogue(line, crm, support, online)


@pytest.fixture
def cat(org) -> Catalogue:
    return make_catalogue(org.admin)


def make_contract(owner, customer, cat: Catalogue, *, quantity="2", **fields):
    fields.setdefault("title", f"合同 {customer.name}")
    return contracts.contract_create(
        actor=owner,
        customer=customer,
        lines=fields.pop(
            "lines", [{"product": cat.crm, "quantity": Decimal(quantity), "unit_price": "1000"}]
        ),
        **fields,
    )


def make_chain(admin, *, min_amount="10000", roles=("team_lead",), manager_first=False):
    steps = [{"kind": "manager"}] if manager_first else []
    steps += [{"kind": "role", "role": Role.objects.get(code=code)} for code in roles]
    return contracts.approval_chain_create(
        actor=admin, name=f"≥{min_amount}", min_amount=Decimal(min_amount), steps=steps
    )


@pytest.fixture
def customers(org):
    return {
        "rep": make_customer(org.rep, "北京星辰科技有限公司", level="A"),
        "other_rep": make_customer(org.other_rep, "上海远航贸易有限公司", level="B"),
    }
