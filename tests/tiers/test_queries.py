"""The tier lists cost a fixed number of queries, whatever the number of people."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesdesk.tiers import services
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _more_people(org, tiers, n, offset):
    for i in range(n):
        person = make_user(f"extra{offset + i}", "rep", org.team_a, org.lead)
        services.tier_assign(
            actor=org.admin, user=person, tier=tiers["gold"], valid_from=date(2026, 1, 1)
        )


def test_people_and_review_pages_do_not_grow(org, tiers, login):
    client = login(org.director)
    _more_people(org, tiers, 2, 0)
    services.review_compute(day=date(2026, 3, 1))
    review = services.review_compute(day=date(2026, 3, 1)).review
    pages = ["/performance/tiers/", f"/performance/tier-reviews/{review.pk}/", "/settings/tiers/"]
    admin = login(org.admin)
    [_count(client, u) for u in pages[:2]] + [_count(admin, pages[2])]  # warm the caches
    before = [_count(client, u) for u in pages[:2]] + [_count(admin, pages[2])]
    _more_people(org, tiers, 4, 10)
    services.review_compute(day=date(2026, 3, 1))
    after = [_count(client, u) for u in pages[:2]] + [_count(admin, pages[2])]
    assert after == before
