"""Writes of the sales catalogue (SAL-1): product lines, products and price lists.

Everyone may read the catalogue; changing it needs the configure permission (ORG-3). Edits are
optimistic-locked; deletion moves a record to the recycle bin (which also needs the delete
permission). Bad input raises ValidationError({field: [message]}) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.records import reject_unknown
from salesdesk.core.recycle import record_soft_delete, recycle_bin
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure
from salesdesk.sales.models import (
    Channel,
    ChannelType,
    Partner,
    PriceList,
    PriceListItem,
    Product,
    ProductLine,
)


def _line_deletable(line: ProductLine) -> None:
    if Product.objects.filter(product_line=line).exists():
        raise ValidationError(_("This product line still has products."))


recycle_bin.register(ProductLine, can_delete=_line_deletable)
recycle_bin.register(Product)
recycle_bin.register(PriceList)

PRODUCT_LINE_FIELDS = ("code", "name", "description", "is_active", "sort_order")
PRODUCT_FIELDS = (
    "product_line",
    "code",
    "name",
    "unit",
    "list_price",
    "description",
    "is_active",
)
PRICE_LIST_FIELDS = (
    "name",
    "valid_from",
    "valid_until",
    "channel",
    "customer_level",
    "is_active",
    "notes",
)
CUSTOMER_LEVELS = ("A", "B", "C", "D")


def require_configure(actor: User) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to change the product catalogue."))


def _strip(instance, fields) -> None:
    for name in fields:
        value = getattr(instance, name, None)
        if isinstance(value, str):
            setattr(instance, name, value.strip())


def _unique_code(model, code: str, pk: int | None) -> None:
    if model.all_objects.filter(code__iexact=code).exclude(pk=pk).exists():
        raise ValidationError({"code": [_("This code is already used.")]})


def money(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    """A Decimal rounded to the cent, or a field error."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e14"):
        raise ValidationError({field: [_("Enter a number.")]})
    if amount < 0 and not allow_negative:
        raise ValidationError({field: [_("Enter a value of zero or more.")]})
    return amount


# --- product lines --------------------------------------------------------------------------


def _line_clean(line: ProductLine) -> None:
    _strip(line, PRODUCT_LINE_FIELDS)
    if not line.code:
        raise ValidationError({"code": [_("Enter a code.")]})
    if not line.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    _unique_code(ProductLine, line.code, line.pk)
    line.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def product_line_create(*, actor: User, request=None, **fields: Any) -> ProductLine:
    require_configure(actor)
    reject_unknown(fields, PRODUCT_LINE_FIELDS)
    line = ProductLine(**fields)
    _line_clean(line)
    line.save()
    return line


@transaction.atomic
def product_line_update(
    *, actor: User, line: ProductLine, expected_version: int | None = None, request=None, **changes
) -> ProductLine:
    require_configure(actor)
    reject_unknown(changes, PRODUCT_LINE_FIELDS)
    current = ProductLine.objects.select_for_update().get(pk=line.pk)
    check_version(current, expected_version)
    for name, value in changes.items():
        setattr(current, name, value)
    _line_clean(current)
    return save_versioned(
        current, expected_version=current.version, fields=list(changes), actor=actor
    )


def product_line_delete(*, actor: User, line: ProductLine, request=None) -> ProductLine:
    require_configure(actor)
    return record_soft_delete(model=ProductLine, pk=line.pk, actor=actor, request=request)


# --- products -------------------------------------------------------------------------------


def _product_clean(product: Product) -> None:
    _strip(product, PRODUCT_FIELDS)
    if not product.code:
        raise ValidationError({"code": [_("Enter a code.")]})
    if not product.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if (
        not product.product_line_id
        or not ProductLine.objects.filter(pk=product.product_line_id).exists()
    ):
        raise ValidationError({"product_line": [_("Select a product line.")]})
    product.list_price = money(product.list_price, "list_price")
    if not product.unit:
        raise ValidationError({"unit": [_("Enter a unit of measure.")]})
    _unique_code(Product, product.code, product.pk)
    product.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def product_create(*, actor: User, request=None, **fields: Any) -> Product:
    require_configure(actor)
    reject_unknown(fields, PRODUCT_FIELDS)
    product = Product(**fields)
    _product_clean(product)
    product._history_user = actor
    product.save()
    return product


@transaction.atomic
def product_update(
    *, actor: User, product: Product, expected_version: int | None = None, request=None, **changes
) -> Product:
    require_configure(actor)
    reject_unknown(changes, PRODUCT_FIELDS)
    current = Product.objects.select_for_update().get(pk=product.pk)
    check_version(current, expected_version)
    for name, value in changes.items():
        setattr(current, name, value)
    _product_clean(current)
    fields = [("product_line" if n == "product_line" else n) for n in changes]
    return save_versioned(current, expected_version=current.version, fields=fields, actor=actor)


def product_delete(*, actor: User, product: Product, request=None) -> Product:
    require_configure(actor)
    return record_soft_delete(model=Product, pk=product.pk, actor=actor, request=request)


# --- price lists ----------------------------------------------------------------------------


def _price_list_clean(price_list: PriceList) -> None:
    _strip(price_list, PRICE_LIST_FIELDS)
    if not price_list.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if not isinstance(price_list.valid_from, date):
        raise ValidationError({"valid_from": [_("Enter a valid date.")]})
    if price_list.valid_until and price_list.valid_until < price_list.valid_from:
        raise ValidationError({"valid_until": [_("The end date is before the start date.")]})
    if price_list.customer_level and price_list.customer_level not in CUSTOMER_LEVELS:
        raise ValidationError({"customer_level": [_("Select a valid customer level.")]})
    price_list.full_clean(validate_unique=False, validate_constraints=False)


def _items(items: Iterable[dict]) -> list[PriceListItem]:
    """[{"product": Product | id, "price": …}] → unsaved items; one product at most once."""
    rows = list(items)
    ids = [
        r["product"].pk if isinstance(r["product"], Product) else int(r["product"]) for r in rows
    ]
    if len(set(ids)) != len(ids):
        raise ValidationError({"items": [_("A product appears more than once.")]})
    found = set(Product.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != set(ids):
        raise ValidationError({"items": [_("Select valid products.")]})
    return [
        PriceListItem(product_id=pk, price=money(r.get("price"), "items"))
        for pk, r in zip(ids, rows, strict=True)
    ]


@transaction.atomic
def price_list_create(
    *, actor: User, items: Iterable[dict] = (), request=None, **fields: Any
) -> PriceList:
    require_configure(actor)
    reject_unknown(fields, PRICE_LIST_FIELDS)
    price_list = PriceList(**fields)
    _price_list_clean(price_list)
    rows = _items(items)
    price_list._history_user = actor
    price_list.save()
    for row in rows:
        row.price_list = price_list
    PriceListItem.objects.bulk_create(rows)
    return price_list


@transaction.atomic
def price_list_update(
    *,
    actor: User,
    price_list: PriceList,
    expected_version: int | None = None,
    items: Iterable[dict] | None = None,
    request=None,
    **changes: Any,
) -> PriceList:
    """Change the header and, when `items` is given, replace the items."""
    require_configure(actor)
    reject_unknown(changes, PRICE_LIST_FIELDS)
    current = PriceList.objects.select_for_update().get(pk=price_list.pk)
    check_version(current, expected_version)
    for name, value in changes.items():
        setattr(current, name, value)
    _price_list_clean(current)
    rows = _items(items) if items is not None else None
    save_versioned(current, expected_version=current.version, fields=list(changes), actor=actor)
    if rows is not None:
        current.items.all().delete()
        for row in rows:
            row.price_list = current
        PriceListItem.objects.bulk_create(rows)
    return current


def price_list_delete(*, actor: User, price_list: PriceList, request=None) -> PriceList:
    require_configure(actor)
    return record_soft_delete(model=PriceList, pk=price_list.pk, actor=actor, request=request)


# --- channels and partners (SAL-5) ----------------------------------------------------------

CHANNEL_FIELDS = ("code", "name", "type", "is_active")
PARTNER_FIELDS = (
    "channel",
    "name",
    "region",
    "contact_name",
    "phone",
    "email",
    "manager",
    "is_active",
)


def _channel_deletable(channel: Channel) -> None:
    if Partner.objects.filter(channel=channel).exists():
        raise ValidationError(_("This channel still has partners."))


recycle_bin.register(Channel, can_delete=_channel_deletable)
recycle_bin.register(Partner)


def _channel_clean(channel: Channel) -> None:
    _strip(channel, CHANNEL_FIELDS)
    if not channel.code:
        raise ValidationError({"code": [_("Enter a code.")]})
    if not channel.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if channel.type not in ChannelType.values:
        raise ValidationError({"type": [_("Select a valid channel type.")]})
    _unique_code(Channel, channel.code, channel.pk)
    channel.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def channel_create(*, actor: User, request=None, **fields: Any) -> Channel:
    require_configure(actor)
    reject_unknown(fields, CHANNEL_FIELDS)
    channel = Channel(**fields)
    _channel_clean(channel)
    channel.save()
    return channel


@transaction.atomic
def channel_update(
    *, actor: User, channel: Channel, expected_version: int | None = None, request=None, **changes
) -> Channel:
    require_configure(actor)
    reject_unknown(changes, CHANNEL_FIELDS)
    current = Channel.objects.select_for_update().get(pk=channel.pk)
    check_version(current, expected_version)
    for name, value in changes.items():
        setattr(current, name, value)
    _channel_clean(current)
    return save_versioned(
        current, expected_version=current.version, fields=list(changes), actor=actor
    )


def channel_delete(*, actor: User, channel: Channel, request=None) -> Channel:
    require_configure(actor)
    return record_soft_delete(model=Channel, pk=channel.pk, actor=actor, request=request)


def _partner_clean(partner: Partner) -> None:
    _strip(partner, PARTNER_FIELDS)
    if not partner.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if not partner.channel_id or not Channel.objects.filter(pk=partner.channel_id).exists():
        raise ValidationError({"channel": [_("Select a valid channel.")]})
    if (
        partner.manager_id
        and not User.objects.filter(pk=partner.manager_id, is_active=True).exists()
    ):
        raise ValidationError({"manager": [_("Select a valid user.")]})
    partner.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def partner_create(*, actor: User, request=None, **fields: Any) -> Partner:
    require_configure(actor)
    reject_unknown(fields, PARTNER_FIELDS)
    partner = Partner(**fields)
    _partner_clean(partner)
    partner._history_user = actor
    partner.save()
    return partner


@transaction.atomic
def partner_update(
    *, actor: User, partner: Partner, expected_version: int | None = None, request=None, **changes
) -> Partner:
    require_configure(actor)
    reject_unknown(changes, PARTNER_FIELDS)
    current = Partner.objects.select_for_update().get(pk=partner.pk)
    check_version(current, expected_version)
    for name, value in changes.items():
        setattr(current, name, value)
    _partner_clean(current)
    return save_versioned(
        current, expected_version=current.version, fields=list(changes), actor=actor
    )


def partner_delete(*, actor: User, partner: Partner, request=None) -> Partner:
    require_configure(actor)
    return record_soft_delete(model=Partner, pk=partner.pk, actor=actor, request=request)
