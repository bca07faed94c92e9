"""Import jobs (DAT-1): one uploaded file, its column mapping, options, progress and results."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip duplicates")
    UPDATE = "update", _("Update duplicates")
    CREATE = "create", _("Create anyway")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Validating")
        PREVIEWED = "previewed", _("Ready to import")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    entity = models.CharField(_("record type"), max_length=40)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(max_length=500, editable=False)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    headers = models.JSONField(_("columns in the file"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    duplicate_policy = models.CharField(
        _("duplicates"), max_length=8, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    all_or_nothing = models.BooleanField(_("all or nothing"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    error_report_path = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["user", "-created_at"], name="import_job_user_time")]

    def __str__(self) -> str:
        return f"{self.entity} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))
