"""Helpers for the API tests: a JSON client per persona and a snapshot of the database."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import ApiToken, OrgUnit, Role, Share, User

PERSONAS = ("rep", "other_rep", "lead", "director", "admin", "deactivated", "anonymous")


class ApiClient:
    """A test client that speaks JSON and keeps its session (or bearer token)."""

    def __init__(
        self,
        user: User | None = None,
        *,
        token: str | None = None,
        language: str = "en",
        enforce_csrf: bool = False,
    ) -> None:
        self.client = Client(enforce_csrf_checks=enforce_csrf, HTTP_ACCEPT_LANGUAGE=language)
        self.headers: dict[str, str] = {}
        if user is not None:
            self.client.force_login(user)
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, url: str, data=None, **headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if data is not None:
            kwargs["data"] = json.dumps(data) if not isinstance(data, str | bytes) else data
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, url, **headers):
        return self.call("GET", url, **headers)

    def post(self, url, data=None, **headers):
        return self.call("POST", url, data if data is not None else {}, **headers)

    def patch(self, url, data=None, **headers):
        return self.call("PATCH", url, data if data is not None else {}, **headers)

    def delete(self, url, **headers):
        return self.call("DELETE", url, **headers)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Lockout counters of unknown usernames live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_persona(org) -> Callable[[str], ApiClient]:
    """`as_persona("rep")` → a client signed in (by session) as that persona; "anonymous" → none."""

    def make(name: str, **kwargs) -> ApiClient:
        if name == "anonymous":
            return ApiClient(None, **kwargs)
        return ApiClient(org.personas()[name], **kwargs)

    return make


def db_snapshot() -> dict[str, list]:
    """Every row an API write could touch (sessions and last_login excepted)."""
    user_fields = [f.attname for f in User._meta.concrete_fields if f.name != "last_login"]
    return {
        "units": list(OrgUnit.all_objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values(*user_fields)),
        "roles": list(Role.objects.order_by("pk").values()),
        "tokens": list(ApiToken.objects.order_by("pk").values()),
        "shares": list(Share.objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "kind")),
        "unit_history": OrgUnit.history.count(),
        "user_history": User.history.count(),
        "role_history": Role.history.count(),
    }


@pytest.fixture
def snapshot() -> Callable[[], dict[str, list]]:
    return db_snapshot
