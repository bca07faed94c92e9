"""Reads of returns (SAL-4), scoped: the returns list and the return rate (returned amount /
sold amount of active and completed contracts) by product, customer or rep — two aggregate
queries whatever the number of rows."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum
from django.db.models.functions import Coalesce

from salesdesk.org.scoping import visible_to
from salesdesk.sales.models import ContractLine, SalesReturn

GROUPS = {
    "product": ("product_id", "product__code", "product__name"),
    "customer": ("contract__customer_id", "contract__customer__name", None),
    "rep": ("contract__owner_id", "contract__owner__display_name", "contract__owner__username"),
}
SOLD = ("active", "completed")


def returns_visible(user) -> QuerySet[SalesReturn]:
    return visible_to(
        SalesReturn.objects.filter(contract__deleted_at__isnull=True), user
    ).select_related("contract__customer", "product", "recorded_by")


def return_rates(user, *, by: str = "product", limit: int = 100) -> list[dict]:
    key, label, extra = GROUPS.get(by, GROUPS["product"])
    money = DecimalField(max_digits=18, decimal_places=2)
    fields = [f for f in (key, label, extra) if f]
    sold_lines = _scoped_lines(user)
    sold = {
        row[key]: row
        for row in sold_lines.values(*fields)
        .annotate(sold=Coalesce(Sum("amount"), Decimal(0), output_field=money))
        .order_by()
    }
    returned = {
        row[key]: row["returned"]
        for row in returns_visible(user)
        .filter(contract__status__in=SOLD)
        .values(key)
        .annotate(returned=Coalesce(Sum("amount"), Decimal(0), output_field=money))
        .order_by()
    }
    rows = []
    for k, row in sold.items():
        name = row[label] or (row[extra] if extra else "") or ""
        if by == "product":
            name = f"{row['product__code']} · {row['product__name']}"
        amount = returned.get(k, Decimal(0))
        rate = (amount / row["sold"] * 100).quantize(Decimal("0.01")) if row["sold"] else None
        rows.append({"key": k, "name": name, "sold": row["sold"], "returned": amount, "rate": rate})
    rows.sort(key=lambda r: (-(r["rate"] or 0), -r["sold"], str(r["name"])))
    return rows[:limit]


def _scoped_lines(user):
    """Lines of sold contracts the user can see (scoping through the contract)."""
    from salesdesk.sales.contracts.selectors import contracts_visible

    return ContractLine.objects.filter(
        contract__in=contracts_visible(user).filter(status__in=SOLD).values("pk")
    )
