"""Writes for the organisation: units, users, roles (ORG-1, ORG-3); one transaction each."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.locking import save_versioned
from salesdesk.core.models import AuditEvent
from salesdesk.core.recycle import recycle_bin
from salesdesk.org.models import FunctionPermission, OrgUnit, Role, Share, User
from salesdesk.org.scoping import editable_by, visible_to

UNIT_FIELDS = ("name", "code", "kind", "parent", "manager", "sort_order")
USER_FIELDS = (
    "username",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "unit",
    "reports_to",
    "role",
    "language",
)
ROLE_FIELDS = (
    "name",
    "name_en",
    "description",
    "data_scope",
    *(p.value for p in FunctionPermission),
)


def require_configure(actor: User) -> None:
    if not actor.has_function(FunctionPermission.CONFIGURE):
        raise PermissionDenied(_("You do not have permission to configure the organisation."))


def _unit_path(parent: OrgUnit | None, pk: int) -> tuple[str, int]:
    if parent is None:
        return f"/{pk}/", 0
    return f"{parent.path}{pk}/", parent.depth + 1


def _check_unit_parent(*, actor: User, parent: OrgUnit | None, unit: OrgUnit | None = None) -> None:
    if parent is None:
        if not actor.has_function(FunctionPermission.CONFIGURE) or actor.data_scope != "all":
            raise ValidationError({"parent": _("Only administrators may create top-level units.")})
        return
    if parent.is_deleted:
        raise ValidationError({"parent": _("The parent unit is in the recycle bin.")})
    if not editable_by(OrgUnit.objects.filter(pk=parent.pk), actor).exists():
        raise ValidationError({"parent": _("Select a unit you manage.")})
    if unit is not None and unit.pk and parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot be moved below itself.")})


@transaction.atomic
def unit_create(
    *,
    actor: User,
    name: str,
    kind: str,
    parent: OrgUnit | None,
    code: str = "",
    manager: User | None = None,
    sort_order: int = 0,
    request=None,
) -> OrgUnit:
    require_configure(actor)
    _check_unit_parent(actor=actor, parent=parent)
    unit = OrgUnit(
        name=name.strip(),
        code=code.strip(),
        kind=kind,
        parent=parent,
        manager=manager,
        sort_order=sort_order,
    )
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path, unit.depth = _unit_path(parent, unit.pk)
    OrgUnit.all_objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    audit_record(
        kind=AuditEvent.Kind.UNIT_CHANGED,
        actor=actor,
        request=request,
        target=unit,
        data={"action": "created"},
    )
    return unit


@transaction.atomic
def unit_update(
    *, actor: User, unit: OrgUnit, expected_version: int | None = None, request=None, **changes
) -> OrgUnit:
    """Edit a unit; moving it (a new parent) rewrites the paths of its whole subtree."""
    require_configure(actor)
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown unit fields: {sorted(unknown)}")
    unit = editable_by(OrgUnit.objects.select_for_update(), actor).get(pk=unit.pk)
    old_parent_id = unit.parent_id
    for field, value in changes.items():
        setattr(unit, field, value.strip() if isinstance(value, str) else value)
    moved = "parent" in changes and unit.parent_id != old_parent_id
    if moved:
        _check_unit_parent(actor=actor, parent=unit.parent, unit=unit)
    unit.full_clean(exclude=["path"])
    old_path = unit.path
    if moved:
        new_path, new_depth = _unit_path(unit.parent, unit.pk)
        depth_delta = new_depth - unit.depth
        from django.db.models import F

        OrgUnit.all_objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
            depth=F("depth") + depth_delta,
        )
        unit.path, unit.depth = new_path, new_depth
    save_versioned(unit, expected_version=expected_version, fields=[*changes.keys()], actor=actor)
    audit_record(
        kind=AuditEvent.Kind.UNIT_CHANGED,
        actor=actor,
        request=request,
        target=unit,
        data={"action": "moved" if moved else "updated", "fields": sorted(changes)},
    )
    return unit


def _unit_deletable(unit: OrgUnit) -> None:
    if OrgUnit.objects.filter(parent=unit).exists():
        raise ValidationError(_("Move or delete the sub-units of this unit first."))
    if User.objects.filter(unit=unit, is_active=True).exists():
        raise ValidationError(_("Move the active members of this unit to another unit first."))


def _unit_restorable(unit: OrgUnit) -> None:
    if (
        unit.parent_id
        and OrgUnit.all_objects.filter(pk=unit.parent_id, deleted_at__isnull=False).exists()
    ):
        raise ValidationError(_("Restore the parent unit first."))


recycle_bin.register(OrgUnit, can_delete=_unit_deletable, can_restore=_unit_restorable)


def _check_reports_to(user: User | None, manager: User | None) -> None:
    if manager is None:
        return
    if user is not None and user.pk:
        # Walk up from the new manager; meeting the user means a cycle.
        seen = set()
        current = manager
        while current is not None and current.pk not in seen:
            if current.pk == user.pk:
                raise ValidationError({"reports_to": _("This would make a reporting loop.")})
            seen.add(current.pk)
            current = current.reports_to
    if not manager.is_active:
        raise ValidationError({"reports_to": _("The manager is deactivated.")})


def _check_assignable(actor: User, *, unit: OrgUnit | None, role: Role | None) -> None:
    if unit is not None and not editable_by(OrgUnit.objects.filter(pk=unit.pk), actor).exists():
        raise ValidationError({"unit": _("Select a unit you manage.")})
    if role is not None and role.can_configure and actor.data_scope != "all":
        raise ValidationError({"role": _("Only administrators may grant this role.")})


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    role: Role,
    unit: OrgUnit | None,
    reports_to: User | None = None,
    request=None,
    **fields,
) -> User:
    require_configure(actor)
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ValueError(f"unknown user fields: {sorted(unknown)}")
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    _check_assignable(actor, unit=unit, role=role)
    _check_reports_to(None, reports_to)
    user = User(username=username, role=role, unit=unit, reports_to=reports_to, **fields)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.is_staff = role.can_configure
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        kind=AuditEvent.Kind.USER_CREATED,
        actor=actor,
        request=request,
        target=user,
        data={"role": role.code},
    )
    return user


@transaction.atomic
def user_update(
    *, actor: User, user: User, expected_version: int | None = None, request=None, **changes
) -> User:
    require_configure(actor)
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise ValueError(f"unknown user fields: {sorted(unknown)}")
    user = editable_by(User.objects.select_for_update(), actor).get(pk=user.pk)
    old_role = user.role
    for field, value in changes.items():
        setattr(user, field, value.strip() if isinstance(value, str) else value)
    if (
        "username" in changes
        and User.objects.filter(username__iexact=user.username).exclude(pk=user.pk).exists()
    ):
        raise ValidationError({"username": _("This username is taken.")})
    _check_assignable(actor, unit=changes.get("unit"), role=changes.get("role"))
    if "reports_to" in changes:
        _check_reports_to(user, user.reports_to)
    if (
        user.pk == actor.pk
        and "role" in changes
        and user.role_id != old_role.pk
        and old_role.can_configure
    ):
        raise ValidationError({"role": _("You cannot remove your own administrator role.")})
    user.full_clean(exclude=["password"])
    if "role" in changes:
        user.is_staff = bool(user.role and user.role.can_configure)
    save_versioned(
        user, expected_version=expected_version, fields=[*changes.keys(), "is_staff"], actor=actor
    )
    if "role" in changes and old_role != user.role:
        audit_record(
            kind=AuditEvent.Kind.ROLE_CHANGED,
            actor=actor,
            request=request,
            target=user,
            data={
                "from": old_role.code if old_role else None,
                "to": user.role.code if user.role else None,
            },
        )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User, request=None) -> User:
    """Deactivate a user: they can no longer sign in; their records, history and tokens stay,
    tokens stop working. Their direct reports move up to the user's own manager."""
    require_configure(actor)
    user = editable_by(User.objects.select_for_update(), actor).get(pk=user.pk)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    if not user.is_active:
        raise ValidationError(_("This user is already deactivated."))
    user.is_active = False
    user.deactivated_at = timezone.now()
    user._change_reason = "deactivated"
    save_versioned(user, expected_version=None, fields=["is_active", "deactivated_at"], actor=actor)
    from django.contrib.sessions.models import Session

    # End their sessions at once (a table scan, but deactivation is rare).
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    audit_record(kind=AuditEvent.Kind.USER_DEACTIVATED, actor=actor, request=request, target=user)
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User, request=None) -> User:
    require_configure(actor)
    user = editable_by(User.objects.select_for_update(), actor).get(pk=user.pk)
    if user.is_active:
        raise ValidationError(_("This user is already active."))
    user.is_active = True
    user.deactivated_at = None
    user.failed_logins = 0
    user.locked_until = None
    save_versioned(
        user,
        expected_version=None,
        fields=["is_active", "deactivated_at", "failed_logins", "locked_until"],
        actor=actor,
    )
    audit_record(kind=AuditEvent.Kind.USER_REACTIVATED, actor=actor, request=request, target=user)
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User, request=None) -> User:
    """Lift a sign-in lockout before it runs out (the user called the help desk)."""
    require_configure(actor)
    user = editable_by(User.objects.select_for_update(), actor).get(pk=user.pk)
    if not user.is_locked:
        raise ValidationError(_("This account is not locked."))
    User.objects.filter(pk=user.pk).update(
        locked_until=None, failed_logins=0, first_failed_login_at=None
    )
    user.locked_until = None
    audit_record(
        kind=AuditEvent.Kind.PERMISSION_CHANGED,
        actor=actor,
        request=request,
        target=user,
        data={"action": "unlocked"},
    )
    return user


@transaction.atomic
def user_reset_two_factor(*, actor: User, user: User, request=None) -> User:
    """Switch off two-factor sign-in for a user who lost their phone and recovery codes.
    They sign in with their password and may enrol again."""
    from salesdesk.org.models import RecoveryCode

    require_configure(actor)
    user = editable_by(User.objects.select_for_update(), actor).get(pk=user.pk)
    if not user.totp_enabled:
        raise ValidationError(_("Two-factor sign-in is not on for this user."))
    User.objects.filter(pk=user.pk).update(totp_enabled=False, totp_secret="")
    RecoveryCode.objects.filter(user=user).delete()
    user.totp_enabled, user.totp_secret = False, ""
    audit_record(
        kind=AuditEvent.Kind.TOTP_DISABLED,
        actor=actor,
        request=request,
        target=user,
        data={"by_administrator": True},
    )
    return user


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str, request=None) -> User:
    """An administrator sets a password, or a user changes their own."""
    if actor.pk != user.pk:
        require_configure(actor)
        user = editable_by(User.objects.select_for_update(), actor).get(pk=user.pk)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(kind=AuditEvent.Kind.PASSWORD_CHANGED, actor=actor, request=request, target=user)
    return user


@transaction.atomic
def role_update(
    *, actor: User, role: Role, expected_version: int | None = None, request=None, **changes
) -> Role:
    require_configure(actor)
    if actor.data_scope != "all":
        raise PermissionDenied(_("Only administrators may change roles."))
    unknown = set(changes) - set(ROLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown role fields: {sorted(unknown)}")
    role = Role.objects.select_for_update().get(pk=role.pk)
    before = {f: getattr(role, f) for f in changes}
    for field, value in changes.items():
        setattr(role, field, value)
    if role.code == Role.Code.ADMIN and (not role.can_configure or role.data_scope != "all"):
        raise ValidationError(
            _("The administrator role must keep configuration rights and the 'all records' scope.")
        )
    role.full_clean()
    save_versioned(role, expected_version=expected_version, fields=list(changes), actor=actor)
    User.objects.filter(role=role).update(is_staff=role.can_configure)
    diff = {f: [before[f], getattr(role, f)] for f in changes if before[f] != getattr(role, f)}
    if diff:
        audit_record(
            kind=AuditEvent.Kind.PERMISSION_CHANGED,
            actor=actor,
            request=request,
            target=role,
            data={"changes": diff},
        )
    return role


def can_view_unit(actor: User, unit_pk: int) -> bool:
    return visible_to(OrgUnit.objects.filter(pk=unit_pk), actor).exists()


@transaction.atomic
def share_grant(*, actor: User, record, user: User, access: str, request=None) -> Share:
    """Share one record with a named colleague (团队成员), read-only or read-write (ORG-2).

    The actor must be able to edit the record; sharing with oneself or an inactive user is refused.
    """
    model = type(record)
    if not editable_by(model._default_manager.filter(pk=record.pk), actor).exists():
        raise model.DoesNotExist
    if access not in Share.Access.values:
        raise ValidationError({"access": _("Choose read only or read and write.")})
    if user.pk == actor.pk or not user.is_active:
        raise ValidationError({"user": _("Choose an active colleague other than yourself.")})
    share, _created = Share.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=record.pk,
        user=user,
        defaults={"access": access, "granted_by": actor},
    )
    User.objects.filter(pk=user.pk, has_received_shares=False).update(has_received_shares=True)
    audit_record(
        kind=AuditEvent.Kind.SHARE_CHANGED,
        actor=actor,
        request=request,
        target=record,
        data={"user": user.username, "access": access},
    )
    return share


@transaction.atomic
def share_revoke(*, actor: User, record, user: User, request=None) -> None:
    model = type(record)
    if not editable_by(model._default_manager.filter(pk=record.pk), actor).exists():
        raise model.DoesNotExist
    deleted, _detail = Share.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=record.pk, user=user
    ).delete()
    if deleted:
        if not Share.objects.filter(user=user).exists():
            User.objects.filter(pk=user.pk).update(has_received_shares=False)
        audit_record(
            kind=AuditEvent.Kind.SHARE_CHANGED,
            actor=actor,
            request=request,
            target=record,
            data={"user": user.username, "access": None},
        )
