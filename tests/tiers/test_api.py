"""The tiers API per persona: tiers CRUD (configure), memberships (scoped, evaluate to assign),
reviews and proposals (evaluate; out of scope 404); denials change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from salesdesk.tiers import services
from salesdesk.tiers.models import Tier, TierMembership, TierProposal
from tests.api.conftest import ApiClient
from tests.tiers.conftest import MARCH, fact

pytestmark = pytest.mark.django_db
API = "/api/v1"
PERSONAS = ("rep", "other_rep", "lead", "director", "admin")


def _state():
    return (
        list(Tier.all_objects.order_by("pk").values()),
        list(TierMembership.objects.order_by("pk").values()),
        list(TierProposal.objects.order_by("pk").values()),
    )


@pytest.fixture
def history(org, tiers):
    services.tier_assign(
        actor=org.admin, user=org.rep, tier=tiers["trainee"], valid_from=date(2026, 1, 1)
    )
    services.tier_assign(
        actor=org.admin, user=org.rep, tier=tiers["associate"], valid_from=date(2026, 2, 1)
    )
    services.tier_assign(
        actor=org.admin, user=org.other_rep, tier=tiers["senior"], valid_from=date(2026, 1, 1)
    )


def test_tier_reads_for_everyone_writes_for_configurers(org, tiers):
    gold = tiers["gold"]
    for name in PERSONAS:
        client = ApiClient(org.personas()[name])
        listing = client.get(f"{API}/tiers")
        assert listing.status_code == 200
        assert [t["code"] for t in listing.json()] == ["trainee", "associate", "senior", "gold"]
        assert client.get(f"{API}/tiers/{gold.pk}").json()["commission_rate"] == "5.000"
        if name == "admin":
            continue
        before = _state()
        assert client.post(f"{API}/tiers", {"code": "x", "name": "X", "rank": 9}).status_code == 403
        assert client.patch(f"{API}/tiers/{gold.pk}", {"version": 1, "rank": 9}).status_code == 403
        assert client.delete(f"{API}/tiers/{gold.pk}").status_code == 403
        assert _state() == before
    admin = ApiClient(org.admin)
    created = admin.post(
        f"{API}/tiers",
        {
            "code": "platinum",
            "name": "白金",
            "rank": 5,
            "criteria": [{"metric": "signed_amount", "window_months": 6, "min": "2000000"}],
        },
    )
    assert created.status_code == 201
    assert created.json()["criteria"] == [
        {"metric": "signed_amount", "window_months": 6, "min": "2000000"}
    ]
    before = _state()
    bad = admin.post(
        f"{API}/tiers",
        {
            "code": "x",
            "name": "X",
            "rank": 6,
            "criteria": [{"metric": "nope", "window_months": 1, "min": 1}],
        },
    )
    assert bad.status_code == 422
    assert admin.patch(f"{API}/tiers/{gold.pk}", {"version": 9, "rank": 9}).status_code == 409
    assert admin.get(f"{API}/tiers/99999").status_code == 404
    assert _state() == before
    ok = admin.patch(f"{API}/tiers/{gold.pk}", {"version": 1, "customer_quota": 30})
    assert (ok.status_code, ok.json()["customer_quota"], ok.json()["version"]) == (200, 30, 2)
    assert admin.delete(f"{API}/tiers/{created.json()['id']}").status_code == 204


def test_memberships_scoped(org, tiers, history):
    expected = {
        "rep": {"rep"},
        "other_rep": {"other_rep"},
        "lead": {"rep"},
        "director": {"rep", "other_rep"},
        "admin": {"rep", "other_rep"},
    }
    for name, people in expected.items():
        rows = ApiClient(org.personas()[name]).get(f"{API}/tier-memberships").json()["items"]
        assert {r["user"]["username"] for r in rows} == people, name
    rows = ApiClient(org.director).get(f"{API}/tier-memberships?user={org.rep.pk}").json()["items"]
    assert [(r["tier"]["code"], r["valid_from"], r["valid_to"]) for r in rows] == [
        ("associate", "2026-02-01", None),
        ("trainee", "2026-01-01", "2026-02-01"),
    ]
    current = ApiClient(org.admin).get(f"{API}/tier-memberships?current=true").json()
    assert current["count"] == 2


def test_assign_per_persona(org, tiers, history):
    data = {"user": org.rep.pk, "tier": tiers["gold"].pk, "valid_from": "2026-04-01"}
    before = _state()
    for name in ("rep", "other_rep", "lead"):
        assert (
            ApiClient(org.personas()[name]).post(f"{API}/tier-memberships", data).status_code == 403
        )
    from tests.conftest import make_user

    manager = make_user("mgr", "manager", org.team_b, org.director)
    assert ApiClient(manager).post(f"{API}/tier-memberships", data).status_code == 404
    director = ApiClient(org.director)
    assert (
        director.post(f"{API}/tier-memberships", {**data, "valid_from": "2026-01-15"}).status_code
        == 422
    )
    assert director.post(f"{API}/tier-memberships", {**data, "tier": 99999}).status_code == 422
    assert _state() == before
    response = director.post(f"{API}/tier-memberships", data)
    assert response.status_code == 201
    assert (response.json()["tier"]["code"], response.json()["valid_to"]) == ("gold", None)


def test_reviews_and_decisions(org, tiers, history):
    fact(org.rep, "signed", MARCH, 120000, 1)
    before = _state()
    for name in ("rep", "other_rep", "lead"):
        client = ApiClient(org.personas()[name])
        assert client.get(f"{API}/tier-reviews").status_code == 403
        assert client.post(f"{API}/tier-reviews/compute", {"day": "2026-03-01"}).status_code == 403
    assert _state() == before
    director = ApiClient(org.director)
    computed = director.post(f"{API}/tier-reviews/compute", {"day": "2026-03-01"})
    assert computed.status_code == 200
    body = computed.json()
    # rep: associate qualifies associate; other_rep: senior → trainee; lead: no tier → trainee
    assert (body["created"], body["review"]["effective_from"]) == (2, "2026-04-01")
    review = body["review"]["id"]
    listing = director.get(f"{API}/tier-reviews/{review}/proposals").json()["items"]
    assert {
        (p["user"]["username"], p["proposed_tier"]["code"], p["direction"]) for p in listing
    } == {
        ("other_rep", "trainee", "demote"),
        ("lead", "trainee", "first"),
    }
    from tests.conftest import make_user

    manager = make_user("mgr", "manager", org.team_b, org.director)
    mine = ApiClient(manager).get(f"{API}/tier-reviews/{review}/proposals").json()["items"]
    assert [p["user"]["username"] for p in mine] == ["other_rep"]
    ids = {p["user"]["username"]: p["id"] for p in listing}
    before = _state()
    assert (
        ApiClient(manager)
        .post(f"{API}/tier-proposals/confirm", {"proposals": list(ids.values())})
        .status_code
        == 404
    )
    assert (
        ApiClient(org.lead)
        .post(f"{API}/tier-proposals/confirm", {"proposals": [ids["lead"]]})
        .status_code
        == 403
    )
    assert director.get(f"{API}/tier-reviews/99999/proposals").status_code == 404
    assert _state() == before
    assert director.post(
        f"{API}/tier-proposals/confirm", {"proposals": [ids["other_rep"]]}
    ).json() == {"decided": 1}
    assert director.post(f"{API}/tier-proposals/reject", {"proposals": [ids["lead"]]}).json() == {
        "decided": 1
    }
    assert (
        director.post(f"{API}/tier-proposals/reject", {"proposals": [ids["lead"]]}).status_code
        == 422
    )
    assert director.post(f"{API}/tier-proposals/reject", {"proposals": []}).status_code == 422
    from salesdesk.tiers.selectors import tier_of

    assert tier_of(org.other_rep.pk, date(2026, 4, 1)).code == "trainee"
    again = director.post(f"{API}/tier-reviews/compute", {"day": "2026-03-31"}).json()
    assert (again["created"], again["kept"]) == (0, 2)
