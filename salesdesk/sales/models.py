"""Sales catalogue shared by the funnel and the sales records: product lines and products (SAL-1),
channels and partners (SAL-5). Contracts, approvals, receivables and returns build on these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel

MONEY = {"max_digits": 16, "decimal_places": 2}


class ProductLine(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A family of products (产品线); pipelines, goals and commission rules can be per line."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A product or service that opportunities quote and contracts sell."""

    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit of measure"), max_length=20, default="件")
    list_price = models.DecimalField(_("list price"), default=0, **MONEY)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["product_line__sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class ChannelType(models.TextChoices):
    DIRECT = "direct", _("Direct sales")
    ONLINE = "online", _("Online")
    DISTRIBUTOR = "distributor", _("Distributor")
    AGENT = "agent", _("Agent")
    ECOMMERCE = "ecommerce", _("E-commerce")


class Channel(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A sales channel (渠道): how a lead, opportunity or contract reached us."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("channel type"), max_length=20, choices=ChannelType.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return self.name


class Partner(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A channel partner (distributor, agent, reseller) that brings or closes business."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="partners"
    )
    name = models.CharField(_("name"), max_length=200)
    region = models.CharField(_("region"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("partner manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
