"""Public pool pages (CUS-6): access matrix of claiming x personas (0 leaks, denials change
nothing), pinned query counts, return with reason, settings pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesdesk.customers.models import Customer
from salesdesk.customers.pool.models import Pool, PoolEvent
from tests.customers.conftest import make_customer
from tests.customers.pool_helpers import make_pool, pool_snapshot, put_in_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_a_pool(org):
    """A pool of Team A (rep, lead, deactivated); the director and admin administer pools."""
    return make_pool(org.admin, name="一组公海 Team A pool", member_units=[org.team_a])


def _pooled(org, pool, name="公海客户甲"):
    customer = make_customer(org.other_rep, name)
    put_in_pool(customer, pool)
    return customer


# persona → (sees the customer in the pool list, claim allowed)
CLAIM_MATRIX = {
    "rep": (True, True),
    "lead": (True, True),
    "director": (True, True),  # pool administrator: every pool
    "admin": (True, True),
    "other_rep": (False, False),  # Team B: not a member
    "deactivated": (False, False),
}


@pytest.mark.parametrize("persona", sorted(CLAIM_MATRIX))
def test_claim_access_matrix(org, login, team_a_pool, persona):
    sees, may_claim = CLAIM_MATRIX[persona]
    customer = _pooled(org, team_a_pool)
    user = org.personas()[persona]
    client = login(user)
    listing = client.get(reverse("web:pool"))
    if persona == "deactivated":
        assert listing.status_code == 302  # signed out
    elif sees:
        assert listing.status_code == 200
        assert customer.name in listing.content.decode()
    else:
        assert listing.status_code == 403
    detail = client.get(reverse("web:pool_customer_detail", args=[customer.pk]))
    assert detail.status_code == (200 if sees else 302 if persona == "deactivated" else 403)
    before = pool_snapshot()
    response = client.post(reverse("web:pool_claim", args=[customer.pk]))
    after = Customer.objects.get(pk=customer.pk)
    if may_claim:
        assert response.status_code == 302
        assert response["Location"] == reverse("web:customer_detail", args=[customer.pk])
        assert after.owner_id == user.pk and after.pool_id is None
        assert PoolEvent.objects.filter(kind="claim", actor=user).count() == 1
    else:
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert "/login" in response["Location"] or "signin" in response["Location"]
        assert pool_snapshot() == before
    # The API answers the same.
    api = client.post(f"/api/v1/customers/{customer.pk}/claim", content_type="application/json")
    if may_claim:
        assert api.status_code == 422  # already yours
    else:
        assert api.status_code in (401, 403, 404)
        assert pool_snapshot() == before


def test_pool_list_query_count_is_pinned(org, login, team_a_pool, django_assert_num_queries):
    client = login(org.rep)
    client.get(reverse("web:home"))
    for i in range(3):
        _pooled(org, team_a_pool, f"公海客户{i}")
    with django_assert_num_queries(8) as first:
        assert client.get(reverse("web:pool") + "?sort=name&level=D").status_code == 200
    for i in range(3, 30):
        _pooled(org, team_a_pool, f"公海客户{i}")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("web:pool") + "?sort=name&level=D")
    assert response.status_code == 200
    assert response.content.decode().count("data-pool-customer=") == 25


def test_claim_refusal_message_is_shown(org, login, team_a_pool):
    customer = _pooled(org, team_a_pool)
    Pool.objects.filter(pk=team_a_pool.pk).update(quota=1)
    make_customer(org.rep, "已有客户")
    before = pool_snapshot()
    response = login(org.rep).post(
        reverse("web:pool_claim", args=[customer.pk]), {"next": reverse("web:pool")}, follow=True
    )
    assert "the quota of 1 is reached" in response.content.decode()
    assert pool_snapshot() == before


def test_bulk_claim_and_assign(org, login, team_a_pool):
    a = _pooled(org, team_a_pool, "批量甲")
    b = _pooled(org, team_a_pool, "批量乙")
    c = _pooled(org, team_a_pool, "批量丙")
    response = login(org.rep).post(reverse("web:pool_bulk_claim"), {"ids": [a.pk, b.pk]})
    assert response.status_code == 302
    assert set(Customer.objects.filter(owner=org.rep).values_list("pk", flat=True)) == {a.pk, b.pk}
    before = pool_snapshot()
    login(org.rep).post(reverse("web:pool_bulk_assign"), {"ids": [c.pk], "to_user": org.lead.pk})
    assert pool_snapshot() == before  # a rep may not assign
    login(org.director).post(
        reverse("web:pool_bulk_assign"), {"ids": [c.pk], "to_user": org.lead.pk}
    )
    assert Customer.objects.get(pk=c.pk).owner_id == org.lead.pk


def test_return_to_pool_from_the_customer_page(org, login, team_a_pool):
    customer = make_customer(org.rep, "要退回的客户")
    client = login(org.rep)
    page = client.get(reverse("web:customer_detail", args=[customer.pk])).content.decode()
    assert "Return to pool" in page
    before = pool_snapshot()
    response = client.post(reverse("web:customer_return", args=[customer.pk]), {"reason": ""})
    assert response.status_code == 302
    assert pool_snapshot() == before
    client.post(reverse("web:customer_return", args=[customer.pk]), {"reason": "没有需求"})
    customer.refresh_from_db()
    assert (customer.owner_id, customer.pool_id) == (None, team_a_pool.pk)
    # Its old page now leads members to the pool page.
    response = client.get(reverse("web:customer_detail", args=[customer.pk]))
    assert response["Location"] == reverse("web:pool_customer_detail", args=[customer.pk])
    # Another rep's page: nobody else may return it.
    mine = make_customer(org.other_rep, "别人的")
    before = pool_snapshot()
    assert (
        client.post(reverse("web:customer_return", args=[mine.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert pool_snapshot() == before


def test_settings_pages(org, login, team_a_pool):
    admin = login(org.admin)
    assert admin.get(reverse("web:settings_pools")).status_code == 200
    assert admin.get(reverse("web:settings_pool_edit", args=[team_a_pool.pk])).status_code == 200
    assert admin.get(reverse("web:settings_calendar")).status_code == 200
    response = admin.post(
        reverse("web:settings_pool_rule_add", args=[team_a_pool.pk]),
        {
            "rule-kind": "no_follow_up",
            "rule-days": "30",
            "rule-levels": ["B", "C"],
            "rule-exempt_won": "on",
            "rule-is_active": "on",
        },
    )
    assert response.status_code == 302
    assert list(team_a_pool.rules.values_list("kind", "days", "levels")) == [
        ("no_follow_up", 30, ["B", "C"])
    ]
    response = admin.post(
        reverse("web:settings_calendar"),
        {"date": "2026-02-09", "is_working_day": "", "name": "年会"},
    )
    assert response.status_code == 302
    import datetime

    from salesdesk.core.workdays import is_working_day

    assert is_working_day(datetime.date(2026, 2, 9)) is False
    rep = login(org.rep)
    for url in (reverse("web:settings_pools"), reverse("web:settings_calendar")):
        assert rep.get(url).status_code == 403
    assert login(org.director).get(reverse("web:settings_calendar")).status_code == 403


def test_navigation_shows_the_pool_to_members(org, login):
    def customers_nav(user):
        response = login(user).get(reverse("web:home"))
        return next(
            [str(i.label) for i in s.items]
            for s in response.context["nav_sections"]
            if str(s.label) == "Customers"
        )

    rest = ["Return visits", "Care", "Feedback", "Segments"]
    assert customers_nav(org.rep) == ["Customers", "Contacts", *rest]
    make_pool(org.admin, name="一组公海", member_units=[org.team_a])
    assert customers_nav(org.rep) == ["Customers", "Contacts", "Public pool", *rest]
    assert customers_nav(org.other_rep) == ["Customers", "Contacts", *rest]
