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


# --- receivables due within the reminder window (SAL-3) -------------------------------------


def _due(user, until: datetime):
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from salesdesk.sales.receivables.selectors import instalments_visible, reminder_days

    horizon = timezone.localdate(until) + timedelta(days=reminder_days())
    return instalments_visible(user).filter(
        contract__owner_id=user.pk, paid_amount__lt=F("amount"), due_on__lte=horizon
    )


def receivable_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    from datetime import time

    from django.utils import timezone

    rows = (
        _due(user, until)
        .select_related("contract__customer")
        .order_by("due_on", "contract_id", "position")[:limit]
    )
    return [
        InboxItem(
            kind="receivable",
            due_at=timezone.make_aware(datetime.combine(i.due_on, time(9, 0))),
            title=_("Payment due: %(number)s, instalment %(n)d")
            % {"number": i.contract.number, "n": i.position},
            body=f"¥{i.amount - i.paid_amount:,.2f}",
            url=_url(i.contract_id),
            icon="cash-coin",
            customer_name=i.contract.customer.name,
            key=f"receivable:{i.pk}",
        )
        for i in rows
    ]


def receivable_count(user, *, until: datetime) -> int:
    return _due(user, until).count()


inbox_registry.register(
    "receivable",
    label=gettext_lazy("Payments due"),
    items=receivable_items,
    count=receivable_count,
    icon="cash-coin",
)
