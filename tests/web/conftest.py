"""Helpers for the web UI tests: English pages, a signed-in client per persona, DB snapshots."""

from __future__ import annotations

import pytest
from django.test import Client

from salesdesk.core.models import AuditEvent, Notification
from salesdesk.org.models import OrgUnit, Role, User
from tests.conftest import make_user


@pytest.fixture
def login():
    """`login(user)` → a test client signed in as `user` (English pages)."""

    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def regional_admin(org) -> User:
    """A configurator limited to the East region (configure + delete, unit-tree scope)."""
    role = Role.objects.create(
        code="regional_admin",
        name="区域管理员",
        name_en="Regional admin",
        data_scope="unit_tree",
        can_configure=True,
        can_delete=True,
    )
    return make_user("regional", role.code, org.east, display_name="孙区管 Regional Sun")


def snapshot() -> dict:
    """Everything a settings page could change, to assert that a denied request changed nothing."""
    return {
        "units": list(OrgUnit.all_objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "roles": list(Role.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
        "notifications": list(Notification.objects.order_by("pk").values()),
    }
