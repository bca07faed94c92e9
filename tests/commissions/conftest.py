"""Fixtures of the commission tests: a catalogue of two product lines, contracts with lines,
payments and returns written directly (the statements only read them), goals per rep."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from salesdesk.commissions import services
from salesdesk.metrics.sources import add_rows
from salesdesk.org.models import Role
from salesdesk.sales.models import (
    Contract,
    ContractLine,
    Instalment,
    Payment,
    PaymentPlan,
    Product,
    ProductLine,
    SalesReturn,
)
from salesdesk.targets.models import Goal, GoalPart, Granularity, OwnerKind
from tests.customers.conftest import make_customer
from tests.web.conftest import login  # noqa: F401  (the signed-in client fixture)

MARCH = date(2026, 3, 10)
_numbers = count(1)


@pytest.fixture
def finance(org):
    from tests.conftest import make_user

    return make_user("finance", "finance", org.hq, display_name="钱财务 Finance")


@pytest.fixture
def lines(db):
    sw = ProductLine.objects.create(code="SW", name="软件 Software")
    hw = ProductLine.objects.create(code="HW", name="硬件 Hardware")
    return {
        "sw": sw,
        "hw": hw,
        "crm": Product.objects.create(product_line=sw, code="CRM", name="CRM", list_price=1),
        "box": Product.objects.create(product_line=hw, code="BOX", name="Box", list_price=1),
    }


def contract(owner, lines_spec, *, signed=MARCH, status="active", customer=None):
    """lines_spec: [(product, amount)]."""
    customer = customer or make_customer(owner, f"客户 {next(_numbers)} 有限公司")
    total = sum((Decimal(a) for _p, a in lines_spec), Decimal(0))
    c = Contract.objects.create(
        customer=customer,
        number=f"HT-{next(_numbers):05d}",
        title="合同",
        status=status,
        signed_on=signed,
        activated_at=timezone.make_aware(datetime.combine(signed, datetime.min.time())),
        total_amount=total,
        owner=owner,
        org_unit=owner.unit,
    )
    for i, (product, amount) in enumerate(lines_spec):
        ContractLine.objects.create(
            contract=c,
            position=i,
            product=product,
            quantity=1,
            unit_price=Decimal(amount),
            amount=Decimal(amount),
        )
    return c


def pay(c, amount, day=MARCH):
    plan, _ = PaymentPlan.objects.get_or_create(contract=c)
    inst = Instalment.objects.create(
        plan=plan, contract=c, position=plan.instalments.count() + 1, due_on=day, amount=amount
    )
    return Payment.objects.create(
        contract=c,
        instalment=inst,
        received_on=day,
        amount=Decimal(amount),
        recorded_by=c.owner,
    )


def give_back(c, product, amount, day=MARCH):
    line = c.lines.get(product=product)
    return SalesReturn.objects.create(
        contract=c,
        line=line,
        product=product,
        quantity=1,
        amount=Decimal(amount),
        returned_on=day,
        reason="质量问题",
        recorded_by=c.owner,
    )


def goal_for(user, metric, target, start=date(2026, 3, 1), end=date(2026, 3, 31)):
    """An active personal goal with one month part (what a decomposition leaves for a rep)."""
    g = Goal.objects.create(
        name="目标",
        metric=metric,
        owner_kind=OwnerKind.USER,
        period_kind="month",
        period_start=start,
        period_end=end,
        target_value=Decimal(target),
        status="active",
        created_by=user,
        owner=user,
        org_unit=user.unit,
        split_method="equal",
    )
    GoalPart.objects.create(
        goal=g,
        granularity=Granularity.MONTH,
        owner_user=user,
        owner_unit=user.unit,
        start=start,
        end=end,
        amount=Decimal(target),
    )
    return g


def fact(user, key, day, value):
    add_rows([(key, user.pk, user.unit_id, day, value, 1)])


BANDS = [
    {"from": "0", "rate": "2"},
    {"from": "80", "rate": "3"},
    {"from": "100", "rate": "4"},
    {"from": "120", "rate": "5"},
]


def make_plan(actor, **fields):
    data = {
        "name": "销售提成 Rep commission",
        "role": Role.objects.get(code="rep").pk,
        "period_kind": "month",
        "base": "payments",
        "base_rate": "1",
        "bands": BANDS,
    }
    data.update(fields)
    return services.commission_plan_create(actor=actor, **data)


@pytest.fixture
def plan(org):
    return make_plan(org.admin)
