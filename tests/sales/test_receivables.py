"""Receivables (SAL-3): payment plans that sum to the contract total, payments against
instalments, overdue lists and totals, reminders in the to-do inbox."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdesk.core.inbox import inbox_items
from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import Instalment, Payment
from salesdesk.sales.receivables import selectors, services
from tests.sales.conftest import make_contract

pytestmark = pytest.mark.django_db


def active_contract(org, cat, customer, quantity="3"):
    contract = make_contract(
        org.rep,
        customer,
        cat,
        lines=[{"product": cat.support, "quantity": Decimal(quantity)}],  # 199.99 each
    )
    contracts.contract_submit(actor=org.rep, contract=contract)
    contract.refresh_from_db()
    assert contract.status == "active"
    return contract


@given(
    total=st.decimals(min_value="0.01", max_value="99999999.99", places=2),
    count=st.integers(min_value=1, max_value=60),
)
@settings(max_examples=200, deadline=None)
def test_equal_instalments_always_sum_to_the_total(total, count):
    rows = services.equal_instalments(total, count=count, first_due=date(2026, 1, 31))
    assert sum(r["amount"] for r in rows) == total
    assert len(rows) == count
    assert all(r["amount"].as_tuple().exponent == -2 for r in rows)
    if count > 1:
        assert rows[1]["due_on"] == date(2026, 2, 28)


def test_plan_must_sum_to_the_total_and_payments_close_it(org, cat, customers):
    contract = active_contract(org, cat, customers["rep"])  # 599.97
    with pytest.raises(ValidationError) as exc:
        services.payment_plan_set(
            actor=org.rep,
            contract=contract,
            instalments=[{"due_on": date(2026, 1, 10), "amount": "300"}],
        )
    assert exc.value.message_dict["instalments"] == [
        "The instalments add up to ¥300.00, the contract total is ¥599.97."
    ]
    with pytest.raises(type(contract).DoesNotExist):
        services.payment_plan_set(
            actor=org.other_rep,
            contract=contract,
            instalments=services.equal_instalments(
                contract.total_amount, count=3, first_due=date(2026, 1, 10)
            ),
        )
    plan = services.payment_plan_set(
        actor=org.rep,
        contract=contract,
        instalments=services.equal_instalments(
            contract.total_amount, count=3, first_due=date(2026, 1, 10)
        ),
    )
    rows = list(plan.instalments.order_by("position").values_list("due_on", "amount"))
    assert rows == [
        (date(2026, 1, 10), Decimal("199.99")),
        (date(2026, 2, 10), Decimal("199.99")),
        (date(2026, 3, 10), Decimal("199.99")),
    ]
    first, second, third = plan.instalments.order_by("position")
    services.payment_record(
        actor=org.rep, instalment=first, amount=Decimal("199.99"), received_on=date(2026, 1, 9)
    )
    services.payment_record(
        actor=org.rep, instalment=second, amount=Decimal("50"), received_on=date(2026, 2, 12)
    )
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            actor=org.rep, instalment=second, amount=Decimal("150"), received_on=date(2026, 2, 12)
        )
    assert exc.value.message_dict["amount"] == ["Only ¥149.99 is still open on this instalment."]
    with pytest.raises(ValidationError):  # a plan with payments is not replaced
        services.payment_plan_set(
            actor=org.rep,
            contract=contract,
            instalments=[{"due_on": date(2026, 5, 1), "amount": contract.total_amount}],
        )
    today = date(2026, 3, 5)
    assert selectors.totals(org.rep, today=today) == {
        "planned": Decimal("599.97"),
        "received": Decimal("249.99"),
        "outstanding": Decimal("349.98"),
        "overdue": Decimal("149.99"),
    }
    assert list(selectors.receivables(org.rep, bucket="overdue", today=today)) == [second]
    assert list(selectors.receivables(org.rep, bucket="due_soon", today=today)) == [third]
    assert list(selectors.receivables(org.rep, bucket="paid", today=today)) == [first]
    assert list(selectors.receivables(org.other_rep, bucket="all", today=today)) == []
    assert selectors.totals(org.other_rep)["planned"] == Decimal("0.00")
    assert Payment.objects.count() == 2


def test_plans_need_an_active_contract_and_write_access(org, cat, customers):
    draft = make_contract(org.rep, customers["rep"], cat)
    with pytest.raises(ValidationError):
        services.payment_plan_set(
            actor=org.rep,
            contract=draft,
            instalments=[{"due_on": date(2026, 1, 1), "amount": draft.total_amount}],
        )
    contract = active_contract(org, cat, customers["rep"])
    plan = services.payment_plan_set(
        actor=org.rep,
        contract=contract,
        instalments=[{"due_on": date(2026, 1, 1), "amount": contract.total_amount}],
    )
    with pytest.raises(PermissionDenied):
        services.payment_record(
            actor=org.deactivated,
            instalment=plan.instalments.get(),
            amount=Decimal(1),
            received_on=date(2026, 1, 1),
        )
    assert Instalment.objects.get().paid_amount == Decimal("0.00")


def test_due_instalments_remind_the_owner_in_the_inbox(org, cat, customers):
    contract = active_contract(org, cat, customers["rep"], quantity="1")
    today = timezone.localdate()
    services.payment_plan_set(
        actor=org.rep,
        contract=contract,
        instalments=[
            {
                "due_on": today.replace(day=1) if today.day > 1 else today,
                "amount": contract.total_amount,
            }
        ],
    )
    until = timezone.make_aware(datetime.combine(today, datetime.max.time()))
    items = inbox_items(org.rep, until=until, kinds={"receivable"})
    assert [i.title for i in items] == [f"Payment due: {contract.number}, instalment 1"]
    assert inbox_items(org.lead, until=until, kinds={"receivable"}) == []
