"""Per-user API tokens (ORG-5): create, authenticate, revoke, expire, inactive users."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import ApiToken, User
from salesdesk.org.tokens import (
    MAX_ACTIVE_TOKENS_PER_USER,
    token_authenticate,
    token_create,
    token_revoke,
    token_status,
    tokens_of,
)

KEY_RE = re.compile(r"^sd_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$")


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English unless a test says otherwise."""
    with translation.override("en"):
        yield


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


def test_create_returns_key_once_and_stores_only_digest(org):
    token, key = token_create(user=org.rep, name=" ERP sync ")
    match = KEY_RE.match(key)
    assert match, key
    token.refresh_from_db()
    assert token.name == "ERP sync"
    assert token.prefix == match.group(1)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert (token.last_used_at, token.expires_at, token.revoked_at) == (None, None, None)
    event = AuditEvent.objects.get()
    assert (event.kind, event.actor, event.target_id) == (
        AuditEvent.Kind.TOKEN_CREATED,
        org.rep,
        str(token.pk),
    )
    assert event.data == {"prefix": token.prefix, "expires_at": None}
    assert key not in str(event.data)


def test_two_tokens_have_different_keys(org):
    _, first = token_create(user=org.rep, name="a")
    _, second = token_create(user=org.rep, name="a")
    assert first != second


def test_create_validation(org):
    with pytest.raises(ValidationError) as info:
        token_create(user=org.rep, name="  ", expires_at=timezone.now() - timedelta(days=1))
    assert info.value.message_dict == {
        "name": ["Give the token a name, e.g. the program that will use it."],
        "expires_at": ["The expiry must be in the future."],
    }
    with pytest.raises(ValidationError):
        token_create(user=org.rep, name="x" * 81)
    with pytest.raises(ValidationError):
        token_create(user=org.deactivated, name="x")
    with pytest.raises(PermissionDenied):
        token_create(user=org.rep, name="x", actor=org.admin)
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_active_token_limit(org):
    for i in range(MAX_ACTIVE_TOKENS_PER_USER):
        token_create(user=org.rep, name=f"t{i}")
    with pytest.raises(ValidationError):
        token_create(user=org.rep, name="one too many")
    assert ApiToken.objects.filter(user=org.rep).count() == MAX_ACTIVE_TOKENS_PER_USER
    token_revoke(token=ApiToken.objects.filter(user=org.rep).first(), actor=org.rep)
    token_create(user=org.rep, name="now fits")


def test_authenticate(org):
    token, key = token_create(user=org.rep, name="bi")
    user = token_authenticate(key)
    assert user == org.rep
    assert user.auth_token == token
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert kinds() == [AuditEvent.Kind.TOKEN_CREATED, AuditEvent.Kind.TOKEN_USED]


@pytest.mark.parametrize(
    "bad",
    [None, "", "sd_", "Bearer x", "sd_00000000_" + "a" * 43, "x" * 5000, 12345],
)
def test_authenticate_rejects_garbage(org, bad):
    token_create(user=org.rep, name="bi")
    assert token_authenticate(bad) is None


def test_authenticate_rejects_a_tampered_key(org):
    _, key = token_create(user=org.rep, name="bi")
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert token_authenticate(tampered) is None


def test_last_used_written_at_most_once_a_minute(org, django_assert_num_queries):
    token, key = token_create(user=org.rep, name="bi")
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        token_authenticate(key)
    with (
        mock.patch("django.utils.timezone.now", return_value=start + timedelta(seconds=59)),
        django_assert_num_queries(1),
    ):
        assert token_authenticate(key) == org.rep
    token.refresh_from_db()
    assert token.last_used_at == start
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(seconds=61)):
        token_authenticate(key)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_use_audited_at_most_once_an_hour(org):
    token, key = token_create(user=org.rep, name="bi")
    start = timezone.now()
    for minutes in (0, 2, 30, 59):
        with mock.patch(
            "django.utils.timezone.now", return_value=start + timedelta(minutes=minutes)
        ):
            token_authenticate(key)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_USED).count() == 1
    AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_USED).update(created_at=start)
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=61)):
        token_authenticate(key)
    used = AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_USED)
    assert used.count() == 2
    assert {e.target_id for e in used} == {str(token.pk)}
    assert {e.actor_id for e in used} == {org.rep.pk}


def test_use_audit_is_per_token(org):
    _, key1 = token_create(user=org.rep, name="a")
    _, key2 = token_create(user=org.rep, name="b")
    token_authenticate(key1)
    token_authenticate(key2)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_USED).count() == 2


def test_revoke(org):
    token, key = token_create(user=org.rep, name="bi")
    token_revoke(token=token, actor=org.rep)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_status(token) == "revoked"
    assert token_authenticate(key) is None
    assert kinds() == [AuditEvent.Kind.TOKEN_CREATED, AuditEvent.Kind.TOKEN_REVOKED]
    with pytest.raises(ValidationError):
        token_revoke(token=token, actor=org.rep)
    assert kinds() == [AuditEvent.Kind.TOKEN_CREATED, AuditEvent.Kind.TOKEN_REVOKED]


def test_only_owner_or_managing_admin_may_revoke(org):
    token, key = token_create(user=org.rep, name="bi")
    for actor in (org.other_rep, org.lead, org.director):
        with pytest.raises(PermissionDenied):
            token_revoke(token=token, actor=actor)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token_authenticate(key) == org.rep
    token_revoke(token=token, actor=org.admin)
    assert token_authenticate(key) is None
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_REVOKED).actor == org.admin


def test_expired_token_fails(org):
    token, key = token_create(
        user=org.rep, name="bi", expires_at=timezone.now() + timedelta(days=1)
    )
    assert token_authenticate(key) == org.rep
    later = token.expires_at + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert token_authenticate(key) is None
        assert token_status(token) == "expired"


def test_inactive_user_token_fails_and_works_again_after_reactivation(org):
    token, key = token_create(user=org.rep, name="bi")
    User.objects.filter(pk=org.rep.pk).update(is_active=False)
    assert token_authenticate(key) is None
    token.refresh_from_db()
    assert token.last_used_at is None
    User.objects.filter(pk=org.rep.pk).update(is_active=True)
    assert token_authenticate(key) == org.rep


def test_tokens_of_lists_own_tokens_only(org):
    mine, _ = token_create(user=org.rep, name="mine")
    token_create(user=org.other_rep, name="theirs")
    assert list(tokens_of(org.rep)) == [mine]


# --- the tokens page ------------------------------------------------------------------------


def test_tokens_page_create_shows_key_once(client, org):
    client.force_login(org.rep)
    response = client.post("/account/tokens/", {"name": "Excel", "expires_in": "30"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert KEY_RE.match(key)
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.user == org.rep
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    page = client.get("/account/tokens/")
    html = page.content.decode()
    assert key not in html
    assert f"sd_{token.prefix}…" in html
    assert page.context["tokens"] == [{"token": token, "status": "active"}]


def test_tokens_page_never_expiring_token(client, org):
    client.force_login(org.rep)
    client.post("/account/tokens/", {"name": "ETL", "expires_in": ""})
    assert ApiToken.objects.get().expires_at is None


def test_tokens_page_inline_error(client, org):
    client.force_login(org.rep)
    response = client.post(
        "/account/tokens/", {"name": "", "expires_in": "30"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert response.context["new_key"] is None
    assert ApiToken.objects.count() == 0


def test_tokens_page_revoke(client, org):
    token, key = token_create(user=org.rep, name="bi")
    client.force_login(org.rep)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"
    assert token_authenticate(key) is None


def test_tokens_page_cannot_revoke_another_users_token(client, org):
    token, key = token_create(user=org.other_rep, name="theirs")
    client.force_login(org.rep)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token_authenticate(key) == org.other_rep
    page = client.get("/account/tokens/")
    assert "theirs" not in page.content.decode()
