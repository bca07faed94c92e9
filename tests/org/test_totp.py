"""Two-factor sign-in with TOTP and recovery codes (ORG-5)."""

from __future__ import annotations

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import RecoveryCode, User
from salesdesk.org.signin import SignInError, sign_in_check
from salesdesk.org.totp import (
    RECOVERY_CODE_COUNT,
    recovery_code_use,
    recovery_codes_regenerate,
    recovery_codes_remaining,
    totp_code_for,
    totp_confirm,
    totp_disable,
    totp_enrol,
    totp_verify,
)
from tests.conftest import PASSWORD

LOGIN_URL = "/account/login/"
CODE_URL = "/account/login/code/"


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English unless a test says otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SALESDESK_LOCKOUT_FAILURES = 5
    cache.clear()
    yield
    cache.clear()


def enable_totp(user: User) -> list[str]:
    secret = totp_enrol(user=user)
    codes = totp_confirm(user=user, code=totp_code_for(secret))
    user.refresh_from_db()
    return codes


def next_code(user: User, steps: int = 1) -> str:
    """A code the app will show shortly (the current one was spent by the confirmation)."""
    return totp_code_for(user.totp_secret, offset_steps=steps)


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


# --- enrolment -------------------------------------------------------------------------------


def test_enrol_stores_a_pending_secret_only(org):
    secret = totp_enrol(user=org.rep)
    org.rep.refresh_from_db()
    assert org.rep.totp_secret == secret
    assert len(secret) == 32
    assert org.rep.totp_enabled is False
    assert RecoveryCode.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    # Not yet enabled: the password alone still signs in.
    assert sign_in_check(request=None, username="rep", password=PASSWORD) == org.rep


def test_confirm_with_a_wrong_code_changes_nothing(org):
    secret = totp_enrol(user=org.rep)
    wrong = "000000" if totp_code_for(secret) != "000000" else "111111"
    with pytest.raises(ValidationError) as info:
        totp_confirm(user=org.rep, code=wrong)
    assert info.value.message_dict == {
        "code": ["That code is not right. Check the time on your phone and try again."]
    }
    org.rep.refresh_from_db()
    assert org.rep.totp_enabled is False
    assert RecoveryCode.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_confirm_enables_and_returns_ten_hashed_recovery_codes(org):
    codes = enable_totp(org.rep)
    assert org.rep.totp_enabled is True
    assert len(codes) == RECOVERY_CODE_COUNT == 10
    assert len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    stored = list(RecoveryCode.objects.filter(user=org.rep).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert all(h.startswith("sha256$") for h in stored)
    assert not any(code in h or code.replace("-", "") in h for code in codes for h in stored)
    assert kinds() == [AuditEvent.Kind.TOTP_ENABLED]


def test_secret_matches_a_standard_authenticator(org):
    secret = totp_enrol(user=org.rep)
    assert totp_code_for(secret) == pyotp.TOTP(secret).now()


def test_enrol_refused_when_already_on(org):
    enable_totp(org.rep)
    secret = org.rep.totp_secret
    with pytest.raises(ValidationError):
        totp_enrol(user=org.rep)
    org.rep.refresh_from_db()
    assert org.rep.totp_secret == secret


# --- sign-in ---------------------------------------------------------------------------------


def test_login_requires_code_after_password(client, org):
    enable_totp(org.rep)
    response = client.post(
        LOGIN_URL, {"username": "rep", "password": PASSWORD, "next": "/account/"}
    )
    assert response.status_code == 302
    assert response["Location"] == CODE_URL
    assert SESSION_KEY not in client.session
    page = client.get(CODE_URL)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()
    response = client.post(CODE_URL, {"code": next_code(org.rep)})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.session[SESSION_KEY] == str(org.rep.pk)
    login = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert login.data == {"via": "web", "method": "totp"}


def test_code_page_without_password_step_sends_back(client, org):
    response = client.get(CODE_URL)
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL


def test_wrong_code_counts_towards_lockout(client, org):
    enable_totp(org.rep)
    client.post(LOGIN_URL, {"username": "rep", "password": PASSWORD})
    for _ in range(4):
        response = client.post(CODE_URL, {"code": "12345"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert response.context["form"].errors == {"code": ["That code is not right. Try again."]}
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 4
    response = client.post(CODE_URL, {"code": "12345"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response.context["login_errors"] == [
        "Too many failed sign-in attempts. Try again in 15 minutes."
    ]
    org.rep.refresh_from_db()
    assert org.rep.is_locked
    assert SESSION_KEY not in client.session
    reasons = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED).values_list("data", flat=True)
    )
    assert reasons == [{"reason": "bad_code"}] * 5
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKED_OUT).count() == 1
    # Even a right code is refused now; the pending step is gone.
    assert client.post(CODE_URL, {"code": next_code(org.rep)})["Location"] == LOGIN_URL


def test_right_password_does_not_reset_code_failures(org):
    """Alternating the right password with guessed codes must not dodge the lockout."""
    enable_totp(org.rep)
    for _ in range(5):
        with pytest.raises(SignInError) as info:
            sign_in_check(request=None, username="rep", password=PASSWORD, code="999999")
    assert info.value.code == "locked"
    org.rep.refresh_from_db()
    assert org.rep.is_locked


def test_api_sign_in_check_codes(org):
    enable_totp(org.rep)
    request = RequestFactory().post("/api/v1/auth/login")
    with pytest.raises(SignInError) as info:
        sign_in_check(request=request, username="rep", password=PASSWORD)
    assert info.value.code == "otp_required"
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 0
    with pytest.raises(SignInError) as info:
        sign_in_check(request=request, username="rep", password=PASSWORD, code="12 34 56x")
    assert info.value.code == "otp_invalid"
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 1
    user = sign_in_check(
        request=request, username="rep", password=PASSWORD, code=next_code(org.rep)
    )
    assert user == org.rep
    assert user.salesdesk_signin_method == "totp"
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 0


def test_a_code_cannot_be_replayed(org):
    enable_totp(org.rep)
    code = next_code(org.rep)
    assert totp_verify(user=org.rep, code=code) is True
    assert totp_verify(user=org.rep, code=code) is False


def test_codes_outside_the_window_are_refused(org):
    enable_totp(org.rep)
    assert totp_verify(user=org.rep, code=next_code(org.rep, steps=3)) is False
    assert totp_verify(user=org.rep, code=next_code(org.rep, steps=-3)) is False


def test_recovery_code_works_once(client, org):
    codes = enable_totp(org.rep)
    client.post(LOGIN_URL, {"username": "rep", "password": PASSWORD})
    response = client.post(CODE_URL, {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(org.rep.pk)
    assert recovery_codes_remaining(org.rep) == 9
    used = AuditEvent.objects.get(kind=AuditEvent.Kind.RECOVERY_CODE_USED)
    assert used.data == {"remaining": 9}
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN).data == {
        "via": "web",
        "method": "recovery",
    }
    client.post("/account/logout/")

    client.post(LOGIN_URL, {"username": "rep", "password": PASSWORD})
    response = client.post(CODE_URL, {"code": codes[0]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert recovery_codes_remaining(org.rep) == 9
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 1


def test_recovery_code_of_another_user_is_refused(org):
    rep_codes = enable_totp(org.rep)
    enable_totp(org.lead)
    assert recovery_code_use(user=org.lead, code=rep_codes[0]) is False
    assert recovery_codes_remaining(org.rep) == 10
    assert recovery_codes_remaining(org.lead) == 10


# --- disable and regenerate -----------------------------------------------------------------


def test_disable_needs_password_and_code(org):
    enable_totp(org.rep)
    with pytest.raises(ValidationError) as info:
        totp_disable(user=org.rep, password="wrong", code=next_code(org.rep))
    assert info.value.message_dict == {"password": ["Your current password is not correct."]}
    with pytest.raises(ValidationError) as info:
        totp_disable(user=org.rep, password=PASSWORD, code="000000x")
    assert info.value.message_dict == {"code": ["That code is not right."]}
    org.rep.refresh_from_db()
    assert org.rep.totp_enabled is True
    assert org.rep.failed_logins == 2
    assert RecoveryCode.objects.filter(user=org.rep).count() == 10

    totp_disable(user=org.rep, password=PASSWORD, code=next_code(org.rep))
    org.rep.refresh_from_db()
    assert (org.rep.totp_enabled, org.rep.totp_secret) == (False, "")
    assert RecoveryCode.objects.filter(user=org.rep).count() == 0
    assert kinds()[-1] == AuditEvent.Kind.TOTP_DISABLED
    assert sign_in_check(request=None, username="rep", password=PASSWORD) == org.rep


def test_regenerate_replaces_all_codes(org):
    old = enable_totp(org.rep)
    with pytest.raises(ValidationError):
        recovery_codes_regenerate(user=org.rep, password="wrong")
    assert recovery_code_use(user=org.rep, code=old[1]) is True
    new = recovery_codes_regenerate(user=org.rep, password=PASSWORD)
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    assert recovery_code_use(user=org.rep, code=old[2]) is False
    assert recovery_codes_remaining(org.rep) == 10
    assert recovery_code_use(user=org.rep, code=new[0]) is True


# --- the security page ----------------------------------------------------------------------


def test_security_page_enrolment_flow(client, org):
    client.force_login(org.rep)
    page = client.get("/account/security/")
    assert page.status_code == 200
    assert page.context["totp_enabled"] is False
    assert page.context["setup"] is None

    assert client.post("/account/security/", {"action": "start"}).status_code == 302
    page = client.get("/account/security/")
    org.rep.refresh_from_db()
    html = page.content.decode()
    assert "<svg" in html
    assert page.context["setup"]["secret"].replace(" ", "") == org.rep.totp_secret
    assert "no-store" in page["Cache-Control"]

    response = client.post(
        "/account/security/",
        {"action": "confirm", "code": totp_code_for(org.rep.totp_secret)},
    )
    assert response.status_code == 200
    codes = response.context["new_codes"]
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    assert "no-store" in response["Cache-Control"]
    org.rep.refresh_from_db()
    assert org.rep.totp_enabled is True
    # Shown once: the next visit does not show them.
    page = client.get("/account/security/")
    assert page.context["new_codes"] is None
    assert codes[0] not in page.content.decode()
    assert page.context["codes_remaining"] == 10


def test_security_page_wrong_confirm_code_shows_inline_error(client, org):
    client.force_login(org.rep)
    client.post("/account/security/", {"action": "start"})
    response = client.post(
        "/account/security/", {"action": "confirm", "code": "abc"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["confirm_form"].errors == {
        "code": ["That code is not right. Check the time on your phone and try again."]
    }
    org.rep.refresh_from_db()
    assert org.rep.totp_enabled is False


def test_security_page_disable(client, org):
    enable_totp(org.rep)
    client.force_login(org.rep)
    response = client.post(
        "/account/security/",
        {"action": "disable", "password": PASSWORD, "code": next_code(org.rep)},
    )
    assert response.status_code == 302
    org.rep.refresh_from_db()
    assert org.rep.totp_enabled is False


def test_security_page_cancel_setup(client, org):
    client.force_login(org.rep)
    client.post("/account/security/", {"action": "start"})
    client.post("/account/security/", {"action": "cancel"})
    org.rep.refresh_from_db()
    assert org.rep.totp_secret == ""
