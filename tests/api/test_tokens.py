"""Token sign-in (with the shared lockout and two-factor check), token auth and revocation."""

from __future__ import annotations

import pytest
from django.conf import settings

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import ApiToken, User
from tests.api.conftest import ApiClient
from tests.conftest import PASSWORD


def _login(client, username="rep", password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token", {"username": username, "password": password, **extra})


def test_token_sign_in_returns_the_key_once_and_the_key_works(org):
    response = _login(ApiClient(), name="CRM sync")
    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get()
    assert set(body) == {
        "id",
        "name",
        "prefix",
        "status",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "key",
    }
    assert (body["id"], body["name"], body["prefix"], body["status"]) == (
        token.pk,
        "CRM sync",
        token.prefix,
        "active",
    )
    assert body["key"].startswith(f"sd_{token.prefix}_")
    assert token.user == org.rep
    me = ApiClient(token=body["key"]).get("/api/v1/me")
    assert (me.status_code, me.json()["username"]) == (200, "rep")
    listed = ApiClient(token=body["key"]).get("/api/v1/auth/tokens").json()["items"]
    assert [t["id"] for t in listed] == [token.pk]
    assert "key" not in listed[0]


def test_token_name_defaults_to_api(org):
    response = _login(ApiClient())
    assert response.json()["name"] == "API"


def test_token_works_for_writes_without_csrf(org):
    key = _login(ApiClient(enforce_csrf=True), username="admin").json()["key"]
    client = ApiClient(token=key, enforce_csrf=True)
    response = client.patch("/api/v1/me", {"phone": "110"})
    assert response.status_code == 200
    assert User.objects.get(pk=org.admin.pk).phone == "110"


def test_revoked_token_answers_401(org, snapshot):
    key = _login(ApiClient()).json()["key"]
    client = ApiClient(token=key)
    token = ApiToken.objects.get()
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}").status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    # Revoking again through a session: refused, nothing changes.
    session = ApiClient(org.rep)
    before = snapshot()
    again = session.delete(f"/api/v1/auth/tokens/{token.pk}")
    assert (again.status_code, again.json()["message"]) == (422, "This token is already revoked.")
    assert snapshot() == before
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_REVOKED).count() == 1


def test_a_bad_bearer_token_is_not_rescued_by_the_session(org):
    client = ApiClient(org.rep, token="sd_nothing_valid")
    response = client.get("/api/v1/me")
    assert response.status_code == 401


def test_tokens_of_deactivated_users_stop_working(org):
    key = _login(ApiClient(), username="other_rep").json()["key"]
    assert ApiClient(token=key).get("/api/v1/me").status_code == 200
    admin = ApiClient(org.admin)
    assert admin.post(f"/api/v1/users/{org.other_rep.pk}/deactivate").status_code == 200
    assert ApiClient(token=key).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("username", "password", "status", "code"),
    [
        ("rep", "wrong-password-123", 401, "invalid_credentials"),
        ("nobody", "wrong-password-123", 401, "invalid_credentials"),
        ("gone", PASSWORD, 401, "account_inactive"),
    ],
)
def test_refused_token_sign_ins(org, snapshot, username, password, status, code):
    response = _login(ApiClient(), username=username, password=password)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert ApiToken.objects.count() == 0


def test_wrong_password_message(org):
    response = _login(ApiClient(), password="nope-nope-nope")
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "The username or password is not correct.",
        "fields": {},
    }


def test_token_sign_in_locks_out_after_the_configured_failures(org):
    client = ApiClient()
    failures = settings.SALESDESK_LOCKOUT_FAILURES
    assert failures == 5
    statuses = [_login(client, password=f"wrong-{i}-password").status_code for i in range(failures)]
    # The failure that reaches the limit already answers "locked".
    assert statuses == [401] * (failures - 1) + [429]
    response = _login(client)  # the right password, while locked
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "account_locked"
    assert body["message"] == (
        f"Too many failed sign-in attempts. Try again in "
        f"{settings.SALESDESK_LOCKOUT_MINUTES} minutes."
    )
    assert 0 < int(response["Retry-After"]) <= settings.SALESDESK_LOCKOUT_MINUTES * 60
    assert ApiToken.objects.count() == 0
    assert User.objects.get(pk=org.rep.pk).is_locked


def test_two_factor_users_need_their_code(org):
    import pyotp

    secret = pyotp.random_base32()
    User.objects.filter(pk=org.rep.pk).update(totp_secret=secret, totp_enabled=True)
    client = ApiClient()
    response = _login(client)
    assert (response.status_code, response.json()["code"]) == (401, "otp_required")
    response = _login(client, code="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert (response.status_code, response.json()["code"]) == (401, "otp_invalid")
    response = _login(client, code=pyotp.TOTP(secret).now())
    assert response.status_code == 201
    assert ApiToken.objects.filter(user=org.rep).count() == 1


def test_token_sign_in_validates_its_input(org):
    response = ApiClient().post("/api/v1/auth/token", {"username": "rep"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"password": ["This field is required."]}
    response = _login(ApiClient(), name="")
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["name"]
