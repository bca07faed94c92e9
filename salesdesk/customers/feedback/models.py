"""Satisfaction and feedback (CUS-11): CSAT/NPS records and feedback tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import TimeStampedModel
from salesdesk.customers.models import Contact, Customer
from salesdesk.org.models import BusinessAllManager, BusinessManager, ScopedModel


class SatisfactionKind(models.TextChoices):
    CSAT = "csat", _("CSAT (1–5)")
    NPS = "nps", _("NPS (0–10)")


SCORE_RANGES = {SatisfactionKind.CSAT: (1, 5), SatisfactionKind.NPS: (0, 10)}


class SatisfactionRecord(TimeStampedModel):
    """One satisfaction score of a customer at a time (a return visit's score creates one)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="satisfaction"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=4, choices=SatisfactionKind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("when"), default=timezone.now)
    visit = models.OneToOneField(
        "customers.ReturnVisit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="satisfaction_record",
    )

    objects = BusinessAllManager()

    scope_owner_field = "customer__owner"
    scope_unit_field = "customer__org_unit"
    scope_share_via = "customer"

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("satisfaction record")
        verbose_name_plural = _("satisfaction records")
        indexes = [
            models.Index(fields=["customer", "-recorded_at"], name="satis_customer_time"),
            models.Index(fields=["kind", "-recorded_at"], name="satis_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score}"


class TicketType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    INQUIRY = "inquiry", _("Inquiry")
    PRAISE = "praise", _("Praise")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)


class FeedbackTicket(ScopedModel):
    """A complaint or other feedback of a customer; `owner` is the person who must resolve it."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    type = models.CharField(_("type"), max_length=12, choices=TicketType.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = BusinessManager()
    all_objects = BusinessAllManager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("feedback ticket")
        verbose_name_plural = _("feedback tickets")
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="ticket_owner_status_due"),
            models.Index(fields=["org_unit", "status", "due_at"], name="ticket_unit_status_due"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_created"),
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()
