"""Two-factor sign-in (ORG-5): TOTP (RFC 6238, any authenticator app) and one-time recovery codes.

Enrolment is two steps: `totp_enrol` stores a new secret that is not yet used for sign-in, and
`totp_confirm` switches two-factor sign-in on once the user proves their app has it (a valid code),
returning ten recovery codes to show once. Recovery codes are stored as salted SHA-256 digests
(they are random, high-entropy values, so a slow hash adds nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.org.authentication import register_failure
from salesdesk.org.models import RecoveryCode, User

ISSUER = "SalesDesk"
TOTP_INTERVAL = 30
TOTP_DIGITS = 6
# Codes of the previous and the next 30-second step are accepted (clock drift).
TOTP_VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_CODE_LENGTH = 10
USED_CODE_CACHE_PREFIX = "salesdesk:totp-used:"


# --- codes ----------------------------------------------------------------------------------


def normalize_code(code: str | None) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)


def totp_code_for(secret: str, *, at=None, offset_steps: int = 0) -> str:
    """The code an authenticator app shows for `secret` (used by tests and the demo)."""
    moment = (at or timezone.now()).timestamp() + offset_steps * TOTP_INTERVAL
    return _totp(secret).at(int(moment))


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code equals `code`, or None. Constant-time comparisons."""
    if not secret or len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    now_step = int(timezone.now().timestamp()) // TOTP_INTERVAL
    totp = _totp(secret)
    found = None
    for step in range(now_step - TOTP_VALID_WINDOW, now_step + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * TOTP_INTERVAL), code):
            found = step
    return found


def _consume_step(user: User, secret: str, step: int) -> bool:
    """Refuse a replayed code: each (secret, step) is accepted once (shared cache)."""
    secret_id = hashlib.sha256(secret.encode()).hexdigest()[:16]
    key = f"{USED_CODE_CACHE_PREFIX}{user.pk}:{secret_id}:{step}"
    return cache.add(key, 1, timeout=TOTP_INTERVAL * (2 * TOTP_VALID_WINDOW + 2))


def totp_verify(*, user: User, code: str | None) -> bool:
    """True when `code` is the user's current TOTP code and was not used before."""
    if not user.totp_enabled or not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, normalize_code(code))
    return step is not None and _consume_step(user, user.totp_secret, step)


def _hash_recovery_code(code: str, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}${normalize_code(code)}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def _check_recovery_hash(code: str, stored: str) -> bool:
    try:
        algorithm, salt, _digest = stored.split("$", 2)
    except ValueError:
        return False
    if algorithm != "sha256":
        return False
    return hmac.compare_digest(_hash_recovery_code(code, salt), stored)


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    half = RECOVERY_CODE_LENGTH // 2
    return f"{raw[:half]}-{raw[half:]}"


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash_recovery_code(code, secrets.token_hex(8)))
        for code in codes
    )
    return codes


def recovery_code_use(*, user: User, code: str | None, request=None) -> bool:
    """Spend one unused recovery code. True when it was valid (it can never be used again)."""
    normalized = normalize_code(code)
    if len(normalized) != RECOVERY_CODE_LENGTH:
        return False
    for candidate in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if _check_recovery_hash(normalized, candidate.code_hash):
            spent = RecoveryCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            if not spent:
                return False  # used by a concurrent request a moment ago
            audit_record(
                kind=AuditEvent.Kind.RECOVERY_CODE_USED,
                actor=user if getattr(user, "is_authenticated", False) else None,
                request=request,
                username=user.username,
                target=user,
                data={"remaining": recovery_codes_remaining(user)},
            )
            return True
    return False


def recovery_codes_remaining(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def second_factor_check(*, user: User, code: str | None, request=None) -> str | None:
    """Check a TOTP code or a recovery code. Returns "totp", "recovery" or None (no failure
    is counted here; callers decide)."""
    if totp_verify(user=user, code=code):
        return "totp"
    if recovery_code_use(user=user, code=code, request=request):
        return "recovery"
    return None


# --- enrolment ------------------------------------------------------------------------------


def totp_enrol(*, user: User) -> str:
    """Start enrolment: a new secret, stored but not used for sign-in until confirmed."""
    if user.totp_enabled:
        raise ValidationError(_("Two-factor sign-in is already on."))
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret=secret)
    user.totp_secret = secret
    return secret


def totp_provisioning_uri(*, user: User) -> str:
    issuer = getattr(settings, "SALESDESK_TOTP_ISSUER", ISSUER)
    return _totp(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)


def totp_qr_svg(*, user: User) -> str:
    """The enrolment QR code as inline SVG markup (no script, no external request)."""
    qr = segno.make(totp_provisioning_uri(user=user), error="m")
    return qr.svg_inline(scale=5, border=2, dark="#1f2937", light="#ffffff")


def format_secret(secret: str) -> str:
    """The secret in groups of four for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_confirm(*, user: User, code: str, request=None) -> list[str]:
    """Switch two-factor sign-in on with a code from the app; returns the recovery codes."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.totp_enabled:
        raise ValidationError(_("Two-factor sign-in is already on."))
    if not user.totp_secret:
        raise ValidationError(_("Start the set-up again: no authenticator key is waiting."))
    step = _matching_step(user.totp_secret, normalize_code(code))
    if step is None or not _consume_step(user, user.totp_secret, step):
        raise ValidationError(
            {"code": _("That code is not right. Check the time on your phone and try again.")}
        )
    user.totp_enabled = True
    User.objects.filter(pk=user.pk).update(totp_enabled=True)
    codes = _replace_recovery_codes(user)
    audit_record(kind=AuditEvent.Kind.TOTP_ENABLED, actor=user, request=request, target=user)
    return codes


def totp_disable(*, user: User, password: str, code: str, request=None) -> None:
    """Switch two-factor sign-in off: needs the password and a TOTP or recovery code.
    Wrong answers count towards the sign-in lockout."""
    from salesdesk.org.signin import verify_current_password

    if not user.totp_enabled:
        raise ValidationError(_("Two-factor sign-in is not on."))
    verify_current_password(user=user, password=password, request=request)
    if second_factor_check(user=user, code=code, request=request) is None:
        register_failure(user, request=request, reason="bad_code")
        raise ValidationError({"code": _("That code is not right.")})
    # Checks first, outside the transaction: a counted failure must not be rolled back.
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(totp_enabled=False, totp_secret="")
        RecoveryCode.objects.filter(user=user).delete()
        audit_record(kind=AuditEvent.Kind.TOTP_DISABLED, actor=user, request=request, target=user)
    user.totp_enabled = False
    user.totp_secret = ""


def recovery_codes_regenerate(*, user: User, password: str, request=None) -> list[str]:
    """Replace all recovery codes (the old ones stop working); needs the password."""
    from salesdesk.org.signin import verify_current_password

    if not user.totp_enabled:
        raise ValidationError(_("Two-factor sign-in is not on."))
    verify_current_password(user=user, password=password, request=request)
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        audit_record(
            kind=AuditEvent.Kind.TOTP_ENABLED,
            actor=user,
            request=request,
            target=user,
            data={"recovery_codes": "regenerated"},
        )
    return codes
