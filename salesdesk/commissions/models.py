"""Commission plans and statements (PRF-4, D50).

A `CommissionPlan` is configuration (like a KPI scheme): company-wide, changed with the
"manage commissions" permission, optimistic-locked, deleted to the recycle bin. It applies to a
role (optionally one tier) for a month or a quarter; its base is the payments received in the
period (cash basis) or the contracts signed in it; the rate is the base rate, or the rate of the
attainment band the rep reached (the band's rate applies to the whole base), plus the rep's tier
commission rate; product-line multipliers and an optional cap per statement.

A `CommissionStatement` is a business record (`ScopedModel`: owner = the rep, org unit = the
rep's unit), a snapshot recomputed while a draft; a `CommissionPeriodLock` locks every statement
of a period (never recomputed or changed again). Every `CommissionLine` names its source: the
contract and, for a payment or a return, that record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel
from salesdesk.org.models import Role, ScopedModel

MONEY = {"max_digits": 16, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 3}


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class Base(models.TextChoices):
    PAYMENTS = "payments", _("Payments received (cash basis)")
    CONTRACTS = "contracts", _("Contracts signed")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LOCKED = "locked", _("Locked")


class SourceKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    CONTRACT = "contract", _("Contract")
    RETURN = "return", _("Return")


# The metric the attainment of each base is measured on (the rep's goal for it).
ATTAINMENT_METRIC = {Base.PAYMENTS: "payments_received", Base.CONTRACTS: "signed_amount"}


class CommissionPlan(TimeStampedModel, SoftDeleteModel, VersionedModel):
    name = models.CharField(_("name"), max_length=120)
    role = models.ForeignKey(
        Role, verbose_name=_("applies to role"), on_delete=models.PROTECT, related_name="+"
    )
    # One tier only (salesdesk.tiers.Tier id); null = every tier.
    tier_id = models.PositiveIntegerField(_("tier"), null=True, blank=True)
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    base = models.CharField(_("base"), max_length=10, choices=Base.choices, default=Base.PAYMENTS)
    base_rate = models.DecimalField(_("base rate (%)"), default=0, **RATE)
    # [{"from": attainment %, "rate": %}, ...] ascending by "from".
    bands = models.JSONField(_("attainment bands"), default=list, blank=True)
    # {"<product line id>": "multiplier"}; lines not listed: 1.
    line_multipliers = models.JSONField(_("product-line multipliers"), default=dict, blank=True)
    add_tier_rate = models.BooleanField(_("add the tier's commission rate"), default=True)
    cap = models.DecimalField(_("cap per statement"), null=True, blank=True, **MONEY)
    is_active = models.BooleanField(_("active"), default=True)

    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("commission plan")
        verbose_name_plural = _("commission plans")

    def __str__(self) -> str:
        return self.name


class CommissionPeriodLock(models.Model):
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("locked at"))

    class Meta:
        ordering = ["-period_start", "period_kind"]
        verbose_name = _("locked commission period")
        verbose_name_plural = _("locked commission periods")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start"], name="commission_period_lock_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.period_start}"


class CommissionStatement(ScopedModel):
    plan = models.ForeignKey(
        CommissionPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=StatementStatus.choices,
        default=StatementStatus.DRAFT,
    )
    target = models.DecimalField(_("target"), null=True, blank=True, **MONEY)
    actual = models.DecimalField(_("actual"), default=0, **MONEY)
    # None: no goal for the period (attainment unknown: the lowest band applies).
    attainment = models.DecimalField(
        _("attainment (%)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    band_from = models.DecimalField(
        _("band from (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(_("rate (%)"), default=0, **RATE)
    tier_id = models.PositiveIntegerField(_("tier at period end"), null=True, blank=True)
    tier_name = models.CharField(_("tier at period end"), max_length=80, blank=True)
    tier_rate = models.DecimalField(_("tier rate (%)"), default=0, **RATE)
    base_total = models.DecimalField(_("base total"), default=0, **MONEY)
    uncapped_total = models.DecimalField(_("commission before cap"), default=0, **MONEY)
    commission_total = models.DecimalField(_("commission"), default=0, **MONEY)
    computed_at = models.DateTimeField(_("computed at"))
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "owner_id", "id"]
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "period_start", "owner"], name="commission_statement_once"
            )
        ]
        indexes = [
            models.Index(fields=["owner", "period_start"], name="commission_owner_period"),
            models.Index(fields=["org_unit", "period_start"], name="commission_unit_period"),
            models.Index(fields=["period_kind", "period_start"], name="commission_period"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.QUARTER:
            return f"{self.period_start.year}-Q{(self.period_start.month + 2) // 3}"
        return self.period_start.strftime("%Y-%m")

    @property
    def is_locked(self) -> bool:
        return self.status == StatementStatus.LOCKED


class CommissionLine(models.Model):
    statement = models.ForeignKey(
        CommissionStatement,
        verbose_name=_("statement"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    source_kind = models.CharField(_("source"), max_length=10, choices=SourceKind.choices)
    # Plain ids (no constraint): the statement is a snapshot that must survive later edits.
    contract_id = models.PositiveBigIntegerField(_("contract"))
    contract_number = models.CharField(_("contract number"), max_length=40, blank=True)
    payment_id = models.PositiveBigIntegerField(_("payment"), null=True, blank=True)
    return_id = models.PositiveBigIntegerField(_("return"), null=True, blank=True)
    customer_id = models.PositiveBigIntegerField(_("customer"), null=True, blank=True)
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    product_line_id = models.PositiveBigIntegerField(_("product line"), null=True, blank=True)
    product_line_name = models.CharField(_("product line"), max_length=120, blank=True)
    day = models.DateField(_("date"))
    base_amount = models.DecimalField(_("base amount"), **MONEY)
    rate = models.DecimalField(_("rate (%)"), **RATE)
    multiplier = models.DecimalField(_("multiplier"), max_digits=7, decimal_places=3, default=1)
    amount = models.DecimalField(_("commission"), **MONEY)
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)

    class Meta:
        ordering = ["statement", "position", "id"]
        verbose_name = _("commission line")
        verbose_name_plural = _("commission lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(source_kind="contract")
                | Q(source_kind="payment", payment_id__isnull=False)
                | Q(source_kind="return", return_id__isnull=False),
                name="commission_line_has_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.source_kind} {self.amount}"
