"""One error format for every failure: validation, 400, 401, 403, 404, 405, 409, 500, CSRF."""

from __future__ import annotations

import pytest

from salesdesk.org.models import OrgUnit
from tests.api.conftest import ApiClient


def test_validation_errors_of_the_model_are_field_errors(org, snapshot):
    client = ApiClient(org.admin)
    before = snapshot()
    response = client.post(
        "/api/v1/org-units", {"name": "", "kind": "galaxy", "parent": org.east.pk}
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "Some of the data is not valid. See the field errors.",
        "fields": {
            "name": ["This field cannot be blank."],
            "kind": ["Value 'galaxy' is not a valid choice."],
        },
    }
    assert snapshot() == before


def test_validation_errors_of_the_request_are_field_errors(org):
    response = ApiClient(org.admin).post("/api/v1/org-units", {"kind": 5, "sort_order": "x"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "Some of the data is not valid. See the field errors.",
        "fields": {
            "name": ["This field is required."],
            "kind": ["Enter text."],
            "sort_order": ["Enter a whole number."],
        },
    }


def test_a_reference_outside_my_scope_is_a_field_error(org, snapshot):
    from salesdesk.org.models import Role
    from tests.conftest import make_user

    Role.objects.create(
        code="regional_admin", name="区域管理员", data_scope="unit_tree", can_configure=True
    )
    client = ApiClient(make_user("regional", "regional_admin", org.east))
    before = snapshot()
    response = client.post(
        "/api/v1/org-units", {"name": "Under HQ", "kind": "team", "parent": org.hq.pk}
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"parent": ["Select a valid org unit."]}
    assert snapshot() == before


def test_service_errors_without_a_field_go_into_the_message(org, snapshot):
    client = ApiClient(org.admin)
    before = snapshot()
    response = client.post(f"/api/v1/users/{org.admin.pk}/deactivate")
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "You cannot deactivate yourself.",
        "fields": {},
    }
    assert snapshot() == before


def test_messages_follow_accept_language(org):
    response = ApiClient(org.admin, language="zh-hans").post(
        "/api/v1/org-units", {"name": "", "kind": "team", "parent": org.east.pk}
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"name": ["此字段不能为空。"]}
    assert response["Content-Language"] == "zh-hans"


def test_not_found(org):
    client = ApiClient(org.admin)
    expected = {"code": "not_found", "message": "Not found.", "fields": {}}
    assert client.get("/api/v1/org-units/999999").json() == expected
    response = client.get("/api/v1/no-such-thing")
    assert (response.status_code, response.json()) == (404, expected)
    response = client.get("/api/v1/org-units/not-a-number")
    assert (response.status_code, response.json()) == (404, expected)


def test_permission_denied(org):
    response = ApiClient(org.rep).post("/api/v1/org-units", {"name": "X", "kind": "team"})
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "You do not have permission to configure the organisation.",
        "fields": {},
    }


def test_not_authenticated(db):
    response = ApiClient().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Sign in, or send a valid API token.",
        "fields": {},
    }


def test_stale_version_answers_409_and_changes_nothing(org, snapshot):
    admin = ApiClient(org.admin)
    first = admin.patch(f"/api/v1/org-units/{org.team_a.pk}", {"version": 1, "name": "A1"})
    assert (first.status_code, first.json()["version"]) == (200, 2)
    before = snapshot()
    stale = admin.patch(f"/api/v1/org-units/{org.team_a.pk}", {"version": 1, "name": "A2"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert body["fields"] == {}
    assert body["message"].startswith("This record was changed by ")
    assert body["message"].endswith("Reload it to see the changes, then edit again.")
    assert snapshot() == before
    assert OrgUnit.objects.get(pk=org.team_a.pk).name == "A1"


def test_stale_user_and_role_edits_answer_409(org):
    from salesdesk.org.models import Role

    admin = ApiClient(org.admin)
    assert (
        admin.patch(f"/api/v1/users/{org.rep.pk}", {"version": 1, "title": "A"}).status_code == 200
    )
    assert (
        admin.patch(f"/api/v1/users/{org.rep.pk}", {"version": 1, "title": "B"}).status_code == 409
    )
    role = Role.objects.get(code="rep")
    assert (
        admin.patch(f"/api/v1/roles/{role.pk}", {"version": 1, "description": "a"}).status_code
        == 200
    )
    assert (
        admin.patch(f"/api/v1/roles/{role.pk}", {"version": 1, "description": "b"}).status_code
        == 409
    )
    assert admin.patch("/api/v1/me", {"version": 1, "phone": "1"}).status_code == 200
    assert admin.patch("/api/v1/me", {"version": 1, "phone": "2"}).status_code == 409


def test_method_not_allowed(org):
    response = ApiClient(org.admin).call("PUT", "/api/v1/me", {})
    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "message": "This method is not allowed here.",
        "fields": {},
    }
    assert set(response["Allow"].split(", ")) == {"GET", "PATCH"}


def test_unreadable_body(org):
    response = ApiClient(org.admin).call("POST", "/api/v1/org-units", "{not json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "message": "The request could not be read.",
        "fields": {},
    }


def test_unexpected_errors_answer_500_without_details(org, monkeypatch):
    from salesdesk.org import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "users_visible", boom)
    response = ApiClient(org.admin).get("/api/v1/users")
    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "message": "Something went wrong on the server. The error has been logged.",
        "fields": {},
    }


def test_session_writes_need_the_csrf_token(org, snapshot):
    client = ApiClient(org.admin, enforce_csrf=True)
    client.get("/api/docs")  # sets the CSRF cookie, as the docs page and the web pages do
    before = snapshot()
    response = client.patch("/api/v1/me", {"phone": "123"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert snapshot() == before
    token = client.client.cookies["csrftoken"].value
    response = client.patch("/api/v1/me", {"phone": "123"}, **{"X-CSRFToken": token})
    assert response.status_code == 200
    # Reads need no CSRF token.
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("field", ["password", "totp_secret", "failed_logins", "digest"])
def test_no_secret_in_any_answer(org, field):
    from salesdesk.org.tokens import token_create

    token_create(user=org.admin, name="x")
    client = ApiClient(org.admin)
    for url in [
        "/api/v1/me",
        "/api/v1/users",
        f"/api/v1/users/{org.rep.pk}",
        "/api/v1/auth/tokens",
    ]:
        assert f'"{field}"' not in client.get(url).content.decode(), url
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith(("Out", "Page")):
            assert field not in schema.get("properties", {}), name


def test_profile_validation(org, snapshot):
    client = ApiClient(org.rep)
    before = snapshot()
    response = client.patch("/api/v1/me", {"language": "fr", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "language": ["Choose one of the offered languages."],
        "time_zone": ["Choose a time zone from the list."],
    }
    assert snapshot() == before
    response = client.patch("/api/v1/me", {"language": "zh-hans", "time_zone": "Asia/Shanghai"})
    assert (response.status_code, response.json()["language"]) == (200, "zh-hans")
    # The session now speaks the saved language, whatever the browser asks for.
    assert client.get("/api/v1/me")["Content-Language"] == "zh-hans"
