"""Pagination (one style, capped page size, stable order) and pinned query counts per list."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.core.audit import audit_record
from salesdesk.core.recycle import record_soft_delete
from salesdesk.org.models import OrgUnit
from salesdesk.org.tokens import token_create, token_revoke
from tests.api.conftest import ApiClient
from tests.conftest import make_unit, make_user
from tests.scoping_app.models import Record


def test_page_size_above_the_maximum_is_refused(org):
    client = ApiClient(org.admin)
    assert settings.SALESDESK_API_MAX_PAGE_SIZE == 200
    response = client.get("/api/v1/users?page_size=201")
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "Some of the data is not valid. See the field errors.",
        "fields": {"page_size": ["Ensure this value is less than or equal to 200."]},
    }
    assert client.get("/api/v1/users?page_size=200").json()["page_size"] == 200
    response = client.get("/api/v1/users?page=0&page_size=0")
    assert response.json()["fields"] == {
        "page": ["Ensure this value is greater than or equal to 1."],
        "page_size": ["Ensure this value is greater than or equal to 1."],
    }


def test_pages_are_stable_and_complete(org):
    client = ApiClient(org.admin)
    first = client.get("/api/v1/users?page_size=4").json()
    second = client.get("/api/v1/users?page=2&page_size=4").json()
    third = client.get("/api/v1/users?page=3&page_size=4").json()
    assert [u["username"] for u in first["items"]] == ["admin", "director", "gone", "lead"]
    assert [u["username"] for u in second["items"]] == ["other_rep", "rep"]
    assert third["items"] == []
    assert {k: first[k] for k in ("count", "page", "page_size", "pages")} == {
        "count": 6,
        "page": 1,
        "page_size": 4,
        "pages": 2,
    }
    assert (second["page"], second["pages"]) == (2, 2)


def test_user_filters(org):
    client = ApiClient(org.admin)

    def names(query):
        response = client.get(f"/api/v1/users?{query}")
        assert response.status_code == 200, response.content
        return [u["username"] for u in response.json()["items"]]

    assert names(f"unit={org.east.pk}") == ["director", "gone", "lead", "other_rep", "rep"]
    assert names(f"unit={org.team_a.pk}") == ["gone", "lead", "rep"]
    assert names("role=rep") == ["gone", "other_rep", "rep"]
    assert names("active=false") == ["gone"]
    assert names("role=rep&active=true") == ["other_rep", "rep"]
    assert names("search=Zhang") == ["rep"]
    assert names("search=总监") == ["director"]
    # A unit outside the caller's scope filters everything away (no hint that it exists).
    assert ApiClient(org.rep).get(f"/api/v1/users?unit={org.team_b.pk}").json()["items"] == []


def test_org_unit_filters(org):
    client = ApiClient(org.admin)

    def ids(query):
        return [u["id"] for u in client.get(f"/api/v1/org-units?{query}").json()["items"]]

    assert ids(f"parent={org.east.pk}") == sorted(
        [org.team_a.pk, org.team_b.pk], key=lambda pk: OrgUnit.objects.get(pk=pk).path
    )
    assert ids("search=一组") == [org.team_a.pk]
    assert ids("kind=region") == [org.east.pk]


def _grow(org, n: int, start: int = 0) -> None:
    """Add n rows to every list: units, users, deleted units and records, audit events, tokens."""
    for i in range(start, start + n):
        unit = make_unit(f"Grow {i}", "team", org.east)
        make_user(f"grow{i:03d}", "rep", unit, org.director)
        gone = make_unit(f"Gone {i}", "team", org.east)
        record_soft_delete(model=OrgUnit, pk=gone.pk, actor=org.admin)
        record = Record.objects.create(title=f"r{i}", owner=org.rep, org_unit=org.team_a)
        record_soft_delete(model=Record, pk=record.pk, actor=org.admin)
        audit_record(kind="export", actor=org.director, data={"i": i})
        token_revoke(token=token_create(user=org.admin, name=f"t{i}")[0])  # listed, not active


LISTS = [
    "/api/v1/users",
    "/api/v1/org-units",
    "/api/v1/roles",
    "/api/v1/recycle-bin",
    "/api/v1/audit-events",
    "/api/v1/auth/tokens",
    "/api/v1/me",
]
# Per request: session, user with its role and unit (one query) + the list's own queries.
PINNED = {
    "/api/v1/users": 4,
    "/api/v1/org-units": 4,
    "/api/v1/roles": 4,
    "/api/v1/recycle-bin": 6,
    "/api/v1/audit-events": 4,
    "/api/v1/auth/tokens": 4,
    "/api/v1/me": 3,
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{url}?page_size=200" if url != "/api/v1/me" else url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", LISTS)
def test_list_query_count_is_constant(org, url, django_assert_num_queries):
    client = ApiClient(org.admin)
    client.get("/api/v1/me")  # settle the session (first-request bookkeeping)
    _grow(org, 3)
    small = _count(client, url)
    _grow(org, 20, start=3)
    with django_assert_num_queries(PINNED[url]):
        response = client.get(f"{url}?page_size=200" if url != "/api/v1/me" else url)
    assert response.status_code == 200
    assert small == PINNED[url]
