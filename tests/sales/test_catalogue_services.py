"""Products, product lines and price lists (SAL-1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesdesk.core.locking import StaleEditError
from salesdesk.core.recycle import record_restore
from salesdesk.sales import services
from salesdesk.sales.models import Channel, PriceList, Product
from salesdesk.sales.selectors import price_for, product_list
from tests.customers.conftest import make_customer

pytestmark = pytest.mark.django_db


def test_only_configurers_change_the_catalogue(org, cat):
    for persona in ("rep", "lead", "director", "deactivated"):
        with pytest.raises(PermissionDenied):
            services.product_create(
                actor=getattr(org, persona), product_line=cat.line, code="X", name="X"
            )
        with pytest.raises(PermissionDenied):
            services.product_update(actor=getattr(org, persona), product=cat.crm, name="X")
    assert Product.objects.count() == 2
    assert [p.code for p in product_list(org.rep)] == ["CRM-STD", "SUP-1Y"]
    assert list(product_list(org.deactivated)) == []


def test_product_validation_locking_and_recycle_bin(org, cat):
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=org.admin, product_line=cat.line, code="crm-std", name="重复")
    assert exc.value.message_dict == {"code": ["This code is already used."]}
    with pytest.raises(ValidationError):
        services.product_create(
            actor=org.admin, product_line=cat.line, code="N", name="N", list_price="-1"
        )
    updated = services.product_update(
        actor=org.admin, product=cat.crm, expected_version=1, list_price="1200.005"
    )
    assert (updated.list_price, updated.version) == (Decimal("1200.01"), 2)
    with pytest.raises(StaleEditError):
        services.product_update(actor=org.admin, product=cat.crm, expected_version=1, name="旧")
    with pytest.raises(ValidationError):
        services.product_line_delete(actor=org.admin, line=cat.line)  # still has products
    services.product_delete(actor=org.admin, product=cat.support)
    assert [p.code for p in product_list(org.rep)] == ["CRM-STD"]
    record_restore(model=Product, pk=cat.support.pk, actor=org.admin)
    assert [p.code for p in product_list(org.rep, q="sup")] == ["SUP-1Y"]


def test_price_for_picks_the_most_specific_valid_list(org, cat):
    customer_a = make_customer(org.rep, "甲客户", level="A")
    customer_c = make_customer(org.rep, "丙客户", level="C")
    retail = Channel.objects.create(code="RETAIL", name="零售", type="direct")
    on = date(2026, 6, 1)
    assert price_for(cat.crm, customer=customer_a, channel=None, on=on) == Decimal("1000.00")
    services.price_list_create(
        actor=org.admin,
        name="2026 标准",
        valid_from=date(2026, 1, 1),
        items=[{"product": cat.crm, "price": "950"}],
    )
    services.price_list_create(
        actor=org.admin,
        name="旧价",
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
        items=[{"product": cat.crm, "price": "500"}],
    )
    services.price_list_create(
        actor=org.admin,
        name="A 级客户",
        valid_from=date(2026, 1, 1),
        customer_level="A",
        items=[{"product": cat.crm, "price": "900"}],
    )
    services.price_list_create(
        actor=org.admin,
        name="线上 A",
        valid_from=date(2026, 3, 1),
        customer_level="A",
        channel=cat.online,
        items=[{"product": cat.crm, "price": "880"}],
    )
    assert price_for(cat.crm, customer=customer_c, channel=None, on=on) == Decimal("950.00")
    assert price_for(cat.crm, customer=customer_a, channel=None, on=on) == Decimal("900.00")
    assert price_for(cat.crm, customer=customer_a, channel=cat.online, on=on) == Decimal("880.00")
    assert price_for(cat.crm, customer=customer_a, channel=retail, on=on) == Decimal("900.00")
    assert price_for(cat.crm, customer=customer_a, channel=None, on=date(2025, 6, 1)) == Decimal(
        "500.00"
    )
    assert price_for(cat.support, customer=customer_a, channel=None, on=on) == Decimal("199.99")


def test_price_list_items_are_validated(org, cat):
    with pytest.raises(ValidationError):
        services.price_list_create(
            actor=org.admin,
            name="重复",
            valid_from=date(2026, 1, 1),
            items=[{"product": cat.crm, "price": 1}, {"product": cat.crm, "price": 2}],
        )
    with pytest.raises(ValidationError):
        services.price_list_create(
            actor=org.admin, name="倒置", valid_from=date(2026, 2, 1), valid_until=date(2026, 1, 1)
        )
    assert PriceList.all_objects.count() == 0
