"""KPI schemes (PRF-1) and scorecards (PRF-2); leaderboards (PRF-3) store nothing (D48).

A `KpiScheme` is configuration (like the product catalogue): company-wide, read by everyone,
changed with the configure permission, optimistic-locked, deleted to the recycle bin. Its
`metrics` list holds per metric key: weight (percent, all weights sum to 100), normalisation
("target": actual ÷ target × 100, inverted for lower-is-better metrics; "peer": min–max over the
scheme's people), the per-person target. `cap` limits each metric's score; `grade_bands` are the
lowest totals of S, A, B and C (below C: D).

A `Scorecard` is a business record (`ScopedModel`): its owner is the person evaluated (for a unit
scorecard the unit's manager, else whoever computed it) and its org unit the person's unit (the
unit), so the one scoping function decides who sees it. Its figures (`lines`, total, grade,
rank) are a snapshot: recomputed only while it is a draft, frozen once published (D48).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel
from salesdesk.org.models import OrgUnit, Role, ScopedModel


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Normalisation(models.TextChoices):
    TARGET = "target", _("Actual against target")
    PEER = "peer", _("Min–max over peers")


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    LOCKED = "locked", _("Locked")


class SubjectKind(models.TextChoices):
    USER = "user", _("Person")
    UNIT = "unit", _("Team")


GRADES = ("S", "A", "B", "C", "D")
SCORE = {"max_digits": 9, "decimal_places": 2}


class KpiScheme(TimeStampedModel, SoftDeleteModel, VersionedModel):
    name = models.CharField(_("name"), max_length=120)
    role = models.ForeignKey(
        Role, verbose_name=_("applies to role"), on_delete=models.PROTECT, related_name="+"
    )
    # Hook for ORG-4: the scheme of one tier (an id until tiers exist; null = every tier).
    tier_id = models.PositiveIntegerField(_("tier"), null=True, blank=True)
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    metrics = models.JSONField(_("weighted metrics"), default=list)
    cap = models.DecimalField(_("score cap"), max_digits=6, decimal_places=2, default=120)
    grade_bands = models.JSONField(_("grade bands"), default=dict)
    is_active = models.BooleanField(_("active"), default=True)

    # Recycle bin scope: what people in the viewer's scope deleted (no owner on configuration).
    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("KPI scheme")
        verbose_name_plural = _("KPI schemes")

    def __str__(self) -> str:
        return self.name


class Scorecard(ScopedModel):
    scheme = models.ForeignKey(
        KpiScheme, verbose_name=_("KPI scheme"), on_delete=models.PROTECT, related_name="+"
    )
    subject_kind = models.CharField(_("of"), max_length=6, choices=SubjectKind.choices)
    # The unit evaluated (unit scorecards only; a person's scorecard is the owner's).
    subject_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    lines = models.JSONField(_("metric breakdown"), default=list)
    total_score = models.DecimalField(_("total score"), **SCORE)
    grade = models.CharField(_("grade"), max_length=1)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    ranked_of = models.PositiveIntegerField(_("ranked of"), default=0)
    feedback = models.TextField(_("manager feedback"), blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "lines"])

    class Meta:
        ordering = ["-period_start", "rank", "id"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "period_start", "owner"],
                condition=Q(subject_kind="user"),
                name="scorecard_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["scheme", "period_start", "subject_unit"],
                condition=Q(subject_kind="unit"),
                name="scorecard_one_per_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "period_start"], name="scorecard_owner_period"),
            models.Index(fields=["org_unit", "period_start"], name="scorecard_unit_period"),
            models.Index(fields=["scheme", "period_start"], name="scorecard_scheme_period"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.period_label}"

    @property
    def subject_name(self) -> str:
        if self.subject_kind == SubjectKind.UNIT and self.subject_unit_id:
            return self.subject_unit.name
        return self.owner.name

    @property
    def period_label(self) -> str:
        kind = self.scheme.period_kind if self.scheme_id else PeriodKind.MONTH
        if kind == PeriodKind.YEAR:
            return str(self.period_start.year)
        if kind == PeriodKind.QUARTER:
            return f"{self.period_start.year}-Q{(self.period_start.month + 2) // 3}"
        return self.period_start.strftime("%Y-%m")

    @property
    def is_draft(self) -> bool:
        return self.status == ScorecardStatus.DRAFT
