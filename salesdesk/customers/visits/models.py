"""Return visits (CUS-9): the visit interval of each customer level and the visits made.

A customer's next visit is due `interval_days` after its latest return visit (or, before the
first one, after the day it was created); a level without an interval has no scheduled visits.
The due date is stored on the customer (`Customer.next_visit_due`, indexed) so the due and
overdue lists are index range scans; see salesdesk.customers.visits.services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel
from salesdesk.customers.models import Customer, CustomerLevel
from salesdesk.org.models import BusinessAllManager, BusinessManager


class VisitPolicy(TimeStampedModel):
    """How often customers of one level get a return visit (CUS-2: the level drives it)."""

    level = models.CharField(_("level"), max_length=1, choices=CustomerLevel.choices, unique=True)
    interval_days = models.PositiveSmallIntegerField(
        _("visit every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Empty: customers of this level get no scheduled return visits."),
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("return visit rule")
        verbose_name_plural = _("return visit rules")

    def __str__(self) -> str:
        return f"{self.level}: {self.interval_days or '-'}"


class VisitKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    ON_SITE = "on_site", _("On-site")
    ONLINE = "online", _("Online")


class ReturnVisit(TimeStampedModel, SoftDeleteModel):
    """One return visit (回访) of a customer, with the customer's satisfaction (CSAT 1–5)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="return_visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=10, choices=VisitKind.choices)
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    summary = models.TextField(_("summary"))
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    next_due = models.DateField(_("next visit due"), null=True, blank=True)

    objects = BusinessManager()
    all_objects = BusinessAllManager()

    # Who sees a customer sees its visits (D13).
    scope_owner_field = "customer__owner"
    scope_unit_field = "customer__org_unit"
    scope_share_via = "customer"

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["customer", "-visited_at"], name="visit_customer_time"),
            models.Index(fields=["visitor", "-visited_at"], name="visit_visitor_time"),
            models.Index(fields=["-visited_at", "-id"], name="visit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.visited_at:%Y-%m-%d}"
