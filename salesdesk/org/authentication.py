"""Sign-in (ORG-5): one authentication backend with login lockout, used by every login path
(web, Django admin, API), so a lockout cannot be bypassed through another door.

Failures are counted per account: `SALESDESK_LOCKOUT_FAILURES` failures (wrong password, wrong
two-factor or recovery code) within `SALESDESK_LOCKOUT_WINDOW_MINUTES` lock the account for
`SALESDESK_LOCKOUT_MINUTES`; while locked even the right password is refused. Unknown usernames are
counted the same way (in the cache), so the answers never reveal whether a username exists.

The backend notes its outcome on the request (`request.salesdesk_signin_outcome`: "locked",
"inactive" or None) for `salesdesk.org.signin`, which turns it into a typed error.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import User

OUTCOME_ATTRIBUTE = "salesdesk_signin_outcome"
UNKNOWN_USER_CACHE_PREFIX = "salesdesk:signin-unknown:"


def _note(request, outcome: str | None) -> None:
    if request is not None:
        setattr(request, OUTCOME_ATTRIBUTE, outcome)
        request.salesdesk_locked_out = outcome == "locked"


def _window() -> timedelta:
    return timedelta(minutes=settings.SALESDESK_LOCKOUT_WINDOW_MINUTES)


def _lock_period() -> timedelta:
    return timedelta(minutes=settings.SALESDESK_LOCKOUT_MINUTES)


class LockoutModelBackend(ModelBackend):
    """Username/password authentication that locks an account after repeated failures.

    A user with two-factor sign-in enabled is returned after the right password, but their failure
    count is only reset once the second step succeeds (`register_success`), so alternating the
    right password with guessed codes cannot dodge the lockout.
    """

    def get_user(self, user_id):
        """The signed-in user of a session, with the role (data scope, permissions) and unit
        (user menu, scoping) in the same query: every page needs both."""
        try:
            user = User._default_manager.select_related("role", "unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        _note(request, None)
        username = str(username).strip()[:150]
        user = User.objects.filter(username__iexact=username).first() if username else None
        if user is None:
            User().set_password(
                password
            )  # same work as a real check: no user enumeration by timing
            if unknown_user_lock_remaining(username):
                audit_record(
                    kind=AuditEvent.Kind.LOGIN_FAILED,
                    request=request,
                    username=username,
                    data={"reason": "locked"},
                )
                _note(request, "locked")
                return None
            audit_record(
                kind=AuditEvent.Kind.LOGIN_FAILED,
                request=request,
                username=username,
                data={"reason": "unknown_user"},
            )
            if _register_unknown_failure(username, request=request):
                _note(request, "locked")
            return None
        if user.is_locked:
            User().set_password(password)
            audit_record(
                kind=AuditEvent.Kind.LOGIN_FAILED,
                request=request,
                username=user.username,
                target=user,
                data={"reason": "locked"},
            )
            _note(request, "locked")
            return None
        if not user.check_password(password):
            register_failure(user, request=request, reason="bad_password")
            return None
        if not self.user_can_authenticate(user):
            audit_record(
                kind=AuditEvent.Kind.LOGIN_FAILED,
                request=request,
                username=user.username,
                target=user,
                data={"reason": "inactive"},
            )
            _note(request, "inactive")
            return None
        if not user.totp_enabled:
            register_success(user)
        return user


def register_failure(user: User, *, request=None, reason: str) -> bool:
    """Count a failed sign-in (password, TOTP or recovery code) and lock when over the limit.

    Returns True when this failure locked the account.
    """
    now = timezone.now()
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        if fresh.first_failed_login_at is None or fresh.first_failed_login_at < now - _window():
            fresh.failed_logins = 1
            fresh.first_failed_login_at = now
        else:
            fresh.failed_logins = F("failed_logins") + 1
        fresh.save(update_fields=["failed_logins", "first_failed_login_at"])
        fresh.refresh_from_db(fields=["failed_logins"])
        audit_record(
            kind=AuditEvent.Kind.LOGIN_FAILED,
            request=request,
            username=fresh.username,
            target=fresh,
            data={"reason": reason},
        )
        locked = fresh.failed_logins >= settings.SALESDESK_LOCKOUT_FAILURES
        if locked:
            fresh.locked_until = now + _lock_period()
            fresh.failed_logins = 0
            fresh.first_failed_login_at = None
            fresh.save(update_fields=["locked_until", "failed_logins", "first_failed_login_at"])
            audit_record(
                kind=AuditEvent.Kind.LOCKED_OUT,
                request=request,
                username=fresh.username,
                target=fresh,
                data={"until": fresh.locked_until.isoformat()},
            )
            _note(request, "locked")
    user.failed_logins = fresh.failed_logins
    user.first_failed_login_at = fresh.first_failed_login_at
    user.locked_until = fresh.locked_until
    return locked


def register_success(user: User) -> None:
    """A complete sign-in: forget earlier failures and an expired lock (one conditional UPDATE)."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).filter(
        Q(failed_logins__gt=0)
        | Q(first_failed_login_at__isnull=False)
        | Q(locked_until__isnull=False)
    ).exclude(locked_until__gt=now).update(
        failed_logins=0, first_failed_login_at=None, locked_until=None
    )
    user.failed_logins = 0
    user.first_failed_login_at = None
    user.locked_until = None


def _unknown_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return UNKNOWN_USER_CACHE_PREFIX + digest


def _register_unknown_failure(username: str, *, request=None) -> bool:
    """Count a failure for a username that does not exist, exactly like for a real account."""
    now = timezone.now().timestamp()
    key = _unknown_key(username)
    state = cache.get(key) or {}
    if not state.get("first") or state["first"] < now - _window().total_seconds():
        state = {"count": 0, "first": now}
    state["count"] += 1
    locked = state["count"] >= settings.SALESDESK_LOCKOUT_FAILURES
    if locked:
        state = {"count": 0, "first": None, "locked_until": now + _lock_period().total_seconds()}
        audit_record(
            kind=AuditEvent.Kind.LOCKED_OUT,
            request=request,
            username=username,
            data={"unknown_user": True},
        )
    timeout = int(max(_window(), _lock_period()).total_seconds()) + 60
    cache.set(key, state, timeout=timeout)
    return locked


def unknown_user_lock_remaining(username: str) -> int:
    state = cache.get(_unknown_key(username)) or {}
    until = state.get("locked_until")
    if not until:
        return 0
    return max(0, math.ceil(until - timezone.now().timestamp()))


def lock_remaining_seconds(username: str) -> int:
    """Seconds until the account called `username` may sign in again (0: not locked).

    Answers the same way for unknown usernames that were tried too often.
    """
    username = str(username).strip()[:150]
    user = User.objects.filter(username__iexact=username).only("locked_until").first()
    if user is None:
        return unknown_user_lock_remaining(username)
    if not user.is_locked:
        return 0
    return max(1, math.ceil((user.locked_until - timezone.now()).total_seconds()))
