"""Password policy (ORG-5): at least 12 characters, not common, not only digits, not like the
user's name; changing one's own password on the account page."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import User
from salesdesk.org.services import user_set_password
from tests.conftest import PASSWORD

URL = "/account/password/"
NEW_PASSWORD = "Quiet-Lantern-73-orchard"
TOO_SHORT_EN = "This password is too short. It must contain at least 12 characters."


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English unless a test says otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def change(client, old, new, repeat=None, language="en"):
    return client.post(
        URL,
        {"old_password": old, "new_password1": new, "new_password2": repeat or new},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def password_unchanged(user: User) -> bool:
    user.refresh_from_db()
    return user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short-pw-1", TOO_SHORT_EN),
        ("password1234", "This password is too common."),
        ("123456789012345", "This password is entirely numeric."),
    ],
)
def test_service_rejects_weak_passwords(org, password, message):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        user_set_password(actor=org.rep, user=org.rep, password=password)
    assert message in info.value.message_dict["password"]
    assert password_unchanged(org.rep)
    assert AuditEvent.objects.count() == 0


def test_twelve_characters_is_the_minimum(org):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        user_set_password(actor=org.rep, user=org.rep, password="Kx7#mQ2$vL9")  # 11
    assert info.value.message_dict == {"password": [TOO_SHORT_EN]}
    user_set_password(actor=org.rep, user=org.rep, password="Kx7#mQ2$vL9!")  # 12
    org.rep.refresh_from_db()
    assert org.rep.check_password("Kx7#mQ2$vL9!")


def test_page_rejects_short_password_inline(client, org):
    client.force_login(org.rep)
    response = change(client, PASSWORD, "Short-pw-1")
    assert response.status_code == 200
    assert response.context["form"].errors == {"new_password1": [TOO_SHORT_EN]}
    assert 'aria-invalid="true"' in response.content.decode()
    assert password_unchanged(org.rep)


def test_page_rejects_common_password_in_chinese(client, org):
    client.force_login(org.rep)
    response = change(client, PASSWORD, "password1234", language="zh-hans")
    assert response.context["form"].errors == {"new_password1": ["这个密码太常见了。"]}
    response = change(client, PASSWORD, "123456789012345", language="zh-hans")
    assert response.context["form"].errors == {"new_password1": ["密码只包含数字。"]}
    assert password_unchanged(org.rep)


def test_page_rejects_short_password_in_chinese(client, org):
    client.force_login(org.rep)
    response = change(client, PASSWORD, "Short-pw-1", language="zh-hans")
    assert response.context["form"].errors == {"new_password1": ["密码太短，至少需要 12 个字符。"]}


def test_page_rejects_password_like_the_username(client, org):
    User.objects.filter(pk=org.rep.pk).update(username="zhangsanfeng")
    org.rep.refresh_from_db()
    client.force_login(org.rep)
    response = change(client, PASSWORD, "zhangsanfeng1")
    assert response.context["form"].errors == {
        "new_password1": ["The password is too similar to the username."]
    }


def test_page_requires_matching_repeat(client, org):
    client.force_login(org.rep)
    response = change(client, PASSWORD, NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
    assert response.context["form"].errors == {
        "new_password2": ["The two passwords are not the same."]
    }
    assert password_unchanged(org.rep)


def test_wrong_current_password_is_refused_and_counted(client, org):
    client.force_login(org.rep)
    response = change(client, "not-my-password", NEW_PASSWORD)
    assert response.context["form"].errors == {
        "old_password": ["Your current password is not correct."]
    }
    assert password_unchanged(org.rep)
    assert org.rep.failed_logins == 1
    assert list(AuditEvent.objects.values_list("kind", "data")) == [
        (AuditEvent.Kind.LOGIN_FAILED, {"reason": "bad_password"})
    ]


def test_current_password_guessing_locks_the_account(client, org, settings):
    settings.SALESDESK_LOCKOUT_FAILURES = 3
    client.force_login(org.rep)
    for _ in range(3):
        response = change(client, "guess", NEW_PASSWORD)
    assert response.context["form"].errors == {
        "old_password": ["Too many failed sign-in attempts. Try again in 15 minutes."]
    }
    # Locked: even the right current password is refused now.
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.context["form"].errors == {
        "old_password": ["Too many failed sign-in attempts. Try again in 15 minutes."]
    }
    assert password_unchanged(org.rep)


def test_change_password_success(client, org):
    client.force_login(org.rep)
    other_device = type(client)()
    other_device.force_login(org.rep)
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == URL
    org.rep.refresh_from_db()
    assert org.rep.check_password(NEW_PASSWORD)
    assert not org.rep.check_password(PASSWORD)
    # This session stays signed in; the other device is signed out.
    assert client.get("/account/").status_code == 200
    assert other_device.get("/account/").status_code == 302
    event = AuditEvent.objects.get()
    assert (event.kind, event.actor, event.target_id) == (
        AuditEvent.Kind.PASSWORD_CHANGED,
        org.rep,
        str(org.rep.pk),
    )
    client.post("/account/logout/")
    response = client.post("/account/login/", {"username": "rep", "password": NEW_PASSWORD})
    assert client.session[SESSION_KEY] == str(org.rep.pk)


def test_password_page_lists_the_rules(client, org):
    client.force_login(org.rep)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Your password must contain at least 12 characters." in html
    assert 'autocomplete="current-password"' in html
    assert html.count('autocomplete="new-password"') == 2
