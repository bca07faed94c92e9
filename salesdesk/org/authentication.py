"""Sign-in (ORG-5): one authentication backend with login lockout, used by every login path
(web, Django admin, API token login), so a lockout cannot be bypassed through another door."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import User


class LockoutModelBackend(ModelBackend):
    """Username/password authentication that locks an account after repeated failures.

    `SALESDESK_LOCKOUT_FAILURES` failures within `SALESDESK_LOCKOUT_WINDOW_MINUTES` lock the account
    for `SALESDESK_LOCKOUT_MINUTES`; while locked even the right password is refused.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no user enumeration by timing
            audit_record(kind=AuditEvent.Kind.LOGIN_FAILED, request=request, username=username[:150],
                         data={"reason": "unknown_user"})
            return None
        if user.is_locked:
            audit_record(kind=AuditEvent.Kind.LOCKED_OUT, request=request, username=user.username,
                         target=user)
            if request is not None:
                request.salesdesk_locked_out = True
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins or user.first_failed_login_at:
                User.objects.filter(pk=user.pk).update(failed_logins=0, first_failed_login_at=None)
            return user
        register_failure(user, request=request, reason="bad_password" if user.is_active else "inactive")
        return None


def register_failure(user: User, *, request=None, reason: str) -> None:
    """Count a failed sign-in (password, TOTP or recovery code) and lock when over the limit."""
    now = timezone.now()
    window = timedelta(minutes=settings.SALESDESK_LOCKOUT_WINDOW_MINUTES)
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        if fresh.first_failed_login_at is None or fresh.first_failed_login_at < now - window:
            fresh.failed_logins = 1
            fresh.first_failed_login_at = now
        else:
            fresh.failed_logins = F("failed_logins") + 1
        fresh.save(update_fields=["failed_logins", "first_failed_login_at"])
        fresh.refresh_from_db(fields=["failed_logins"])
        audit_record(kind=AuditEvent.Kind.LOGIN_FAILED, request=request, username=fresh.username,
                     target=fresh, data={"reason": reason})
        if fresh.failed_logins >= settings.SALESDESK_LOCKOUT_FAILURES:
            fresh.locked_until = now + timedelta(minutes=settings.SALESDESK_LOCKOUT_MINUTES)
            fresh.failed_logins = 0
            fresh.first_failed_login_at = None
            fresh.save(update_fields=["locked_until", "failed_logins", "first_failed_login_at"])
            audit_record(kind=AuditEvent.Kind.LOCKED_OUT, request=request, username=fresh.username,
                         target=fresh, data={"until": fresh.locked_until.isoformat()})
            if request is not None:
                request.salesdesk_locked_out = True
