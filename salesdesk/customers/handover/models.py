"""Records of handovers (CUS-7) and merges (CUS-5). Every transfer of a customer, single or bulk,
writes one Handover with one HandoverItem per customer; every merge writes one CustomerMerge."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.models import Customer


class Handover(models.Model):
    """One handover: some or all customers of `from_user` given to one or several reps."""

    class Source(models.TextChoices):
        HANDOVER = "handover", _("Handover")
        TRANSFER = "transfer", _("Single transfer")

    class Strategy(models.TextChoices):
        ONE = "one", _("All to one rep")
        EVEN = "even", _("Spread evenly")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(
        _("kind"), max_length=10, choices=Source.choices, default=Source.HANDOVER
    )
    strategy = models.CharField(
        _("distribution"), max_length=8, choices=Strategy.choices, default=Strategy.ONE
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    # Who received how many customers: {"<user id>": count}.
    receivers = models.JSONField(_("receivers"), default=dict, blank=True)
    # Totals of what moved along, per attachment key: {"tasks": 3, ...}.
    moved = models.JSONField(_("moved along"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        indexes = [
            models.Index(fields=["from_user", "-created_at"], name="handover_from_time"),
            models.Index(fields=["source", "-created_at"], name="handover_source_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d}"


class HandoverItem(models.Model):
    """One customer of a handover: from whom to whom, and what moved along with it."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="handovers"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    moved = models.JSONField(_("moved along"), default=dict, blank=True)

    class Meta:
        ordering = ["handover_id", "id"]
        verbose_name = _("handed-over customer")
        verbose_name_plural = _("handed-over customers")
        indexes = [models.Index(fields=["customer", "handover"], name="handover_item_customer")]

    def __str__(self) -> str:
        return f"{self.handover_id}:{self.customer_id}"


class CustomerMerge(models.Model):
    """A duplicate (`source`) folded into `target`: the source is in the recycle bin afterwards
    and cannot be restored (its related records now belong to the target)."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.OneToOneField(
        Customer,
        verbose_name=_("merged customer"),
        on_delete=models.PROTECT,
        related_name="merged_into",
    )
    target = models.ForeignKey(
        Customer,
        verbose_name=_("kept customer"),
        on_delete=models.PROTECT,
        related_name="merges_received",
    )
    source_name = models.CharField(_("merged customer's name"), max_length=200)
    # {field: "source" | "target"} as chosen, and the values taken from the source.
    field_choices = models.JSONField(_("field choices"), default=dict, blank=True)
    moved = models.JSONField(_("moved along"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"{self.source_name} → {self.target_id}"
