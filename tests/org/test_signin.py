"""Sign-in and sign-out (ORG-5): the web pages and the shared sign-in service."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import User
from salesdesk.org.signin import SignInError, login_with_password, sign_in_check
from tests.conftest import PASSWORD

LOGIN_URL = "/account/login/"


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English unless a test says otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


def post_login(client, username, password, next=None, **headers):
    data = {"username": username, "password": password}
    if next:
        data["next"] = next
    return client.post(LOGIN_URL, data, **headers)


def test_url_names():
    assert reverse("web:login") == LOGIN_URL
    assert reverse("web:login_code") == "/account/login/code/"
    assert reverse("web:logout") == "/account/logout/"
    assert reverse("web:account") == "/account/"
    assert reverse("web:account_password") == "/account/password/"
    assert reverse("web:account_security") == "/account/security/"
    assert reverse("web:account_tokens") == "/account/tokens/"


def test_login_page_has_labelled_inputs_with_autocomplete(client, db):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert '<label class="form-label" for="id_username">' in html
    assert '<label class="form-label" for="id_password">' in html


def test_login_success_starts_session_and_audits(client, org):
    response = post_login(client, "rep", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    session = client.session
    assert session[SESSION_KEY] == str(org.rep.pk)
    assert isinstance(session["salesdesk_started"], int)
    assert session["salesdesk_seen"] == session["salesdesk_started"]
    assert kinds() == [AuditEvent.Kind.LOGIN]
    event = AuditEvent.objects.get()
    assert event.actor == org.rep
    assert event.username == "rep"
    assert event.data == {"via": "web", "method": "password"}
    assert event.ip_address == "127.0.0.1"


def test_login_username_is_case_insensitive(client, org):
    response = post_login(client, "  REP ", PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(org.rep.pk)


def test_login_stores_saved_language(client, org):
    User.objects.filter(pk=org.rep.pk).update(language="en")
    post_login(client, "rep", PASSWORD)
    assert client.session["salesdesk_language"] == "en"
    response = client.get("/account/")
    assert response["Content-Language"] == "en"


def test_login_without_saved_language_leaves_session_language_unset(client, org):
    post_login(client, "rep", PASSWORD)
    assert "salesdesk_language" not in client.session


def test_wrong_password_and_unknown_user_get_the_same_answer(client, org):
    with translation.override("en"):
        wrong = post_login(client, "rep", "not-the-password", HTTP_ACCEPT_LANGUAGE="en")
        unknown = post_login(client, "nobody", "not-the-password", HTTP_ACCEPT_LANGUAGE="en")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert SESSION_KEY not in client.session
        assert response.context["form"].non_field_errors() == [
            "The username or password is not correct."
        ]
    events = list(AuditEvent.objects.order_by("id").values_list("kind", "username", "data"))
    assert events == [
        (AuditEvent.Kind.LOGIN_FAILED, "rep", {"reason": "bad_password"}),
        (AuditEvent.Kind.LOGIN_FAILED, "nobody", {"reason": "unknown_user"}),
    ]


def _catalogue_has(msgid: str) -> bool:
    with translation.override("zh-hans"):
        return translation.gettext(msgid) != msgid


needs_zh_catalogue = pytest.mark.skipif(
    not _catalogue_has("The username or password is not correct."),
    reason="the zh-hans catalogue does not have the sign-in messages yet",
)


@needs_zh_catalogue
def test_login_error_is_translated(client, org):
    response = client.post(
        LOGIN_URL, {"username": "rep", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.context["form"].non_field_errors() == ["用户名或密码不正确。"]


def test_deactivated_user_cannot_sign_in(client, org):
    response = client.post(
        LOGIN_URL, {"username": "gone", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].non_field_errors() == [
        "This account is deactivated. Ask your administrator."
    ]
    assert list(AuditEvent.objects.values_list("kind", "data")) == [
        (AuditEvent.Kind.LOGIN_FAILED, {"reason": "inactive"})
    ]


def test_deactivated_user_with_wrong_password_gets_the_generic_answer(client, org):
    response = client.post(
        LOGIN_URL, {"username": "gone", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["form"].non_field_errors() == [
        "The username or password is not correct."
    ]


def test_login_redirects_to_safe_next_only(client, org):
    response = post_login(client, "rep", PASSWORD, next="/account/tokens/")
    assert response["Location"] == "/account/tokens/"
    client.post("/account/logout/")
    response = post_login(client, "rep", PASSWORD, next="https://evil.example.com/")
    assert response["Location"] == "/"


def test_empty_form_shows_field_errors_and_counts_nothing(client, org):
    response = client.post(LOGIN_URL, {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }
    assert AuditEvent.objects.count() == 0


def test_logout_is_post_only_and_audited(client, org):
    post_login(client, "rep", PASSWORD)
    response = client.get("/account/logout/")
    assert response.status_code == 405
    assert client.session[SESSION_KEY] == str(org.rep.pk)
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert SESSION_KEY not in client.session
    assert kinds() == [AuditEvent.Kind.LOGIN, AuditEvent.Kind.LOGOUT]
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.LOGOUT).actor == org.rep


def test_logout_keeps_language_choice(client, org):
    User.objects.filter(pk=org.rep.pk).update(language="en")
    post_login(client, "rep", PASSWORD)
    client.post("/account/logout/")
    assert client.session["salesdesk_language"] == "en"


def test_account_pages_require_sign_in(client, db):
    for name in (
        "web:account",
        "web:account_password",
        "web:account_security",
        "web:account_tokens",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN_URL}?next={reverse(name)}"


def test_signed_in_user_visiting_login_is_sent_on(client, org):
    client.force_login(org.rep)
    response = client.get(LOGIN_URL + "?next=/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"


# --- Django admin: no separate door -----------------------------------------------------------


def test_admin_login_redirects_to_app_sign_in(client, org):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=%2Fadmin%2F"


def test_admin_login_post_never_signs_in(client, org):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=%2Fadmin%2F"
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.count() == 0


def test_admin_reached_through_app_sign_in(client, org):
    response = post_login(client, "admin", PASSWORD, next="/admin/")
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_for_signed_in_non_staff_is_forbidden_not_a_loop(client, org):
    client.force_login(org.rep)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_admin_logout_goes_through_audited_sign_out(client, org):
    post_login(client, "admin", PASSWORD)
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert kinds() == [AuditEvent.Kind.LOGIN, AuditEvent.Kind.LOGOUT]


def test_admin_password_change_uses_account_page(client, org):
    client.force_login(org.admin)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == "/account/password/"


# --- the service the API uses ------------------------------------------------------------------


def _request():
    request = RequestFactory().post("/api/v1/auth/login", REMOTE_ADDR="10.0.0.7")
    return request


def test_sign_in_check_returns_user_without_logging_in(org):
    user = sign_in_check(request=_request(), username="rep", password=PASSWORD)
    assert user == org.rep
    assert user.salesdesk_signin_method == "password"
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("rep", "wrong-password", "invalid"),
        ("nobody", PASSWORD, "invalid"),
        ("gone", PASSWORD, "inactive"),
    ],
)
def test_sign_in_check_error_codes(org, username, password, code):
    with pytest.raises(SignInError) as info:
        sign_in_check(request=_request(), username=username, password=password)
    assert info.value.code == code
    assert info.value.retry_after is None


@needs_zh_catalogue
def test_sign_in_check_error_messages_follow_active_language(org):
    with translation.override("en"), pytest.raises(SignInError) as english:
        sign_in_check(request=_request(), username="rep", password="x")
    with translation.override("zh-hans"), pytest.raises(SignInError) as chinese:
        sign_in_check(request=_request(), username="rep", password="x")
    assert english.value.message == "The username or password is not correct."
    assert chinese.value.message == "用户名或密码不正确。"


def test_sign_in_check_works_without_request(org):
    assert sign_in_check(request=None, username="rep", password=PASSWORD) == org.rep
    with pytest.raises(SignInError) as info:
        sign_in_check(request=None, username="rep", password="wrong")
    assert info.value.code == "invalid"


def test_login_with_password_creates_session_and_audits(org, client):
    request = _request()
    from importlib import import_module

    from django.conf import settings

    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    user = login_with_password(request, "rep", PASSWORD)
    assert user == org.rep
    assert request.session[SESSION_KEY] == str(org.rep.pk)
    event = AuditEvent.objects.get()
    assert (event.kind, event.data, event.ip_address) == (
        AuditEvent.Kind.LOGIN,
        {"via": "api", "method": "password"},
        "10.0.0.7",
    )


# --- the profile page ---------------------------------------------------------------------------


def test_profile_page_saves_own_fields_and_language(client, org):
    client.force_login(org.rep)
    page = client.get("/account/")
    assert page.status_code == 200
    response = client.post(
        "/account/",
        {
            "display_name": "张三 San",
            "email": "san@example.com",
            "phone": "+86 138 0000 0000",
            "language": "en",
            "time_zone": "Asia/Tokyo",
            "version": page.context["form"].initial["version"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    org.rep.refresh_from_db()
    assert (org.rep.display_name, org.rep.email, org.rep.phone) == (
        "张三 San",
        "san@example.com",
        "+86 138 0000 0000",
    )
    assert (org.rep.language, org.rep.time_zone) == ("en", "Asia/Tokyo")
    assert client.session["salesdesk_language"] == "en"
    assert client.get("/account/")["Content-Language"] == "en"


def test_profile_page_rejects_bad_values_inline(client, org):
    client.force_login(org.rep)
    response = client.post(
        "/account/",
        {"email": "not-an-email", "language": "fr", "time_zone": "Mars/Olympus", "version": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["email", "language", "time_zone"]
    org.rep.refresh_from_db()
    assert (org.rep.email, org.rep.language, org.rep.time_zone) == ("", "", "")


def test_profile_stale_edit_is_refused(client, org):
    client.force_login(org.rep)
    version = org.rep.version
    User.objects.filter(pk=org.rep.pk).update(version=version + 1)
    response = client.post(
        "/account/", {"display_name": "New", "version": str(version)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    org.rep.refresh_from_db()
    assert org.rep.display_name == "张三 Zhang San"
