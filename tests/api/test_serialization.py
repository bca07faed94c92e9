"""Lists built without a second validation (salesdesk.api.serialization) answer exactly what the
validated path answers, and schemas with validators are refused."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from ninja import Schema
from ninja.renderers import JSONRenderer
from pydantic import field_validator

from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.api.serialization import dump, page_response
from salesdesk.api.v1.customers import CustomerOut
from salesdesk.customers import services
from salesdesk.customers.models import Customer, Tag
from salesdesk.customers.selectors import customer_list
from tests.customers.conftest import make_customer


def _json(value) -> object:
    return json.loads(JSONRenderer().render(None, value, response_status=200))


def test_the_customer_page_equals_the_validated_page(org):
    tags = [Tag.objects.create(name=name, category=Tag.Category.LABEL) for name in ("展会", "华北")]
    make_customer(
        org.rep,
        "北京星辰科技有限公司",
        level="A",
        phone="13800138000",
        annual_revenue=Decimal("1234.50"),
        first_purchase_at=date(2024, 5, 1),
        tags=tags,
    )
    make_customer(org.rep, "Acme Ltd", kind="individual", email="a@example.com")
    customer = make_customer(org.other_rep, "上海蓝海贸易有限公司", level="B")
    services.customer_update(
        actor=org.other_rep, customer=customer, expected_version=customer.version, notes="备注"
    )
    params = PageParams(page=1, page_size=50)
    rows = customer_list(org.admin)
    validated = page_of(CustomerOut).model_validate(paginate(rows, params)).model_dump()
    fast = page_response(None, paginate(customer_list(org.admin), params), CustomerOut)
    assert fast.status_code == 200
    assert json.loads(fast.content) == _json(validated)
    assert _json(validated)["count"] == 3
    first = next(i for i in _json(validated)["items"] if i["name"] == "北京星辰科技有限公司")
    assert (first["annual_revenue"], first["first_purchase_at"], first["level_label"]) == (
        "1234.50",
        "2024-05-01",
        "A · Key account",
    )
    assert sorted(t["name"] for t in first["tags"]) == ["华北", "展会"]
    assert Customer.objects.count() == 3


def test_an_empty_page_and_a_page_past_the_end(org):
    params = PageParams(page=3, page_size=10)
    fast = page_response(None, paginate(customer_list(org.admin), params), CustomerOut)
    assert json.loads(fast.content) == {
        "items": [],
        "count": 0,
        "page": 3,
        "page_size": 10,
        "pages": 1,
    }


def test_schemas_with_validators_are_refused():
    class Checked(Schema):
        name: str

        @field_validator("name")
        @classmethod
        def strip(cls, value: str) -> str:
            return value.strip()

    with pytest.raises(TypeError, match="validators"):
        dump(Checked, {"name": " x "})
