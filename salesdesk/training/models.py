"""Training (PRF-5): programs, their sessions, and who attended with which assessment scores.

A `TrainingProgram` is read by everyone signed in and changed by people who may manage training
(`org.permissions.can_manage_training`); an optional owner unit limits who may change it to
managers whose scope holds that unit. Programs are optimistic-locked and deleted to the recycle
bin. A session belongs to one program. An `Attendance` is one person's invitation to a session:
its status and their pre/post assessment scores (0–100); it is scoped by the person (a rep sees
their own rows only, a manager the rows of the people in their scope).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel
from salesdesk.org.models import OrgUnit
from salesdesk.org.scoping import ScopedQuerySet


class ProgramStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")
    ARCHIVED = "archived", _("Archived")


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class TrainingProgram(TimeStampedModel, SoftDeleteModel, VersionedModel):
    title = models.CharField(_("title"), max_length=120)
    topic = models.CharField(_("topic"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Recycle bin scope: what people in the viewer's scope deleted (no owner on programs).
    scope_owner_field = "deleted_by"
    scope_unit_field = "deleted_by__unit"

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("training program")
        verbose_name_plural = _("training programs")

    def __str__(self) -> str:
        return self.title


class TrainingSession(TimeStampedModel, VersionedModel):
    program = models.ForeignKey(
        TrainingProgram,
        verbose_name=_("training program"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trainer_name = models.CharField(_("trainer (external)"), max_length=80, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        indexes = [models.Index(fields=["program", "starts_at"], name="training_session_program")]

    def __str__(self) -> str:
        return self.title

    @property
    def trainer_label(self) -> str:
        if self.trainer_id:
            return self.trainer.name
        return self.trainer_name


class Attendance(TimeStampedModel):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.INVITED,
    )
    pre_score = models.DecimalField(
        _("pre-training score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
    )
    post_score = models.DecimalField(
        _("post-training score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
    )
    feedback = models.TextField(_("feedback"), blank=True)

    objects = ScopedQuerySet.as_manager()

    # Scoped by the person: a rep sees their own rows, a manager those of the people in scope.
    scope_owner_field = "user"
    scope_unit_field = "user__unit"

    class Meta:
        ordering = ["session_id", "user_id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="training_attendance_once")
        ]
        indexes = [models.Index(fields=["user", "status"], name="training_attendance_user")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.user_id}"
