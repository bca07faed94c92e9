"""Contracts as customer attachments (customers/handover/registry.py): on handover the previous
owner's open contracts (draft, in approval, active) move to the new owner; closed ones stay with
whoever closed the sale. On merge every contract of the duplicate moves to the kept customer."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.core.changes import record_changes
from salesdesk.customers.handover.registry import Attachment, customer_attachments
from salesdesk.sales.models import Contract, ContractStatus

OPEN = (ContractStatus.DRAFT, ContractStatus.IN_APPROVAL, ContractStatus.ACTIVE)


def _handover(*, customer_ids, from_user, to_user, actor) -> int:
    moving = Contract.objects.filter(
        customer_id__in=customer_ids, owner_id=from_user.pk, status__in=OPEN
    )
    # An active contract's figures move with it (the metric layer, D43).
    with record_changes.tracking(Contract, moving.values_list("pk", flat=True)):
        return moving.update(
            owner_id=to_user.pk, org_unit_id=to_user.unit_id, updated_at=timezone.now()
        )


def _merge(*, source, target, actor) -> int:
    return Contract.all_objects.filter(customer=source).update(
        customer=target, updated_at=timezone.now()
    )


def _count(customer_ids) -> int:
    return Contract.objects.filter(customer_id__in=customer_ids, status__in=OPEN).count()


customer_attachments.register(
    Attachment(
        key="contracts",
        label=_("Open contracts"),
        on_handover=_handover,
        on_merge=_merge,
        count=_count,
        covers=("sales.contract",),
    )
)
