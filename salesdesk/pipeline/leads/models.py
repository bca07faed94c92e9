"""Leads (线索, FUN-1): unqualified prospects before they become customers and deals.

A lead in the lead pool (线索池) has no owner (`owner` NULL) and keeps the org unit whose members
may claim it. Assignment rules (`LeadAssignmentRule`) decide the owner of new and imported leads:
the first active matching rule, in order; a rule targets one user, or a unit whose active members
take turns (round robin, with the rule's `rr_counter` incremented by one UPDATE).
A converted lead keeps its history and points to the customer, contact and opportunity it
became; the opportunity carries `lead_created_at` for the FUN-5 lead conversion time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import TimeStampedModel
from salesdesk.org.models import ScopedModel


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


class LeadSource(models.TextChoices):
    WEBSITE = "website", _("Website")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event or trade show")
    COLD_CALL = "cold_call", _("Cold call")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class Lead(ScopedModel):
    """A sales lead (线索)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("company or person"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    source = models.CharField(
        _("source"), max_length=12, choices=LeadSource.choices, default=LeadSource.OTHER
    )
    channel = models.ForeignKey(
        "sales.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    product_line = models.ForeignKey(
        "sales.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    assigned_by_rule = models.ForeignKey(
        "pipeline.LeadAssignmentRule",
        verbose_name=_("assigned by rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("converted to customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="source_leads",
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("converted to contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    converted_opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("converted to opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_leads",
    )

    # Duplicate-check keys (salesdesk.customers.normalize), kept by the services.
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    phone_key = models.CharField(max_length=40, editable=False, db_index=True, default="")
    email_key = models.CharField(max_length=254, editable=False, db_index=True, default="")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner_status"),
            models.Index(fields=["org_unit", "-created_at"], name="lead_unit_created"),
            models.Index(fields=["-created_at", "-id"], name="lead_created"),
            models.Index(fields=["status", "-created_at"], name="lead_status_created"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None

    @property
    def is_converted(self) -> bool:
        return self.status == LeadStatus.CONVERTED


class LeadAssignmentRule(TimeStampedModel):
    """Who gets a new lead (FUN-1). Conditions (all given ones must match; none: every lead):
    province, product line. Target: one user, or round robin among the active members of a unit.
    Rules are tried in `order`; the first match assigns."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    product_line = models.ForeignKey(
        "sales.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("round robin in unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Round robin position: incremented by one UPDATE per assignment (the row lock serialises
    # concurrent creates), so members take turns exactly.
    rr_counter = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_user__isnull=False, target_unit__isnull=True)
                | models.Q(target_user__isnull=True, target_unit__isnull=False),
                name="leadrule_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.name
