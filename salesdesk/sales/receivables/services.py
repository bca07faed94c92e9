"""Writes of receivables (SAL-3).

- A payment plan belongs to an active or completed contract; its instalments' amounts sum to the
  contract's total to the cent (a plan that does not is refused). It can be replaced while no
  payment has been recorded against it; edits are optimistic-locked.
- A payment is received against one instalment, for at most what is still open on it; it needs
  write access to the contract. Bad input raises ValidationError and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from salesdesk.core.changes import record_changes
from salesdesk.core.locking import StaleEditError, changes_since
from salesdesk.org.models import User
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.sales.models import (
    Contract,
    ContractStatus,
    Instalment,
    Payment,
    PaymentMethod,
    PaymentPlan,
)
from salesdesk.sales.services import money

PLANNABLE = (ContractStatus.ACTIVE, ContractStatus.COMPLETED)
MAX_INSTALMENTS = 60


def _editable_contract(actor: User, pk: int) -> Contract:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))
    contract = editable_by(Contract.objects.select_for_update(), actor).filter(pk=pk).first()
    if contract is None:
        if visible_to(Contract.objects.filter(pk=pk), actor).exists():
            raise PermissionDenied(_("You may view this contract but not change it."))
        raise Contract.DoesNotExist
    return contract


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (1-31 → 2-28)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def equal_instalments(
    total: Decimal, *, count: int, first_due: date, months: int = 1
) -> list[dict]:
    """`count` instalments `months` apart; equal amounts rounded down to the cent, the
    remainder on the last one, so they always sum to `total`."""
    if count < 1 or count > MAX_INSTALMENTS:
        raise ValidationError({"count": [_("Between 1 and 60 instalments.")]})
    share = (total / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    rows = [{"due_on": add_months(first_due, months * i), "amount": share} for i in range(count)]
    rows[-1]["amount"] = total - share * (count - 1)
    return rows


@transaction.atomic
def payment_plan_set(
    *,
    actor: User,
    contract: Contract,
    instalments: Iterable[dict],
    notes: str = "",
    expected_version: int | None = None,
    request=None,
) -> PaymentPlan:
    """Create or replace the contract's payment plan: [{"due_on": date, "amount": Decimal}]."""
    current = _editable_contract(actor, contract.pk)
    if current.status not in PLANNABLE:
        raise ValidationError(_("Only an active or completed contract has a payment plan."))
    rows = list(instalments)
    if not rows:
        raise ValidationError({"instalments": [_("Add at least one instalment.")]})
    if len(rows) > MAX_INSTALMENTS:
        raise ValidationError({"instalments": [_("Between 1 and 60 instalments.")]})
    cleaned = []
    for i, row in enumerate(rows, start=1):
        due = row.get("due_on")
        if not isinstance(due, date):
            raise ValidationError(
                {"instalments": [_("Instalment %(n)d: enter a due date.") % {"n": i}]}
            )
        amount = money(row.get("amount"), "instalments")
        if amount <= 0:
            raise ValidationError(
                {"instalments": [_("Instalment %(n)d: enter an amount above zero.") % {"n": i}]}
            )
        cleaned.append((due, amount))
    cleaned.sort(key=lambda r: r[0])
    total = sum((a for _d, a in cleaned), Decimal(0))
    if total != current.total_amount:
        raise ValidationError(
            {
                "instalments": [
                    _("The instalments add up to ¥%(sum)s, the contract total is ¥%(total)s.")
                    % {"sum": f"{total:,.2f}", "total": f"{current.total_amount:,.2f}"}
                ]
            }
        )
    plan = PaymentPlan.objects.select_for_update().filter(contract=current).first()
    if plan is None:
        plan = PaymentPlan.objects.create(contract=current, notes=(notes or "").strip())
    else:
        if expected_version is not None and plan.version != expected_version:
            raise StaleEditError(plan, changes_since(plan, expected_version))
        if Payment.objects.filter(contract=current).exists():
            raise ValidationError(
                _("Payments have been recorded against this plan; it can no longer be replaced.")
            )
        plan.instalments.all().delete()
        PaymentPlan.objects.filter(pk=plan.pk).update(
            version=F("version") + 1, notes=(notes or "").strip()
        )
        plan.refresh_from_db()
    Instalment.objects.bulk_create(
        [
            Instalment(plan=plan, contract=current, position=i, due_on=due, amount=amount)
            for i, (due, amount) in enumerate(cleaned, start=1)
        ]
    )
    return plan


@transaction.atomic
def payment_record(
    *,
    actor: User,
    instalment: Instalment,
    amount: Decimal,
    received_on: date,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    request=None,
) -> Payment:
    """Record money received against one instalment."""
    contract = _editable_contract(actor, instalment.contract_id)
    current = Instalment.objects.select_for_update().get(pk=instalment.pk)
    amount = money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": [_("Enter an amount above zero.")]})
    outstanding = current.amount - current.paid_amount
    if amount > outstanding:
        raise ValidationError(
            {
                "amount": [
                    _("Only ¥%(open)s is still open on this instalment.")
                    % {"open": f"{outstanding:,.2f}"}
                ]
            }
        )
    if not isinstance(received_on, date):
        raise ValidationError({"received_on": [_("Enter a valid date.")]})
    if method not in PaymentMethod.values:
        raise ValidationError({"method": [_("Select a valid payment method.")]})
    payment = Payment.objects.create(
        contract=contract,
        instalment=current,
        received_on=received_on,
        amount=amount,
        method=method,
        reference=(reference or "").strip()[:100],
        recorded_by=actor,
    )
    Instalment.objects.filter(pk=current.pk).update(paid_amount=F("paid_amount") + amount)
    record_changes.created(Payment, [payment.pk])  # the metric layer (D43)
    return payment
