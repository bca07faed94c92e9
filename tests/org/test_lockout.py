"""Login lockout (ORG-5) on every login path: web, Django admin, the token exchange the API uses."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone, translation

from salesdesk.core.models import AuditEvent
from salesdesk.org.authentication import lock_remaining_seconds
from salesdesk.org.models import ApiToken, User
from salesdesk.org.signin import SignInError, sign_in_check
from salesdesk.org.tokens import token_create_with_password
from tests.conftest import PASSWORD

LOGIN_URL = "/account/login/"


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English unless a test says otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _lockout_settings(settings):
    settings.SALESDESK_LOCKOUT_FAILURES = 5
    settings.SALESDESK_LOCKOUT_WINDOW_MINUTES = 15
    settings.SALESDESK_LOCKOUT_MINUTES = 15
    cache.clear()
    yield
    cache.clear()


def post_login(client, username, password, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN_URL, data, HTTP_ACCEPT_LANGUAGE="en")


def fail_times(client, username, n, next_url=None):
    for _ in range(n):
        response = post_login(client, username, "wrong-password-123", next_url)
    return response


def errors(response) -> list[str]:
    return response.context["form"].non_field_errors()


LOCKED_15 = "Too many failed sign-in attempts. Try again in 15 minutes."


def test_web_lockout_after_n_failures(client, org):
    response = fail_times(client, "rep", 4)
    assert errors(response) == ["The username or password is not correct."]
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 4
    assert org.rep.locked_until is None

    response = fail_times(client, "rep", 1)
    assert response.status_code == 429
    assert errors(response) == [LOCKED_15]
    org.rep.refresh_from_db()
    assert org.rep.is_locked
    assert org.rep.failed_logins == 0
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [AuditEvent.Kind.LOGIN_FAILED] * 5 + [AuditEvent.Kind.LOCKED_OUT]
    locked = AuditEvent.objects.get(kind=AuditEvent.Kind.LOCKED_OUT)
    assert locked.target_id == str(org.rep.pk)
    assert locked.data == {"until": org.rep.locked_until.isoformat()}


def test_locked_account_refuses_the_right_password(client, org):
    fail_times(client, "rep", 5)
    before = AuditEvent.objects.count()
    response = post_login(client, "rep", PASSWORD)
    assert response.status_code == 429
    assert errors(response) == [LOCKED_15]
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.kind, event.data) == (AuditEvent.Kind.LOGIN_FAILED, {"reason": "locked"})
    # Attempts while locked neither extend the lock nor add to the count.
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 0


def test_lock_message_counts_down_minutes(client, org):
    fail_times(client, "rep", 5)
    User.objects.filter(pk=org.rep.pk).update(locked_until=timezone.now() + timedelta(seconds=61))
    assert errors(post_login(client, "rep", PASSWORD)) == [
        "Too many failed sign-in attempts. Try again in 2 minutes."
    ]
    User.objects.filter(pk=org.rep.pk).update(locked_until=timezone.now() + timedelta(seconds=20))
    assert errors(post_login(client, "rep", PASSWORD)) == [
        "Too many failed sign-in attempts. Try again in 1 minute."
    ]


def test_lock_expires_after_the_period(client, org):
    fail_times(client, "rep", 5)
    org.rep.refresh_from_db()
    later = org.rep.locked_until + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = post_login(client, "rep", PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(org.rep.pk)
    org.rep.refresh_from_db()
    assert (org.rep.locked_until, org.rep.failed_logins, org.rep.first_failed_login_at) == (
        None,
        0,
        None,
    )


def test_still_locked_one_second_before_the_end(client, org):
    fail_times(client, "rep", 5)
    org.rep.refresh_from_db()
    almost = org.rep.locked_until - timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=almost):
        response = post_login(client, "rep", PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_success_resets_the_failure_count(client, org):
    fail_times(client, "rep", 4)
    post_login(client, "rep", PASSWORD)
    client.post("/account/logout/")
    fail_times(client, "rep", 4)
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 4
    assert not org.rep.is_locked


def test_failures_outside_the_window_start_a_new_count(client, org):
    fail_times(client, "rep", 4)
    User.objects.filter(pk=org.rep.pk).update(
        first_failed_login_at=timezone.now() - timedelta(minutes=16)
    )
    fail_times(client, "rep", 1)
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 1
    assert not org.rep.is_locked


def test_lock_of_one_user_leaves_others_alone(client, org):
    fail_times(client, "rep", 5)
    response = post_login(client, "other_rep", PASSWORD)
    assert response.status_code == 302
    org.other_rep.refresh_from_db()
    assert org.other_rep.locked_until is None


def test_unknown_username_locks_the_same_way(client, org):
    """The answers never tell whether a username exists."""
    response = fail_times(client, "ghost", 4)
    assert errors(response) == ["The username or password is not correct."]
    response = fail_times(client, "ghost", 1)
    assert response.status_code == 429
    assert errors(response) == [LOCKED_15]
    assert lock_remaining_seconds("GHOST") == 15 * 60
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKED_OUT, username="ghost").count() == 1
    assert User.objects.filter(username__iexact="ghost").count() == 0


def test_lockout_is_counted_per_account_not_per_spelling(client, org):
    fail_times(client, "REP", 3)
    fail_times(client, "rep ", 2)
    org.rep.refresh_from_db()
    assert org.rep.is_locked


# --- the Django admin path ------------------------------------------------------------------


def test_lockout_on_admin_path(client, org):
    """/admin/ sends to the one sign-in page; failures there lock the admin account too."""
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain == [
        ("/admin/login/?next=/admin/", 302),
        ("/account/login/?next=%2Fadmin%2F", 302),
    ]
    response = fail_times(client, "admin", 5, next_url="/admin/")
    assert response.status_code == 429
    org.admin.refresh_from_db()
    assert org.admin.is_locked
    response = post_login(client, "admin", PASSWORD, next_url="/admin/")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # The admin's own login URL has no form that could bypass the lock.
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_sign_in_works_after_the_lock(client, org):
    fail_times(client, "admin", 5, next_url="/admin/")
    User.objects.filter(pk=org.admin.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    response = post_login(client, "admin", PASSWORD, next_url="/admin/")
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- the service functions the API uses ---------------------------------------------------------


def _api_request():
    return RequestFactory().post("/api/v1/auth/token", REMOTE_ADDR="10.1.2.3")


def test_lockout_via_token_exchange(org):
    for _ in range(4):
        with pytest.raises(SignInError) as info:
            token_create_with_password(
                request=_api_request(), username="rep", password="wrong", name="cli"
            )
        assert info.value.code == "invalid"
    with pytest.raises(SignInError) as info:
        token_create_with_password(
            request=_api_request(), username="rep", password="wrong", name="cli"
        )
    assert info.value.code == "locked"
    assert info.value.retry_after == 15 * 60
    with pytest.raises(SignInError) as info:
        token_create_with_password(
            request=_api_request(), username="rep", password=PASSWORD, name="cli"
        )
    assert info.value.code == "locked"
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_CREATED).count() == 0
    assert set(AuditEvent.objects.values_list("ip_address", flat=True)) == {"10.1.2.3"}


def test_failures_from_api_and_web_add_up(client, org):
    for _ in range(3):
        with pytest.raises(SignInError):
            sign_in_check(request=_api_request(), username="rep", password="wrong")
    fail_times(client, "rep", 2)
    org.rep.refresh_from_db()
    assert org.rep.is_locked
    with pytest.raises(SignInError) as info:
        sign_in_check(request=_api_request(), username="rep", password=PASSWORD)
    assert info.value.code == "locked"


def test_token_exchange_succeeds_when_not_locked(org):
    token, key = token_create_with_password(
        request=_api_request(), username="rep", password=PASSWORD, name="cli"
    )
    assert token.user == org.rep
    assert key.startswith("sd_")
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [AuditEvent.Kind.LOGIN, AuditEvent.Kind.TOKEN_CREATED]
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN).data == {
        "via": "api_token",
        "method": "password",
    }


def test_token_exchange_validates_name_before_checking_credentials(org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        token_create_with_password(request=_api_request(), username="rep", password="x", name=" ")
    org.rep.refresh_from_db()
    assert org.rep.failed_logins == 0
    assert AuditEvent.objects.count() == 0
