"""Opportunities as customer attachments (D19): on a handover the previous owner's open deals
move to the new owner (with the new owner's unit); on a merge every deal of the duplicate moves
to the kept customer. Constant queries per call."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.handover.registry import Attachment, customer_attachments
from salesdesk.pipeline.models import Opportunity, OpportunityStatus


def _handover(*, customer_ids, from_user, to_user, actor) -> int:
    return Opportunity.objects.filter(
        customer_id__in=customer_ids, owner_id=from_user.pk, status=OpportunityStatus.OPEN
    ).update(owner_id=to_user.pk, org_unit_id=to_user.unit_id, updated_at=timezone.now())


def _merge(*, source, target, actor) -> int:
    return Opportunity.all_objects.filter(customer=source).update(
        customer=target, updated_at=timezone.now()
    )


def _count(customer_ids) -> int:
    return Opportunity.objects.filter(
        customer_id__in=customer_ids, status=OpportunityStatus.OPEN
    ).count()


customer_attachments.register(
    Attachment(
        key="opportunities",
        label=_("Open opportunities"),
        on_handover=_handover,
        on_merge=_merge,
        count=_count,
        covers=("pipeline.opportunity",),
    )
)
