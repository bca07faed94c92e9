"""Writes of returns (SAL-4): a return is recorded against one line of an active or completed
contract, for at most the quantity not yet returned; its amount is the line amount's share,
rounded half up to the cent (the last return of a line takes what is left, so a fully returned
line returns exactly its amount). Needs write access to the contract."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from salesdesk.core.changes import record_changes
from salesdesk.org.models import User
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.sales.models import Contract, ContractLine, ContractStatus, SalesReturn

CENT = Decimal("0.01")


@transaction.atomic
def sales_return_record(
    *,
    actor: User,
    line: ContractLine,
    quantity: Decimal,
    reason: str,
    returned_on: date,
    request=None,
) -> SalesReturn:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))
    contract = (
        editable_by(Contract.objects.select_for_update(), actor).filter(pk=line.contract_id).first()
    )
    if contract is None:
        if visible_to(Contract.objects.filter(pk=line.contract_id), actor).exists():
            raise PermissionDenied(_("You may view this contract but not change it."))
        raise Contract.DoesNotExist
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.COMPLETED):
        raise ValidationError(_("Only an active or completed contract takes returns."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for the return.")]})
    try:
        quantity = Decimal(str(quantity)).quantize(CENT, rounding=ROUND_HALF_UP)
    except Exception:
        raise ValidationError({"quantity": [_("Enter a number.")]}) from None
    if not isinstance(returned_on, date):
        raise ValidationError({"returned_on": [_("Enter a valid date.")]})
    current = ContractLine.objects.get(pk=line.pk)
    done = SalesReturn.objects.filter(line=current).aggregate(q=Sum("quantity"), a=Sum("amount"))
    returned_qty = done["q"] or Decimal(0)
    returned_amount = done["a"] or Decimal(0)
    left = current.quantity - returned_qty
    if quantity <= 0 or quantity > left:
        raise ValidationError(
            {"quantity": [_("Enter a quantity between 0.01 and %(left)s.") % {"left": left}]}
        )
    if quantity == left:
        amount = current.amount - returned_amount
    else:
        amount = (current.amount * quantity / current.quantity).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    sales_return = SalesReturn.objects.create(
        contract=contract,
        line=current,
        product_id=current.product_id,
        quantity=quantity,
        amount=amount,
        returned_on=returned_on,
        reason=reason[:300],
        recorded_by=actor,
    )
    record_changes.created(SalesReturn, [sales_return.pk])  # the metric layer (D43)
    return sales_return
