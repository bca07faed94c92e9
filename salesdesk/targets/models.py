"""Goals (TGT-1) and their decomposition into parts (TGT-2).

A `Goal` is a business record (`ScopedModel`): its scoping owner is the person responsible for
it (the rep of a personal goal; for a unit or company goal the unit's manager, else whoever set
it) and its org unit is the unit it belongs to (the rep's unit; the company's root unit). So the
one scoping function decides who sees a goal (D45).

A decomposition is one tree of `GoalPart` rows (D44, D45): the goal's owner → sub-units → sales
people, each a PERIOD part for the whole period; below every person (or the owner itself when it
has nobody below it) quarters → months → ISO-week pieces → working days. Each part's amount is
the sum of its children's, to the cent, for additive metrics. Units' months, weeks and days are
sums of their people's parts (read with one aggregate), not stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from salesdesk.org.models import OrgUnit, ScopedModel
from salesdesk.targets import decompose

MONEY = {"max_digits": 16, "decimal_places": 2}


class GoalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", pgettext_lazy("goal status", "Active")  # not a person's 在职
    ARCHIVED = "archived", _("Archived")


class OwnerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    UNIT = "unit", _("Org unit")
    USER = "user", _("Person")


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    CUSTOM = "custom", _("Custom period")


class SplitMethod(models.TextChoices):
    EQUAL = "equal", _("Equal")
    LAST_YEAR = "last_year", _("Last year's share")
    TIER = "tier", _("Tier multiplier")
    CUSTOM = "custom", _("Custom weights")


class Seasonality(models.TextChoices):
    WORKING_DAYS = "working_days", _("Even per working day")
    HISTORY = "history", _("From last year's months")
    CUSTOM = "custom", _("Custom month weights")


class Granularity(models.IntegerChoices):
    PERIOD = decompose.PERIOD, _("Whole period")
    QUARTER = decompose.QUARTER, _("Quarter")
    MONTH = decompose.MONTH, _("Month")
    WEEK = decompose.WEEK, _("Week")
    DAY = decompose.DAY, _("Day")


class Goal(ScopedModel):
    name = models.CharField(_("name"), max_length=120)
    metric = models.CharField(_("metric"), max_length=40)
    owner_kind = models.CharField(_("goal of"), max_length=10, choices=OwnerKind.choices)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **MONEY)
    target_value = models.DecimalField(_("target"), **MONEY)
    rationale = models.TextField(_("rationale"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The decomposition's settings (empty method: not decomposed yet).
    split_method = models.CharField(
        _("split by"), max_length=12, choices=SplitMethod.choices, blank=True
    )
    split_weights = models.JSONField(_("weights per person"), default=dict, blank=True)
    seasonality = models.CharField(
        _("seasonality"), max_length=12, choices=Seasonality.choices, blank=True
    )
    seasonality_weights = models.JSONField(_("month weights"), default=list, blank=True)
    decomposed_at = models.DateTimeField(_("decomposed at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        indexes = [
            models.Index(fields=["owner", "period_start"], name="goal_owner_period"),
            models.Index(fields=["org_unit", "period_start"], name="goal_unit_period"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def metric_info(self):
        from salesdesk.targets.metric_rules import GOAL_METRICS as METRICS

        return METRICS.get(self.metric)

    @property
    def metric_label(self) -> str:
        info = self.metric_info
        return str(info.label) if info else self.metric

    @property
    def is_decomposed(self) -> bool:
        return bool(self.split_method)


class GoalPart(models.Model):
    """One part of a goal's decomposition (see the module doc). Written in bulk as tuples
    (salesdesk.core.bulk) by the services only, with ids they checked; the foreign keys have no
    database constraint (D45: a company goal has ~330,000 parts, and three foreign-key checks per
    row tripled PostgreSQL's insert time). Django still applies CASCADE and PROTECT."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="parts", db_index=False, db_constraint=False
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    granularity = models.PositiveSmallIntegerField(_("granularity"), choices=Granularity.choices)
    owner_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("goal part")
        verbose_name_plural = _("goal parts")
        # One index: reads go by goal, person (or none for a unit's own parts), granularity and
        # date; a second one by unit cost a third of the insert time of a decomposition (D28).
        indexes = [
            models.Index(
                fields=["goal", "owner_user", "granularity", "start"], name="goalpart_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id}:{self.get_granularity_display()}:{self.start}"
