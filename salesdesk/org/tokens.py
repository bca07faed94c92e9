"""Per-user API tokens (ORG-5, DAT-2).

A key looks like ``sd_1a2b3c4d_<43 random characters>``: the 8-character prefix identifies the
token in lists, and only the SHA-256 digest of the whole key is stored. The key is returned once by
`token_create` and can never be shown again.

    token_create(*, user, name, expires_at=None, actor=None, request=None) -> (ApiToken, key)
    token_revoke(*, token, actor=None, request=None) -> ApiToken
    token_authenticate(key, *, request=None) -> User | None
    token_create_with_password(*, request, username, password, code=None, name,
                               expires_at=None) -> (ApiToken, key)   # raises SignInError
    tokens_of(user) -> QuerySet[ApiToken]
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import ApiToken, FunctionPermission, User
from salesdesk.org.scoping import editable_by

KEY_PREFIX = "sd_"
PREFIX_LENGTH = 8
MAX_KEY_LENGTH = 200
MAX_ACTIVE_TOKENS_PER_USER = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)
USE_AUDIT_INTERVAL = timedelta(hours=1)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first (active, expired and revoked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_status(token: ApiToken) -> str:
    """ "active", "expired" or "revoked"."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return "expired"
    return "active"


def _clean_fields(*, name: str, expires_at: datetime | None) -> str:
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name, e.g. the program that will use it.")]
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long (at most 80 characters).")]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    actor: User | None = None,
    request=None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the token and its key (shown once, never stored)."""
    actor = actor or user
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only create API tokens for yourself."))
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    name = _clean_fields(name=name, expires_at=expires_at)
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise the count below
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(
        expires_at__lte=timezone.now()
    )
    if active.count() >= MAX_ACTIVE_TOKENS_PER_USER:
        raise ValidationError(
            _("You have %(count)d active tokens, the most allowed. Revoke one first.")
            % {"count": MAX_ACTIVE_TOKENS_PER_USER}
        )
    prefix, key = _new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=token_digest(key), expires_at=expires_at
    )
    audit_record(
        kind=AuditEvent.Kind.TOKEN_CREATED,
        actor=actor,
        request=request,
        target=token,
        data={
            "prefix": prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None = None, request=None) -> ApiToken:
    """Revoke a token at once. The owner may revoke their own; administrators (configure
    permission) any token of a user they manage. Revoking twice is refused."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    actor = actor or token.user
    if actor.pk != token.user_id:
        allowed = (
            actor.has_function(FunctionPermission.CONFIGURE)
            and editable_by(User.objects.filter(pk=token.user_id), actor).exists()
        )
        if not allowed:
            raise PermissionDenied(_("You cannot revoke this token."))
    if token.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        kind=AuditEvent.Kind.TOKEN_REVOKED,
        actor=actor,
        request=request,
        target=token,
        data={"prefix": token.prefix, "owner": token.user.username},
    )
    return token


def token_authenticate(key: str | None, *, request=None) -> User | None:
    """The active user a key belongs to, or None (unknown, revoked or expired token, or a
    deactivated user). The token is available afterwards as `user.auth_token`."""
    if not key or not isinstance(key, str):
        return None
    key = key.strip()
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user__role", "user__unit")
        .filter(digest=token_digest(key))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    user = token.user
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        recently_audited = AuditEvent.objects.filter(
            kind=AuditEvent.Kind.TOKEN_USED,
            target_type=ApiToken._meta.label_lower,
            target_id=str(token.pk),
            created_at__gt=now - USE_AUDIT_INTERVAL,
        ).exists()
        if not recently_audited:
            audit_record(
                kind=AuditEvent.Kind.TOKEN_USED,
                actor=user,
                request=request,
                target=token,
                data={"prefix": token.prefix},
            )
    user.auth_token = token
    return user


def token_create_with_password(
    *,
    request,
    username: str,
    password: str,
    code: str | None = None,
    name: str,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Exchange credentials for a new token (API sign-in). Goes through the same lockout and
    two-factor checks as the web sign-in; raises `salesdesk.org.signin.SignInError`."""
    from salesdesk.org.signin import sign_in_check

    _clean_fields(name=name, expires_at=expires_at)
    user = sign_in_check(request=request, username=username, password=password, code=code)
    audit_record(
        kind=AuditEvent.Kind.LOGIN,
        actor=user,
        request=request,
        target=user,
        data={"via": "api_token", "method": user.salesdesk_signin_method},
    )
    return token_create(user=user, name=name, expires_at=expires_at, request=request)
