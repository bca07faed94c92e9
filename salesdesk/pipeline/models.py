"""The sales funnel (FUN-2, FUN-3): pipelines with ordered stages, opportunities, their stage
events and the small summary tables the time metrics (FUN-5) read.

Every change of an opportunity's stage or status writes one `StageEvent` (from stage, to stage,
when, who, and the seconds spent in the stage being left) and adds to `StageStat` (per stage ×
owner × unit × month: entries, exits, total seconds in stage, wins and their sales cycle) in the
same transaction, so reports never scan raw events. See services.py and docs/decisions.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import TimeStampedModel, VersionedModel
from salesdesk.org.models import ScopedModel

MONEY = {"max_digits": 16, "decimal_places": 2}


class BilingualName(models.Model):
    """A configurable name stored in Chinese with an optional English name (like org roles)."""

    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Pipeline(BilingualName, TimeStampedModel, VersionedModel):
    """A sales pipeline (销售流程) with its ordered stages, e.g. one per product line."""

    product_line = models.ForeignKey(
        "sales.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pipelines",
    )
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")


class Stage(BilingualName, TimeStampedModel):
    """One stage of a pipeline. Won and after-sales stages hold won deals; lost is a status."""

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="stages"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=0)
    stale_days = models.PositiveIntegerField(
        _("stale after (days)"),
        null=True,
        blank=True,
        help_text=_("Deals longer than this in the stage are highlighted. Empty: never."),
    )
    is_won = models.BooleanField(_("won stage"), default=False)
    is_after_sales = models.BooleanField(_("after-sales stage"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["pipeline_id", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        indexes = [models.Index(fields=["pipeline", "order"], name="stage_pipeline_order")]

    @property
    def is_closed_stage(self) -> bool:
        return self.is_won or self.is_after_sales


class Reason(BilingualName, TimeStampedModel):
    """A configurable reason a deal was won or lost."""

    class Kind(models.TextChoices):
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["kind", "sort_order", "id"]
        verbose_name = _("won or lost reason")
        verbose_name_plural = _("won and lost reasons")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(ScopedModel):
    """A sales opportunity (商机, FUN-3)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("primary contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    title = models.CharField(_("title"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    status = models.CharField(
        _("status"),
        max_length=4,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
    )
    amount = models.DecimalField(_("amount"), default=0, **MONEY)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    product_line = models.ForeignKey(
        "sales.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    competitors = models.CharField(_("competitors"), max_length=300, blank=True)
    channel = models.ForeignKey(
        "sales.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner = models.ForeignKey(
        "sales.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_activity_at = models.DateTimeField(_("next activity"), null=True, blank=True)
    reason = models.ForeignKey(
        Reason,
        verbose_name=_("won or lost reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason_note = models.CharField(_("reason details"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("won or lost at"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    # When the lead this deal came from was created (FUN-1, later): lead conversion time.
    lead_created_at = models.DateTimeField(_("lead created at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="opp_owner_created"),
            models.Index(fields=["org_unit", "-created_at"], name="opp_unit_created"),
            models.Index(fields=["customer", "-created_at"], name="opp_customer_created"),
            # the board: one column = (stage, open), newest first; header sums per stage
            models.Index(fields=["stage", "status", "-id"], name="opp_stage_status_id"),
            models.Index(fields=["owner", "stage", "status"], name="opp_owner_stage_status"),
            models.Index(fields=["org_unit", "stage", "status"], name="opp_unit_stage_status"),
            # board headers: per-stage count and sum read from the index alone
            models.Index(
                fields=["pipeline", "status", "stage", "amount"], name="opp_pipeline_status"
            ),
            # the list's default order (newest first) and keyset pages
            models.Index(fields=["-created_at", "-id"], name="opp_created"),
            # the board's won and after-sales columns: deals won in the last 30 days, latest first
            models.Index(fields=["stage", "status", "closed_at"], name="opp_stage_status_closed"),
            models.Index(fields=["expected_close_date"], name="opp_close_date"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def weighted_amount(self):
        return (self.amount * self.stage.probability) / 100


class OpportunityProduct(models.Model):
    """A product line item quoted on an opportunity."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="line_items"
    )
    product = models.ForeignKey(
        "sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("unit price"), **MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("opportunity product")
        verbose_name_plural = _("opportunity products")

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"

    @property
    def line_amount(self):
        return self.quantity * self.unit_price


class StageEvent(models.Model):
    """One change of an opportunity's stage or status (FUN-3). `from_stage` empty: the deal
    entered `to_stage` (created, reopened after lost); `to_stage` empty: it left `from_stage`
    without entering another (lost). `seconds_in_stage` is the time spent in `from_stage`,
    stored at the move. Owner and unit are those of the deal at the time."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        MOVED = "moved", _("Moved")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        REOPENED = "reopened", _("Reopened")

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_events"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    from_stage = models.ForeignKey(
        Stage,
        verbose_name=_("from stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        Stage,
        verbose_name=_("to stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    seconds_in_stage = models.BigIntegerField(_("seconds in stage"), null=True, blank=True)
    # Won events: seconds from the deal's creation to the win (the sales cycle), and from its
    # lead's creation (or the deal's, without a lead) to the win (the total sales time).
    cycle_seconds = models.BigIntegerField(_("sales cycle (seconds)"), null=True, blank=True)
    total_seconds = models.BigIntegerField(_("total sales time (seconds)"), null=True, blank=True)
    # Created events of a deal converted from a lead: seconds from the lead's creation.
    lead_seconds = models.BigIntegerField(
        _("lead conversion time (seconds)"), null=True, blank=True
    )
    # A won event whose win was undone (the deal was reopened): it no longer counts as a win.
    win_undone = models.BooleanField(_("win undone"), default=False, db_default=False)

    # Scoping like StageStat: the figures of the deal's owner and unit at the time.
    scope_owner_field = "owner"
    scope_unit_field = "org_unit"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")
        indexes = [models.Index(fields=["opportunity", "at"], name="stageevent_opp_at")]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.kind} {self.at:%Y-%m-%d}"


class StageStat(models.Model):
    """Running totals per stage × owner × unit × month (local month of the event), kept current by
    the services in the move's transaction: `entered` counts arrivals, `exited` departures with
    `seconds_total` the time spent; `won` and `cycle_seconds_total` count wins (on the won stage's
    row), with `total_seconds_total` from lead to win; `lead_converted` and `lead_seconds_total`
    count deals created from a lead on the row of the stage they started in. Deals in the recycle
    bin and undone wins are not counted. Equal to `summaries.rebuild()` at all times (tests check
    it)."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    entered = models.PositiveIntegerField(default=0)
    exited = models.PositiveIntegerField(default=0)
    seconds_total = models.BigIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    cycle_seconds_total = models.BigIntegerField(default=0)
    total_seconds_total = models.BigIntegerField(default=0, db_default=0)
    # Deals created from a lead (on the row of the stage they started in).
    lead_converted = models.PositiveIntegerField(default=0, db_default=0)
    lead_seconds_total = models.BigIntegerField(default=0, db_default=0)

    # Scoping (salesdesk.org.scoping): a rep sees the figures of their own deals, a manager
    # those of their scope, like the deals themselves.
    scope_owner_field = "owner"
    scope_unit_field = "org_unit"

    class Meta:
        verbose_name = _("stage statistics")
        verbose_name_plural = _("stage statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "owner", "org_unit", "month"], name="stagestat_key"
            )
        ]
        indexes = [models.Index(fields=["pipeline", "month"], name="stagestat_pipeline_month")]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.owner_id}/{self.month}"


class DurationStat(models.Model):
    """Whole-day histograms of the FUN-5 durations, for medians: how many durations of `days`
    whole days (seconds // 86400) per metric × stage × owner × unit × month. Metrics: `stage`
    (time in the stage left, month of leaving), `cycle` and `total` (on the won stage, month of
    the win), `lead` (on the stage the deal started in, month of its creation). Kept current with
    StageStat, by the same code."""

    class Metric(models.TextChoices):
        STAGE = "stage", _("Time in stage")
        CYCLE = "cycle", _("Sales cycle")
        TOTAL = "total", _("Total sales time")
        LEAD = "lead", _("Lead conversion time")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=5, choices=Metric.choices)
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    days = models.PositiveIntegerField()
    count = models.IntegerField(default=0)

    scope_owner_field = "owner"
    scope_unit_field = "org_unit"

    class Meta:
        verbose_name = _("duration histogram")
        verbose_name_plural = _("duration histograms")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "org_unit", "metric", "stage", "days", "month"],
                name="durationstat_key",
            )
        ]
        # The time-metrics read groups by (owner, unit, metric, stage, days) over a period's
        # months: this covering index in that order lets SQLite aggregate while it scans (no
        # sort; 3.5x faster at 650k rows). The unique key leads with the same columns so the
        # planner does not prefer a skip-scan of it.
        indexes = [
            models.Index(
                fields=[
                    "pipeline",
                    "owner",
                    "org_unit",
                    "metric",
                    "stage",
                    "days",
                    "month",
                    "count",
                ],
                name="durationstat_read",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric}/{self.stage_id}/{self.owner_id}/{self.month}/{self.days}"


# Sub-domains of the pipeline app (D17: their models belong to this app).
from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule  # noqa: E402,F401
