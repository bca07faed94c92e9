"""Work reports 日报/周报/月报 (PRF-6, D49).

A `WorkReport` is a business record (`ScopedModel`) owned by its author, in the author's org unit,
so the one scoping function decides who sees it (a rep: their own; a team lead: their
subordinates'; a manager or director: their unit tree). Drafts are private to the author: others
see submitted reports only (selectors). The period is derived from the kind and a date (a day,
the ISO week Monday–Sunday, the calendar month); one live report per author, kind and period.
`numbers` is the snapshot of the author's metric-layer figures taken on submit ({} in draft).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.org.models import ScopedModel


class ReportKind(models.TextChoices):
    DAILY = "daily", _("Daily report")
    WEEKLY = "weekly", _("Weekly report")
    MONTHLY = "monthly", _("Monthly report")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


def period_for(kind: str, day: date) -> tuple[date, date]:
    """The period of a `kind` report that contains `day`: the day itself, its ISO week
    (Monday–Sunday, possibly across a month or year boundary) or its calendar month."""
    if kind == ReportKind.DAILY:
        return day, day
    if kind == ReportKind.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == ReportKind.MONTHLY:
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    raise ValueError(f"unknown report kind {kind!r}")


def period_label(kind: str, start: date) -> str:
    if kind == ReportKind.WEEKLY:
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == ReportKind.MONTHLY:
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}"


class WorkReport(ScopedModel):
    """One daily, weekly or monthly report of its author (`owner`)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    summary = models.TextField(_("summary"), blank=True)
    plan = models.TextField(_("plan"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    numbers = models.JSONField(_("numbers"), default=dict, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "period_start"],
                condition=models.Q(deleted_at__isnull=True),
                name="workreport_one_per_period",
            )
        ]
        indexes = [
            models.Index(fields=["owner", "kind", "period_start"], name="workreport_owner"),
            models.Index(fields=["org_unit", "status", "period_start"], name="workreport_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.kind, self.period_start)

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


class WorkReportComment(models.Model):
    """A comment on a submitted report: by a manager who sees it, or the author's reply."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("work report comment")
        verbose_name_plural = _("work report comments")

    def __str__(self) -> str:
        return self.text[:40]


class WorkReportRead(models.Model):
    """Who (other than the author) has opened a submitted report, and when first."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reader"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    read_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        ordering = ["read_at", "id"]
        verbose_name = _("work report read")
        verbose_name_plural = _("work report reads")
        constraints = [
            models.UniqueConstraint(fields=["report", "reader"], name="workreport_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.reader_id}"
