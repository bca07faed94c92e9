"""To-do inbox source: contracts waiting for the user's approval (SAL-2). One query for the
items, one for the count."""

from __future__ import annotations

from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.sales.contracts.selectors import pending_for


def _url(pk: int) -> str:
    try:
        return reverse("web:contract_detail", args=[pk])
    except NoReverseMatch:
        return ""


def approval_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    rows = (
        pending_for(user)
        .filter(submitted_at__lte=until)
        .select_related("contract__customer")
        .order_by("submitted_at", "id")[:limit]
    )
    return [
        InboxItem(
            kind="contract_approval",
            due_at=a.submitted_at,
            title=_("Approve contract %(number)s") % {"number": a.contract.number},
            body=f"{a.contract.title} · ¥{a.contract.total_amount:,.2f}",
            url=_url(a.contract_id),
            icon="patch-check",
            customer_name=a.contract.customer.name,
            key=f"contract_approval:{a.pk}",
        )
        for a in rows
    ]


def approval_count(user, *, until: datetime) -> int:
    return pending_for(user).filter(submitted_at__lte=until).count()


inbox_registry.register(
    "contract_approval",
    label=gettext_lazy("Contracts to approve"),
    items=approval_items,
    count=approval_count,
    icon="patch-check",
)
