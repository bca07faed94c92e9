"""Handover and merge pages: access by persona (denials change nothing), the preview-then-
confirm flow, the merge page, the offer on a deactivated user's page, pinned query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesdesk.customers.handover import services as handover_services
from salesdesk.customers.handover.models import CustomerMerge, Handover
from salesdesk.customers.models import Customer
from tests.customers.conftest import make_customer
from tests.customers.test_handover_services import full_snapshot

PERSONAS = ("rep", "other_rep", "lead", "director", "admin", "deactivated")
MAY_HAND_OVER = {"lead", "director", "admin"}


@pytest.fixture
def book(org):
    return {
        "alpha": make_customer(org.rep, "阿尔法科技 Alpha Tech"),
        "beta": make_customer(org.rep, "Beta Trading"),
        "gamma": make_customer(org.other_rep, "Gamma Works"),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_handover_pages_access_matrix(org, book, login, persona):
    """Pages open exactly for personas with the transfer permission; a POST by anyone else
    changes nothing; a handover of another team is not found for the lead."""
    other_team = handover_services.handover_create(
        actor=org.director, from_user=org.other_rep, to_users=[org.director]
    )
    client = login(org.personas()[persona])
    before = full_snapshot()
    urls = [
        reverse("web:handover_list"),
        reverse("web:handover_new") + f"?from_user={org.rep.pk}",
        reverse("web:handover_detail", args=[other_team.pk]),
    ]
    statuses = [client.get(url).status_code for url in urls]
    post = client.post(
        reverse("web:handover_new") + f"?from_user={org.rep.pk}",
        {
            "from_user": org.rep.pk,
            "scope": "all",
            "to_users": [org.lead.pk],
            "strategy": "one",
            "action": "confirm",
        },
    )
    if persona == "deactivated":
        assert statuses == [302, 302, 302]  # to the sign-in page
        assert post.status_code == 302 and "/login" in post["Location"]
    elif persona in {"rep", "other_rep"}:
        assert statuses == [403, 403, 403]
        assert post.status_code == 403
    elif persona == "lead":
        assert statuses == [200, 200, 404]
    else:
        assert statuses == [200, 200, 200]
    if persona in MAY_HAND_OVER:
        assert post.status_code == 302
        assert set(Customer.objects.filter(owner=org.lead).values_list("name", flat=True)) == {
            "阿尔法科技 Alpha Tech",
            "Beta Trading",
        }
    else:
        assert full_snapshot() == before


def test_preview_then_confirm(org, book, login):
    client = login(org.director)
    url = reverse("web:handover_new") + f"?from_user={org.rep.pk}"
    page = client.get(url).content.decode()
    assert "阿尔法科技 Alpha Tech" in page and "Beta Trading" in page
    assert "Gamma Works" not in page
    form = {
        "from_user": org.rep.pk,
        "scope": "selected",
        "ids": [book["alpha"].pk],
        "to_users": [org.lead.pk, org.other_rep.pk],
        "strategy": "even",
        "reason": "调岗",
        "action": "preview",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["customer_count"] == 1
    assert [(r["user"].pk, r["current"], r["receives"]) for r in preview["receivers"]] == [
        (org.lead.pk, 0, 1),
        (org.other_rep.pk, 1, 0),
    ]
    assert Handover.objects.count() == 0  # the preview changes nothing
    assert "Confirm handover" in response.content.decode()
    # Bad input: errors on the form, nothing changes.
    bad = client.post(url, {**form, "scope": "selected", "ids": [], "to_users": []})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"ids", "to_users"}
    assert Handover.objects.count() == 0
    done = client.post(url, {**form, "action": "confirm"})
    handover = Handover.objects.get()
    assert done["Location"] == reverse("web:handover_detail", args=[handover.pk])
    assert Customer.objects.get(pk=book["alpha"].pk).owner == org.lead
    detail = client.get(done["Location"]).content.decode()
    assert "阿尔法科技 Alpha Tech" in detail and "调岗" in detail
    listing = client.get(reverse("web:handover_list")).content.decode()
    assert reverse("web:handover_detail", args=[handover.pk]) in listing


def test_empty_states(org, login):
    client = login(org.lead)
    assert "No handovers yet" in client.get(reverse("web:handover_list")).content.decode()
    page = client.get(reverse("web:handover_new") + f"?from_user={org.rep.pk}").content.decode()
    assert "This rep owns no customers you may hand over." in page


def test_deactivated_users_page_offers_the_handover(org, book, login):
    Customer.all_objects.filter(pk__in=[book["alpha"].pk, book["beta"].pk]).update(
        owner=org.deactivated
    )
    page = login(org.admin).get(reverse("web:user_detail", args=[org.deactivated.pk]))
    content = page.content.decode()
    assert "Hand over 2 customers" in content
    assert f"{reverse('web:handover_new')}?from_user={org.deactivated.pk}" in content
    active = login(org.admin).get(reverse("web:user_detail", args=[org.rep.pk])).content.decode()
    assert "Hand over" not in active


def test_merge_page(org, book, login):
    target, source = book["alpha"], book["beta"]
    client = login(org.director)
    url = reverse("web:customer_merge", args=[target.pk])
    detail = client.get(reverse("web:customer_detail", args=[target.pk])).content.decode()
    assert url in detail
    found = client.get(url + "?q=Beta")
    assert [c.pk for c in found.context["candidates"]] == [source.pk]
    compare = client.get(url + f"?source={source.pk}")
    assert [r["field"] for r in compare.context["rows"]] == ["name"]
    response = client.post(url, {"source": source.pk, "choice_name": "target"})
    assert response["Location"] == reverse("web:customer_detail", args=[target.pk])
    merge = CustomerMerge.objects.get()
    assert (merge.source_id, merge.target_id) == (source.pk, target.pk)
    assert Customer.all_objects.get(pk=source.pk).is_deleted


@pytest.mark.parametrize("persona", ["rep", "lead", "other_rep"])
def test_merge_page_denied_changes_nothing(org, book, login, persona):
    client = login(getattr(org, persona))
    url = reverse("web:customer_merge", args=[book["alpha"].pk])
    before = full_snapshot()
    assert client.get(url).status_code == 403
    assert client.post(url, {"source": book["beta"].pk}).status_code == 403
    assert full_snapshot() == before


def test_director_cannot_merge_outside_scope(org, book, login):
    admins = make_customer(org.admin, "Admin Co")
    client = login(org.director)
    before = full_snapshot()
    assert client.get(reverse("web:customer_merge", args=[admins.pk])).status_code == 404
    url = reverse("web:customer_merge", args=[book["alpha"].pk])
    assert client.post(url, {"source": admins.pk}).status_code == 404
    assert full_snapshot() == before


def _add_handovers(org, n: int) -> None:
    for i in range(n):
        customer = make_customer(org.rep, f"Moved {i:03d}")
        handover_services.handover_create(
            actor=org.director,
            from_user=org.rep,
            to_users=[org.lead],
            customer_ids=[customer.pk],
            reason=f"r{i}",
        )


@pytest.mark.parametrize("query", ["", "?source=handover&sort=count"])
def test_handover_list_query_count_is_pinned(org, login, django_assert_num_queries, query):
    client = login(org.director)
    client.get(reverse("web:home"))
    _add_handovers(org, 3)
    url = reverse("web:handover_list") + query
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    _add_handovers(org, 12)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["handovers"]) == 15


def test_duplicate_warning_on_edit_links_to_merge(org, book, login):
    make_customer(org.rep, "Beta Trading Co", phone="13800000077")
    twin = make_customer(org.rep, "Beta Twin", phone="13800000077")
    params = {"phone": "138 0000 0077", "exclude": twin.pk}
    url = reverse("web:customer_duplicates")
    director = login(org.director).get(url, params).content.decode()
    merge_url = reverse("web:customer_merge", args=[twin.pk]) + "?source="
    assert merge_url in director
    # Without the delete permission, and on the create form (no exclude), no merge link.
    assert merge_url not in login(org.lead).get(url, params).content.decode()
    create = login(org.director).get(url, {"phone": "138 0000 0077"}).content.decode()
    assert "/merge/" not in create


def test_recycle_bin_refuses_to_restore_a_merged_customer(org, book, login):
    handover_services.customer_merge(actor=org.director, source=book["beta"], target=book["alpha"])
    client = login(org.director)
    url = reverse("web:recycle_restore", args=["customers.customer", book["beta"].pk])
    response = client.post(url, follow=True)
    assert "was merged into “阿尔法科技 Alpha Tech”" in response.content.decode()
    assert Customer.all_objects.get(pk=book["beta"].pk).is_deleted
