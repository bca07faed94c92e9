"""Scoped lists cost a constant number of queries for every scope, whatever the data size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.org.models import User
from tests.conftest import make_unit, make_user

# persona -> pinned queries of the API user list. Directors and team leads pay one query for their
# scope's id list (the units below theirs / the people below them); see salesdesk/org/scoping.py.
PINNED = {"director": 5, "lead": 5, "rep": 4}


def grow(org, n: int, start: int) -> None:
    for i in range(start, start + n):
        unit = make_unit(f"Grow {i}", "team", org.east)
        make_user(f"grow{i:03d}", "rep", unit, org.lead)


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code in (200, 403), response.status_code
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", sorted(PINNED))
def test_scoped_api_list_queries_are_constant(org, client, persona):
    client.force_login(org.personas()[persona])
    count(client, "/api/v1/users")  # warm the per-process caches (content types, sessions)
    first = count(client, "/api/v1/users?page_size=200")
    grow(org, 15, 0)
    assert count(client, "/api/v1/users?page_size=200") == first == PINNED[persona]
    assert User.objects.count() == 6 + 15
