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
