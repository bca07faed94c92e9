"""Primitives shared by every domain app: timestamps, soft delete, optimistic locking, audit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """The default manager of soft-deletable models: deleted rows are invisible."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class AllRowsManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """Every row, deleted or not: for the recycle bin and for restores."""


class SoftDeleteModel(models.Model):
    """Deletion moves a record to the recycle bin (DAT-4); see salesdesk.core.recycle."""

    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AliveManager()
    all_objects = AllRowsManager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class VersionedModel(models.Model):
    """Optimistic locking (convention 5): every edit bumps `version`; see core.locking."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """A security event (DAT-4): logins, failures, permission changes, exports, token use."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        LOGOUT = "logout", _("Signed out")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        TOTP_ENABLED = "totp_enabled", _("Two-factor sign-in enabled")
        TOTP_DISABLED = "totp_disabled", _("Two-factor sign-in disabled")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        TOKEN_USED = "token_used", _("API token used")
        ROLE_CHANGED = "role_changed", _("Role changed")
        PERMISSION_CHANGED = "permission_changed", _("Role permissions changed")
        USER_CREATED = "user_created", _("User created")
        USER_DEACTIVATED = "user_deactivated", _("User deactivated")
        USER_REACTIVATED = "user_reactivated", _("User reactivated")
        UNIT_CHANGED = "unit_changed", _("Organisation changed")
        EXPORT = "export", _("Data exported")
        RECORD_DELETED = "record_deleted", _("Record deleted")
        RECORD_RESTORED = "record_restored", _("Record restored")
        RECORD_PURGED = "record_purged", _("Record purged")
        SHARE_CHANGED = "share_changed", _("Sharing changed")
        BACKUP = "backup", _("Backup made")
        CUSTOMER_HANDOVER = "customer_handover", _("Customers handed over")
        CUSTOMER_MERGE = "customer_merge", _("Customers merged")
        COMMISSION_LOCKED = "commission_period_locked", _("Commission period locked")
        COMMISSION_UNLOCKED = "commission_period_unlocked", _("Commission period unlocked")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["kind", "-created_at"], name="core_audit_kind_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class Notification(models.Model):
    """An in-app notification or to-do for one user (the bell in the top bar)."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        TODO = "todo", _("To-do")
        WARNING = "warning", _("Warning")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="core_notif_user_unread")
        ]

    def __str__(self) -> str:
        return self.title


class UserPreference(models.Model):
    """A remembered UI choice of one user, e.g. the columns and filters of a list page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    key = models.CharField(max_length=100)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_preference_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class SavedView(models.Model):
    """A list view a user saved: a name and the filter query string of one list page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    page = models.CharField(_("page"), max_length=60)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["page", "name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "name"], name="core_savedview_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DigestLog(models.Model):
    """One daily to-do email (CUS-8) per user and local day: the unique pair makes reruns and
    several job workers send it at most once. `sent_at` stays empty when there was nothing to do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_logs"
    )
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("to-do email")
        verbose_name_plural = _("to-do emails")
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="core_digestlog_user_date")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.date}"


class CalendarDay(models.Model):
    """An administrator's override of the working calendar (salesdesk.core.workdays): a date that
    is a working day or a day off whatever the built-in China calendar says."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"
