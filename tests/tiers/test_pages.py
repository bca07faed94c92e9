from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from salesdesk.org.models import Role
from salesdesk.performance import services as perf_services
from salesdesk.tiers import services
from salesdesk.tiers.models import Tier, TierMembership, TierProposal
from tests.performance.conftest import SCHEME
from tests.tiers.conftest import MARCH, fact

pytestmark = pytest.mark.django_db


def test_settings_pages_need_configure(org, tiers, login):
    for name in ("rep", "lead", "director"):
        client = login(getattr(org, name))
        assert client.get("/settings/tiers/").status_code == 403
        assert client.get(f"/settings/tiers/{tiers['gold'].pk}/").status_code == 403
        assert client.post("/settings/tiers/new/", {"code": "x"}).status_code == 403
    admin = login(org.admin)
    page = admin.get("/settings/tiers/")
    assert page.status_code == 200
    assert "金牌" in page.content.decode() and "data-tiers" in page.content.decode()
    assert admin.get(f"/settings/tiers/{tiers['gold'].pk}/").status_code == 200
    assert admin.get("/settings/tiers/new/").status_code == 200
    assert admin.get("/settings/tiers/99999/").status_code == 404


def test_create_edit_with_criteria_and_delete(org, tiers, login):
    admin = login(org.admin)
    response = admin.post(
        "/settings/tiers/new/",
        {
            "code": "platinum",
            "name": "白金",
            "name_en": "Platinum",
            "rank": "5",
            "customer_quota": "0",
            "target_multiplier": "2.5",
            "commission_rate": "6",
            "is_active": "on",
            "window_signed_amount": "6",
            "min_signed_amount": "2000000",
        },
    )
    assert response.status_code == 302
    tier = Tier.objects.get(code="platinum")
    assert tier.criteria == [{"metric": "signed_amount", "window_months": 6, "min": "2000000"}]
    bad = admin.post(
        f"/settings/tiers/{tier.pk}/",
        {
            "code": "platinum",
            "name": "白金",
            "rank": "5",
            "customer_quota": "0",
            "target_multiplier": "2.5",
            "commission_rate": "6",
            "min_signed_amount": "100",  # no window
            "version": "1",
        },
    )
    assert bad.status_code == 422
    stale = admin.post(
        f"/settings/tiers/{tier.pk}/",
        {
            "code": "platinum",
            "name": "白金 2",
            "rank": "5",
            "customer_quota": "0",
            "target_multiplier": "2.5",
            "commission_rate": "6",
            "version": "7",
        },
    )
    assert stale.status_code == 409
    tier.refresh_from_db()
    assert (tier.name, tier.version) == ("白金", 1)
    assert admin.post(f"/settings/tiers/{tier.pk}/delete/").status_code == 302
    assert Tier.all_objects.get(pk=tier.pk).deleted_at is not None
    bin_page = admin.get("/settings/recycle-bin/")
    assert bin_page.status_code == 200 and "白金" in bin_page.content.decode()
    restore = admin.post(f"/settings/recycle-bin/tiers.tier/{tier.pk}/restore/")
    assert restore.status_code == 302
    assert Tier.objects.get(pk=tier.pk).deleted_at is None


def test_people_page_scoped(org, tiers, login):
    services.tier_assign(
        actor=org.admin, user=org.rep, tier=tiers["senior"], valid_from=date(2026, 1, 1)
    )
    page = login(org.rep).get("/performance/tiers/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "张三 Zhang San" in body and "Senior" in body and "赵六" not in body
    assert (
        "data-tier-assign"
        not in login(org.rep).get(f"/performance/tiers/?person={org.rep.pk}").content.decode()
    )
    assert login(org.rep).get(f"/performance/tiers/?person={org.other_rep.pk}").status_code == 404
    director = login(org.director).get(f"/performance/tiers/?person={org.rep.pk}")
    assert director.status_code == 200
    assert "data-tier-history" in director.content.decode()
    assert "data-tier-assign" in director.content.decode()


def test_assign_from_page(org, tiers, login):
    data = {"user": org.rep.pk, "tier": tiers["gold"].pk, "valid_from": "2026-02-01", "note": "x"}
    assert login(org.rep).post("/performance/tiers/assign/", data).status_code == 403
    assert login(org.lead).post("/performance/tiers/assign/", data).status_code == 403
    assert TierMembership.objects.count() == 0
    response = login(org.director).post("/performance/tiers/assign/", data)
    assert response.status_code == 302
    m = TierMembership.objects.get()
    assert (m.user, m.tier.code, m.valid_from, m.created_by) == (
        org.rep,
        "gold",
        date(2026, 2, 1),
        org.director,
    )


def test_review_pages(org, tiers, login):
    fact(org.rep, "signed", MARCH, 150000, 1)
    assert login(org.rep).get("/performance/tier-reviews/").status_code == 403
    assert (
        login(org.lead)
        .post("/performance/tier-reviews/compute/", {"day": "2026-03-10"})
        .status_code
        == 403
    )
    director = login(org.director)
    assert director.get("/performance/tier-reviews/").status_code == 200
    response = director.post("/performance/tier-reviews/compute/", {"day": "2026-03-10"})
    assert response.status_code == 302
    review_url = response["Location"]
    page = director.get(review_url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "张三 Zhang San" in body and "150000.00" in body
    assert director.get("/performance/tier-reviews/").status_code == 302
    rep_p = TierProposal.objects.get(user=org.rep)
    lead_p = TierProposal.objects.get(user=org.lead)
    decide = review_url + "decide/"
    assert login(org.rep).post(decide, {"confirm_one": rep_p.pk}).status_code == 403
    assert director.post(decide, {"confirm_one": rep_p.pk}).status_code == 302
    assert director.post(decide, {"action": "reject", "proposal": [lead_p.pk]}).status_code == 302
    statuses = dict(TierProposal.objects.values_list("user__username", "status"))
    assert statuses["rep"] == "confirmed" and statuses["lead"] == "rejected"
    assert TierMembership.objects.get(user=org.rep).tier.code == "associate"


def test_kpi_scheme_form_saves_the_tier(org, tiers, login):
    from salesdesk.org.models import Role
    from salesdesk.performance.models import KpiScheme

    data = {
        "name": "金牌月度 Gold monthly",
        "role": Role.objects.get(code="rep").pk,
        "tier_id": tiers["gold"].pk,
        "period_kind": "month",
        "cap": "120",
        "is_active": "on",
        "band_S": "100",
        "band_A": "85",
        "band_B": "70",
        "band_C": "60",
        "weight_signed_amount": "100",
        "norm_signed_amount": "target",
        "target_signed_amount": "500000",
    }
    admin = login(org.admin)
    assert admin.get("/settings/kpi-schemes/new/").status_code == 200
    assert admin.post("/settings/kpi-schemes/new/", data).status_code == 302
    scheme = KpiScheme.objects.get()
    assert scheme.tier_id == tiers["gold"].pk
    page = admin.get(f"/settings/kpi-schemes/{scheme.pk}/")
    assert f'<option value="{tiers["gold"].pk}" selected>' in page.content.decode()
    bad = admin.post("/settings/kpi-schemes/new/", {**data, "tier_id": "99999"})
    assert bad.status_code == 422
    assert KpiScheme.objects.count() == 1


def test_the_kpi_scheme_list_says_which_tier_each_scheme_is_for(org, tiers, login):
    rep_role = Role.objects.get(code="rep").pk
    perf_services.kpi_scheme_create(actor=org.admin, role=rep_role, **SCHEME)
    perf_services.kpi_scheme_create(
        actor=org.admin, role=rep_role, tier_id=tiers["gold"].pk, **{**SCHEME, "name": "Gold"}
    )
    page = login(org.admin).get(reverse("web:kpi_scheme_list")).content.decode()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    assert {row[0]: row[2] for row in rows} == {SCHEME["name"]: "Every tier", "Gold": "金牌"}


def test_editing_a_tier_someone_deleted_meanwhile_is_a_404(org, tiers, login, monkeypatch):
    tier = tiers["gold"]
    admin = login(org.admin)
    form = {"code": tier.code, "name": "金牌 2", "rank": str(tier.rank), "version": "1"}
    form.update(customer_quota="0", target_multiplier="1", commission_rate="0")

    def deleted_meanwhile(**kwargs):
        raise Tier.DoesNotExist

    monkeypatch.setattr(services, "tier_update", deleted_meanwhile)
    assert admin.post(f"/settings/tiers/{tier.pk}/", form).status_code == 404
    tier.refresh_from_db()
    assert tier.name == "金牌"
