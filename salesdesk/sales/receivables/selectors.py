"""Reads of receivables (SAL-3), through the scoping function: what the viewer may see of the
contracts' instalments and payments. Totals are single SQL aggregates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from salesdesk.org.scoping import visible_to
from salesdesk.sales.models import Instalment, Payment

BUCKETS = ("due_soon", "overdue", "open", "paid", "all")


def reminder_days() -> int:
    return int(getattr(settings, "SALESDESK_RECEIVABLE_REMINDER_DAYS", 7))


def instalments_visible(user) -> QuerySet[Instalment]:
    return visible_to(
        Instalment.objects.filter(contract__deleted_at__isnull=True).exclude(
            contract__status="void"
        ),
        user,
    )


def receivables(
    user,
    *,
    bucket: str = "open",
    owner: int | None = None,
    customer: int | None = None,
    today: date | None = None,
) -> QuerySet[Instalment]:
    today = today or timezone.localdate()
    qs = instalments_visible(user)
    open_q = Q(paid_amount__lt=F("amount"))
    if bucket == "due_soon":
        qs = qs.filter(
            open_q, due_on__gte=today, due_on__lte=today + timedelta(days=reminder_days())
        )
    elif bucket == "overdue":
        qs = qs.filter(open_q, due_on__lt=today)
    elif bucket == "open":
        qs = qs.filter(open_q)
    elif bucket == "paid":
        qs = qs.filter(paid_amount__gte=F("amount"))
    elif bucket != "all":
        qs = qs.none()
    if owner:
        qs = qs.filter(contract__owner_id=owner)
    if customer:
        qs = qs.filter(contract__customer_id=customer)
    return qs.select_related("contract__customer", "contract__owner").order_by(
        "due_on", "contract_id", "position"
    )


def totals(user, *, today: date | None = None) -> dict[str, Decimal]:
    """Planned, received, outstanding and overdue amounts over what the user can see."""
    today = today or timezone.localdate()
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=2))
    money = DecimalField(max_digits=18, decimal_places=2)
    row = instalments_visible(user).aggregate(
        planned=Coalesce(Sum("amount"), zero, output_field=money),
        received=Coalesce(Sum("paid_amount"), zero, output_field=money),
        overdue=Coalesce(
            Sum(F("amount") - F("paid_amount"), filter=Q(due_on__lt=today)),
            zero,
            output_field=money,
        ),
    )
    row["outstanding"] = row["planned"] - row["received"]
    return {k: Decimal(v).quantize(Decimal("0.01")) for k, v in row.items()}


def payments_of(user, contract_id: int) -> QuerySet[Payment]:
    return (
        visible_to(Payment.objects.filter(contract_id=contract_id), user)
        .select_related("recorded_by", "instalment")
        .order_by("-received_on", "-id")
    )
