"""Organisation (ORG-1), roles and function permissions (ORG-3), sharing (ORG-2), tokens (ORG-5)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.core.models import (
    AliveManager,
    AllRowsManager,
    SoftDeleteModel,
    TimeStampedModel,
    VersionedModel,
)
from salesdesk.org.scoping import ScopedQuerySet


class DataScope(models.TextChoices):
    OWN = "own", _("Own records")
    OWN_SUBORDINATES = "own_subordinates", _("Own and subordinates' records")
    OWN_UNIT = "own_unit", _("Own unit's records")
    UNIT_TREE = "unit_tree", _("Own unit and its sub-units' records")
    ALL = "all", _("All records")


class FunctionPermission(models.TextChoices):
    """Function permissions granted per role (ORG-3)."""

    EXPORT = "can_export", _("Export")
    DELETE = "can_delete", _("Delete")
    TRANSFER = "can_transfer", _("Transfer")
    APPROVE = "can_approve", _("Approve")
    POOL_ADMIN = "can_admin_pool", _("Administer public pools")
    CONFIGURE = "can_configure", _("Configure the system")
    MANAGE_GOALS = "can_manage_goals", _("Set goals")
    EVALUATE = "can_evaluate", _("Evaluate performance")
    COMMISSIONS = "can_manage_commissions", _("Manage commissions")
    TRAINING = "can_manage_training", _("Manage training")


class Role(TimeStampedModel, VersionedModel):
    """A role: data scope plus function permissions. Six are created on install."""

    class Code(models.TextChoices):
        REP = "rep", _("Sales rep")
        TEAM_LEAD = "team_lead", _("Team lead")
        MANAGER = "manager", _("Sales manager")
        DIRECTOR = "director", _("Sales director")
        FINANCE = "finance", _("Finance")
        ADMIN = "admin", _("Administrator")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    data_scope = models.CharField(
        _("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.OWN
    )
    can_export = models.BooleanField(_("may export"), default=False)
    can_delete = models.BooleanField(_("may delete"), default=False)
    can_transfer = models.BooleanField(_("may transfer"), default=False)
    can_approve = models.BooleanField(_("may approve"), default=False)
    can_admin_pool = models.BooleanField(_("may administer public pools"), default=False)
    can_configure = models.BooleanField(_("may configure the system"), default=False)
    # Set and decompose goals (TGT-1/2) for the units and people in the role's data scope.
    can_manage_goals = models.BooleanField(_("may set goals"), default=False)
    # Compute, publish and lock scorecards (PRF-2) of the people and units in the role's scope.
    can_evaluate = models.BooleanField(_("may evaluate performance"), default=False)
    # Commission plans, statements and locking a period (PRF-4): finance, directors, administrators.
    can_manage_commissions = models.BooleanField(_("may manage commissions"), default=False)
    # Training programs, sessions, attendance and assessments (PRF-5).
    can_manage_training = models.BooleanField(_("may manage training"), default=False)
    is_system = models.BooleanField(_("built-in"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def permissions(self) -> list[str]:
        return [p.value for p in FunctionPermission if getattr(self, p.value)]


class OrgUnitQuerySet(ScopedQuerySet):
    def subtree_of(self, unit: OrgUnit):
        return self.filter(path__startswith=unit.path)


class OrgUnitManager(AliveManager.from_queryset(OrgUnitQuerySet)):
    pass


class OrgUnitAllManager(AllRowsManager.from_queryset(OrgUnitQuerySet)):
    pass


class OrgUnit(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A node of the organisation tree: company → region → department → team."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("code"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids, e.g. "/1/4/9/": the subtree of a unit is one indexed prefix scan.
    path = models.CharField(_("path"), max_length=1000, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unit manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
    )
    sort_order = models.IntegerField(_("sort order"), default=0)

    objects = OrgUnitManager()
    all_objects = OrgUnitAllManager()
    history = HistoricalRecords(excluded_fields=["path", "depth", "updated_at"])

    # Scoping (salesdesk.org.scoping): a unit has no owner; its own id is its unit.
    scope_owner_field = None
    scope_unit_field = "id"

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class SalesDeskUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser, VersionedModel):
    """A person who signs in. Deactivation (is_active=False) never deletes their records."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    phone = models.CharField(_("mobile"), max_length=30, blank=True)
    title = models.CharField(_("job title"), max_length=80, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="direct_reports",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser."),
    )
    time_zone = models.CharField(_("time zone"), max_length=50, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    # Two-factor sign-in (TOTP). The secret is only used once confirmed by a valid code.
    totp_secret = models.CharField(max_length=64, blank=True, editable=False)
    totp_enabled = models.BooleanField(_("two-factor sign-in"), default=False)
    # Lockout: failures are counted per account; see salesdesk.org.authentication.
    failed_logins = models.PositiveIntegerField(default=0, editable=False)
    first_failed_login_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    # Set when a record is shared with this user (org.Share); lets the scoping function skip the
    # shares branch, which would stop the database from using its indexes, for everyone else.
    has_received_shares = models.BooleanField(default=False, editable=False)

    objects = SalesDeskUserManager()
    history = HistoricalRecords(
        excluded_fields=[
            "password",
            "last_login",
            "totp_secret",
            "failed_logins",
            "first_failed_login_at",
            "locked_until",
            "has_received_shares",
        ]
    )

    # Scoping: a user "owns" their own user record and belongs to their unit.
    scope_owner_field = "id"
    scope_unit_field = "unit"

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["reports_to"], name="org_user_reports_to")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def has_function(self, permission: str | FunctionPermission) -> bool:
        """Function permission check (ORG-3). Inactive users have none."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return bool(self.role_id and getattr(self.role, str(permission), False))

    @property
    def data_scope(self) -> str:
        if self.is_superuser:
            return DataScope.ALL
        return self.role.data_scope if self.role_id else DataScope.OWN

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


class Share(TimeStampedModel):
    """An explicit share of one record with a named colleague (团队成员): read or write."""

    class Access(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_received"
    )
    access = models.CharField(_("access"), max_length=10, choices=Access.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="org_share_unique"
            )
        ]
        indexes = [
            models.Index(fields=["user", "content_type", "access"], name="org_share_user_ct"),
        ]


class ApiToken(TimeStampedModel):
    """A per-user API token. Only its SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RecoveryCode(models.Model):
    """One-time recovery codes for two-factor sign-in; stored hashed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code {self.pk} of user {self.user_id}"


class BusinessQuerySet(ScopedQuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class BusinessManager(AliveManager.from_queryset(BusinessQuerySet)):
    pass


class BusinessAllManager(AllRowsManager.from_queryset(BusinessQuerySet)):
    pass


class ScopedModel(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """Base of every business record: an owner and an org unit (ORG-2), soft delete (DAT-4) and
    optimistic locking. Read it with `Model.objects.visible_to(user)`."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )

    objects = BusinessManager()
    all_objects = BusinessAllManager()

    scope_owner_field = "owner"
    scope_unit_field = "org_unit"

    class Meta:
        abstract = True
        base_manager_name = "all_objects"
