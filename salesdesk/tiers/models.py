"""Sales tiers (ORG-4): tier definitions, who is in which tier when, and the periodic review.

A `Tier` is company-wide configuration (like a KPI scheme): rank orders the tiers (1 = entry), the
criteria (promotion/demotion on the metric layer) and the tier-based policies that other modules
read: customer quota (public pool claims), target multiplier (goal decomposition by tier) and
commission rate (commission statements).

`TierMembership` is the history: one row per person and stretch of time, `valid_to` null while
current, so a statement for a past period reads the tier the rep had then. Other modules read it
only through `salesdesk.tiers.selectors` (`tier_of`, `tiers_on`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel


class Tier(TimeStampedModel, SoftDeleteModel, VersionedModel):
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("1 is the entry tier."))
    # Promotion/demotion criteria: [{"metric": key, "window_months": n, "min": x}, ...] — a person
    # qualifies for the tier when every criterion's trailing figure reaches its minimum.
    criteria = models.JSONField(_("criteria"), default=list, blank=True)
    customer_quota = models.PositiveIntegerField(
        _("customer quota"), default=0, help_text=_("Customers a person may own; 0: no limit.")
    )
    target_multiplier = models.DecimalField(
        _("target multiplier"), max_digits=6, decimal_places=3, default=1
    )
    commission_rate = models.DecimalField(
        _("commission rate (%)"), max_digits=6, decimal_places=3, default=0
    )
    is_active = models.BooleanField(_("active"), default=True)

    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("sales tier")
        verbose_name_plural = _("sales tiers")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(deleted_at__isnull=True), name="tier_code_live"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        language = language or get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class TierMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tier_memberships"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="memberships")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)  # exclusive; null: current
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "valid_from"]
        verbose_name = _("tier membership")
        verbose_name_plural = _("tier memberships")
        indexes = [models.Index(fields=["user", "valid_from"], name="tier_member_user_from")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(valid_to__isnull=True), name="tier_member_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.tier_id} from {self.valid_from}"


class TierReview(models.Model):
    """One periodic review (a month): the proposals computed from the trailing figures up to the
    period's last day; confirmed proposals take effect from `effective_from` (the next day)."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    effective_from = models.DateField(_("effective from"))
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("tier review")
        verbose_name_plural = _("tier reviews")
        constraints = [
            models.UniqueConstraint(fields=["period_start"], name="tier_review_one_per_period")
        ]

    def __str__(self) -> str:
        return self.period_label

    @property
    def period_label(self) -> str:
        return self.period_start.strftime("%Y-%m")


class ProposalDirection(models.TextChoices):
    PROMOTE = "promote", _("Promotion")
    DEMOTE = "demote", _("Demotion")
    FIRST = "first", _("First tier")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class TierProposal(models.Model):
    review = models.ForeignKey(TierReview, on_delete=models.CASCADE, related_name="proposals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    current_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("direction"), max_length=10, choices=ProposalDirection.choices)
    # [{"tier": code, "metric": key, "window_months": n, "actual": "x" | None, "min": "y",
    #   "met": bool}, ...]: the trailing figures against the minimums of the tiers looked at.
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["review_id", "user_id"]
        verbose_name = _("tier proposal")
        verbose_name_plural = _("tier proposals")
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="tier_proposal_one_per_user")
        ]
        indexes = [models.Index(fields=["status", "review"], name="tier_proposal_status")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.current_tier_id} → {self.proposed_tier_id}"
