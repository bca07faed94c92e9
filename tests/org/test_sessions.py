"""Idle and absolute session expiry (ORG-5)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.utils import timezone, translation

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import User
from tests.conftest import PASSWORD

IDLE_MINUTES = 30
ABSOLUTE_HOURS = 8


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English unless a test says otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _session_settings(settings):
    settings.SALESDESK_SESSION_IDLE_MINUTES = IDLE_MINUTES
    settings.SALESDESK_SESSION_ABSOLUTE_HOURS = ABSOLUTE_HOURS
    cache.clear()


def sign_in(client, username="rep"):
    response = client.post("/account/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def shift_session(client, *, started_ago: int | None = None, seen_ago: int | None = None):
    """Move the session's timestamps into the past (seconds)."""
    now = int(timezone.now().timestamp())
    session = client.session
    if started_ago is not None:
        session["salesdesk_started"] = now - started_ago
    if seen_ago is not None:
        session["salesdesk_seen"] = now - seen_ago
    session.save()


def expired_events():
    return list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.SESSION_EXPIRED).values_list(
            "actor_id", "data"
        )
    )


def test_active_session_within_limits_continues(client, org):
    sign_in(client)
    shift_session(client, started_ago=ABSOLUTE_HOURS * 3600 - 120, seen_ago=IDLE_MINUTES * 60 - 60)
    response = client.get("/account/")
    assert response.status_code == 200
    assert client.session[SESSION_KEY] == str(org.rep.pk)
    assert expired_events() == []


def test_idle_expiry_logs_out_and_redirects_with_message(client, org):
    sign_in(client)
    shift_session(client, seen_ago=IDLE_MINUTES * 60 + 1)
    response = client.get("/account/tokens/?x=1")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=%2Faccount%2Ftokens%2F%3Fx%3D1"
    assert SESSION_KEY not in client.session
    assert expired_events() == [(org.rep.pk, {"reason": "idle"})]

    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["session_expired"] is True
    assert "Your session expired. Please sign in again." in page.content.decode()
    # The notice is shown once.
    assert client.get("/account/login/").context["session_expired"] is False


def test_absolute_expiry_even_when_active(client, org):
    sign_in(client)
    shift_session(client, started_ago=ABSOLUTE_HOURS * 3600 + 1, seen_ago=5)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=%2Faccount%2F"
    assert SESSION_KEY not in client.session
    assert expired_events() == [(org.rep.pk, {"reason": "absolute"})]


def test_expired_session_cannot_be_revived(client, org):
    sign_in(client)
    shift_session(client, seen_ago=IDLE_MINUTES * 60 + 1)
    client.get("/account/")
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/account/"
    assert len(expired_events()) == 1


def test_htmx_request_gets_hx_redirect(client, org):
    sign_in(client)
    shift_session(client, seen_ago=IDLE_MINUTES * 60 + 1)
    response = client.get(
        "/account/tokens/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/account/?tab=1",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/account/login/?next=%2Faccount%2F%3Ftab%3D1"
    assert response.content == b""
    assert SESSION_KEY not in client.session


def test_post_after_expiry_changes_nothing(client, org):
    sign_in(client)
    shift_session(client, seen_ago=IDLE_MINUTES * 60 + 1)
    response = client.post("/account/tokens/", {"name": "late", "expires_in": ""})
    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    assert org.rep.api_tokens.count() == 0


def test_api_request_after_expiry_is_not_redirected(client, org):
    sign_in(client)
    shift_session(client, seen_ago=IDLE_MINUTES * 60 + 1)
    response = client.get("/api/v1/me")
    assert response.status_code in (401, 404)  # the API answers for itself: no redirect
    assert SESSION_KEY not in client.session
    assert expired_events() == [(org.rep.pk, {"reason": "idle"})]


def test_activity_is_recorded_at_most_once_a_minute(client, org):
    sign_in(client)
    shift_session(client, seen_ago=30)
    before = client.session["salesdesk_seen"]
    client.get("/account/")
    assert client.session["salesdesk_seen"] == before
    shift_session(client, seen_ago=90)
    client.get("/account/")
    assert client.session["salesdesk_seen"] >= int(timezone.now().timestamp()) - 2


def test_background_polling_does_not_count_as_activity(client, org):
    sign_in(client)
    shift_session(client, seen_ago=600)
    before = client.session["salesdesk_seen"]
    client.get("/account/", HTTP_X_SALESDESK_BACKGROUND="1")
    assert client.session["salesdesk_seen"] == before


def test_language_survives_expiry(client, org):
    User.objects.filter(pk=org.rep.pk).update(language="en")
    sign_in(client)
    shift_session(client, seen_ago=IDLE_MINUTES * 60 + 1)
    client.get("/account/")
    assert client.session["salesdesk_language"] == "en"


def test_saved_time_zone_is_activated(client, org):
    User.objects.filter(pk=org.rep.pk).update(time_zone="Europe/Berlin")
    sign_in(client)
    response = client.get("/account/")
    assert response.context["TIME_ZONE"] == "Europe/Berlin"
    User.objects.filter(pk=org.rep.pk).update(time_zone="")
    response = client.get("/account/")
    assert response.context["TIME_ZONE"] == "Asia/Shanghai"
