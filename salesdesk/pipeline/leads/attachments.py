"""Leads as customer attachments (D19): a lead records the customer it was converted into. A
handover moves nothing (the lead's own owner stays); a merge points the lead to the kept
customer."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.handover.registry import Attachment, customer_attachments
from salesdesk.pipeline.leads.models import Lead


def _handover(*, customer_ids, from_user, to_user, actor) -> int:
    return 0


def _merge(*, source, target, actor) -> int:
    return Lead.all_objects.filter(converted_customer=source).update(
        converted_customer=target, updated_at=timezone.now()
    )


def _count(customer_ids) -> int:
    return 0


customer_attachments.register(
    Attachment(
        key="leads",
        label=_("Converted leads"),
        on_handover=_handover,
        on_merge=_merge,
        count=_count,
        covers=("pipeline.lead",),
    )
)
