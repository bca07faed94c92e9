"""Sign-in and sign-out (ORG-5), shared by the web pages and the API.

    sign_in_check(*, request, username, password, code=None) -> User
        Password through the lockout backend, then the TOTP or recovery code when the user has
        two-factor sign-in on. Raises SignInError. Does not log anybody in.
    session_login(*, request, user, via="web", method="password") -> None
        Starts the session (Django login, expiry timestamps, saved language) and audits LOGIN.
    login_with_password(request, username, password, otp=None, *, via="api") -> User
        Both of the above.
    sign_out(*, request) -> None
        Audits LOGOUT and ends the session.

Call these outside `transaction.atomic()`: a counted failure must survive the error that follows.
"""

from __future__ import annotations

import math

from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.org.authentication import (
    OUTCOME_ATTRIBUTE,
    lock_remaining_seconds,
    register_failure,
    register_success,
)
from salesdesk.org.middleware import SESSION_LANGUAGE, SESSION_SEEN, SESSION_STARTED
from salesdesk.org.models import User
from salesdesk.org.totp import second_factor_check

BACKEND = "salesdesk.org.authentication.LockoutModelBackend"
__all__ = [
    "SESSION_LANGUAGE",
    "SESSION_SEEN",
    "SESSION_STARTED",
    "SignInError",
    "check_code_step",
    "check_password_step",
    "login_with_password",
    "session_login",
    "sign_in_check",
    "sign_out",
    "verify_current_password",
]


class SignInError(Exception):
    """Why a sign-in was refused. `code` is one of the class constants; `message` is translated
    (in the language active when raised); `retry_after` is seconds until a lock ends."""

    INVALID = "invalid"
    LOCKED = "locked"
    OTP_REQUIRED = "otp_required"
    OTP_INVALID = "otp_invalid"
    INACTIVE = "inactive"
    CODES = frozenset({INVALID, LOCKED, OTP_REQUIRED, OTP_INVALID, INACTIVE})

    def __init__(self, code: str, message: str, *, retry_after: int | None = None):
        assert code in self.CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def __str__(self) -> str:
        return str(self.message)


def lock_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _locked_error(seconds: int) -> SignInError:
    seconds = max(1, seconds)
    return SignInError(SignInError.LOCKED, lock_message(seconds), retry_after=seconds)


def _invalid_error() -> SignInError:
    return SignInError(SignInError.INVALID, _("The username or password is not correct."))


def check_password_step(*, request, username: str, password: str) -> User:
    """First step: the password, through the lockout backend. Returns the user (not logged in).

    Unknown usernames and wrong passwords give the same answer; a lock is reported the same way
    for existing and unknown usernames.
    """
    req = request if request is not None else HttpRequest()
    setattr(req, OUTCOME_ATTRIBUTE, None)
    user = authenticate(req, username=username or "", password=password or "")
    if user is not None:
        return user
    outcome = getattr(req, OUTCOME_ATTRIBUTE, None)
    if outcome == "locked":
        raise _locked_error(lock_remaining_seconds(username or ""))
    if outcome == "inactive":
        raise SignInError(
            SignInError.INACTIVE,
            _("This account is deactivated. Ask your administrator."),
        )
    raise _invalid_error()


def check_code_step(*, request, user: User, code: str | None) -> str:
    """Second step for users with two-factor sign-in: a TOTP code or an unused recovery code.

    A wrong code counts as a failed sign-in. Returns "totp" or "recovery".
    """
    user.refresh_from_db(fields=["is_active", "locked_until", "totp_enabled", "totp_secret"])
    if not user.is_active:
        raise _invalid_error()
    if user.is_locked:
        audit_record(
            kind=AuditEvent.Kind.LOGIN_FAILED,
            request=request,
            username=user.username,
            target=user,
            data={"reason": "locked"},
        )
        raise _locked_error(lock_remaining_seconds(user.username))
    if not (code or "").strip():
        raise SignInError(SignInError.OTP_INVALID, _("Enter the code from your authenticator app."))
    method = second_factor_check(user=user, code=code, request=request)
    if method is not None:
        return method
    if register_failure(user, request=request, reason="bad_code"):
        raise _locked_error(lock_remaining_seconds(user.username))
    raise SignInError(SignInError.OTP_INVALID, _("That code is not right. Try again."))


def sign_in_check(*, request, username: str, password: str, code: str | None = None) -> User:
    """Check every factor of a sign-in; returns the user or raises SignInError.

    Nothing is logged in: follow with `session_login` (web, API session) or issue a token.
    `user.salesdesk_signin_method` says "password", "totp" or "recovery".
    """
    user = check_password_step(request=request, username=username, password=password)
    method = "password"
    if user.totp_enabled:
        if not (code or "").strip():
            raise SignInError(
                SignInError.OTP_REQUIRED, _("Enter the code from your authenticator app.")
            )
        method = check_code_step(request=request, user=user, code=code)
    register_success(user)
    user.salesdesk_signin_method = method
    return user


def session_login(*, request, user: User, via: str = "web", method: str | None = None) -> None:
    """Start an authenticated session for a user who passed `sign_in_check`."""
    register_success(user)
    login(request, user, backend=BACKEND)
    now = int(timezone.now().timestamp())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    if user.language:
        request.session[SESSION_LANGUAGE] = user.language
    audit_record(
        kind=AuditEvent.Kind.LOGIN,
        actor=user,
        request=request,
        target=user,
        data={"via": via, "method": method or getattr(user, "salesdesk_signin_method", "password")},
    )


def login_with_password(
    request, username: str, password: str, otp: str | None = None, *, via: str = "api"
) -> User:
    """`sign_in_check` + `session_login` in one call (e.g. a session sign-in endpoint)."""
    user = sign_in_check(request=request, username=username, password=password, code=otp)
    session_login(request=request, user=user, via=via)
    return user


def sign_out(*, request) -> None:
    """Audit LOGOUT and end the session; the session's language choice is kept."""
    user = getattr(request, "user", None)
    language = request.session.get(SESSION_LANGUAGE) if hasattr(request, "session") else None
    if user is not None and user.is_authenticated:
        audit_record(kind=AuditEvent.Kind.LOGOUT, actor=user, request=request, target=user)
    logout(request)
    if language:
        request.session[SESSION_LANGUAGE] = language


def verify_current_password(*, user: User, password: str, request=None) -> None:
    """Re-authentication inside a session (password change, two-factor settings).

    Refused while the account is locked; a wrong password counts towards the lockout.
    Raises ValidationError({"password": ...}).
    """
    user.refresh_from_db(fields=["locked_until", "password"])
    if user.is_locked:
        raise ValidationError({"password": lock_message(lock_remaining_seconds(user.username))})
    if not user.check_password(password or ""):
        if register_failure(user, request=request, reason="bad_password"):
            raise ValidationError({"password": lock_message(lock_remaining_seconds(user.username))})
        raise ValidationError({"password": _("Your current password is not correct.")})
