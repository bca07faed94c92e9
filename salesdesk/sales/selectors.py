"""Reads of the sales catalogue (SAL-1). The catalogue is company-wide: every signed-in, active
user may read it (deleted records are only in the recycle bin)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from salesdesk.sales.models import Channel, Partner, PriceList, PriceListItem, Product, ProductLine


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def product_lines(user) -> QuerySet[ProductLine]:
    qs = ProductLine.objects.all() if _active(user) else ProductLine.objects.none()
    return qs.order_by("sort_order", "name", "id")


def product_list(
    user,
    *,
    q: str = "",
    product_line: int | None = None,
    active: bool | None = None,
    sort: str = "code",
) -> QuerySet[Product]:
    qs = Product.objects.all() if _active(user) else Product.objects.none()
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if product_line:
        qs = qs.filter(product_line_id=product_line)
    if active is not None:
        qs = qs.filter(is_active=active)
    order = {
        "code": ["code", "id"],
        "-code": ["-code", "-id"],
        "name": ["name", "id"],
        "-name": ["-name", "-id"],
        "list_price": ["list_price", "id"],
        "-list_price": ["-list_price", "-id"],
    }.get(sort, ["code", "id"])
    return qs.select_related("product_line").order_by(*order)


def price_lists(user, *, on: date | None = None) -> QuerySet[PriceList]:
    qs = PriceList.objects.all() if _active(user) else PriceList.objects.none()
    if on is not None:
        qs = qs.filter(valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )
    return qs.select_related("channel").order_by("-valid_from", "name", "id")


def channels(user) -> QuerySet[Channel]:
    qs = Channel.objects.all() if _active(user) else Channel.objects.none()
    return qs.order_by("type", "name", "id")


def partners(user) -> QuerySet[Partner]:
    qs = Partner.objects.all() if _active(user) else Partner.objects.none()
    return qs.select_related("channel").order_by("name", "id")


def applicable_items(*, product_id: int, level: str, channel_id: int | None, on: date):
    """Price-list items for one product that apply to a sale, the most specific first: a list
    for both the channel and the customer level beats one for either, which beats a general
    one; among equals the list valid from the latest date wins, then the newest list."""
    channel_q = Q(price_list__channel__isnull=True)
    if channel_id:
        channel_q |= Q(price_list__channel_id=channel_id)
    level_q = Q(price_list__customer_level="")
    if level:
        level_q |= Q(price_list__customer_level=level)
    specificity = Case(
        When(price_list__channel__isnull=False, then=Value(2)),
        default=Value(0),
        output_field=IntegerField(),
    ) + Case(
        When(~Q(price_list__customer_level=""), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        PriceListItem.objects.filter(
            channel_q,
            level_q,
            product_id=product_id,
            price_list__deleted_at__isnull=True,
            price_list__is_active=True,
            price_list__valid_from__lte=on,
        )
        .filter(Q(price_list__valid_until__isnull=True) | Q(price_list__valid_until__gte=on))
        .annotate(specificity=specificity)
        .order_by("-specificity", "-price_list__valid_from", "-price_list_id")
    )


def price_for(product: Product, *, customer=None, channel=None, on: date) -> Decimal:
    """The unit price of `product` for a sale to `customer` through `channel` on day `on`: the
    most specific applicable price list's price, else the product's list price. One query."""
    item = applicable_items(
        product_id=product.pk,
        level=getattr(customer, "level", "") or "",
        channel_id=channel.pk if channel is not None else None,
        on=on,
    ).first()
    return item.price if item is not None else product.list_price


def channel_performance(user, *, start: date | None = None, end: date | None = None) -> list[dict]:
    """Per channel (and per partner within it): contracts signed, revenue (active and completed
    contracts) and average contract value, over the contracts `user` can see; one aggregate
    query. Contracts without a channel are grouped as channel None."""
    from django.db.models import Count, DecimalField, Sum
    from django.db.models.functions import Coalesce

    from salesdesk.sales.contracts.selectors import contracts_visible

    qs = contracts_visible(user).filter(status__in=("active", "completed"))
    if start:
        qs = qs.filter(signed_on__gte=start)
    if end:
        qs = qs.filter(signed_on__lte=end)
    rows = (
        qs.values("channel_id", "channel__name", "channel__type", "partner_id", "partner__name")
        .annotate(
            contracts=Count("id"),
            revenue=Coalesce(
                Sum("total_amount"),
                Decimal(0),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            ),
        )
        .order_by("channel__type", "channel__name", "channel_id", "partner__name", "partner_id")
    )
    channels: dict = {}
    for row in rows:
        entry = channels.setdefault(
            row["channel_id"],
            {
                "channel_id": row["channel_id"],
                "name": row["channel__name"] or "",
                "type": row["channel__type"] or "",
                "contracts": 0,
                "revenue": Decimal(0),
                "partners": [],
            },
        )
        entry["contracts"] += row["contracts"]
        entry["revenue"] += row["revenue"]
        if row["partner_id"]:
            entry["partners"].append(
                {
                    "partner_id": row["partner_id"],
                    "name": row["partner__name"],
                    "contracts": row["contracts"],
                    "revenue": row["revenue"],
                }
            )
    out = list(channels.values())
    for entry in out:
        entry["average"] = (
            (entry["revenue"] / entry["contracts"]).quantize(Decimal("0.01"))
            if entry["contracts"]
            else Decimal("0.00")
        )
    return out
