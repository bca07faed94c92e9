"""Opportunity list: the column chooser (remembered per user) and the bulk actions (assign,
delete to the recycle bin, export the selection), scoped, with denials that change nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from salesdesk.core.models import AuditEvent, UserPreference
from salesdesk.pipeline.models import Opportunity
from tests.customers.conftest import build_book
from tests.pipeline.conftest import ensure_default_pipeline, make_deal

LIST = "/opportunities/"


@pytest.fixture
def deals(org):
    ensure_default_pipeline()
    book = build_book(org)
    return {p: make_deal(getattr(org, p), c, f"deal of {p}") for p, c in book.items()}


def _snapshot():
    return {
        "opps": list(Opportunity.all_objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


# ---- columns ----------------------------------------------------------------------------------


def test_column_choice_is_remembered_and_shapes_the_table(org, login, deals):
    client = login(org.rep)
    response = client.post(
        reverse("web:list_columns", args=["opportunities"]),
        {"columns": ["owner", "bogus", "amount", "product_line"], "next": LIST + "?view=mine"},
    )
    assert response.status_code == 302 and response["Location"] == LIST + "?view=mine"
    pref = UserPreference.objects.get(user=org.rep, key="opportunities")
    assert pref.value == {"columns": ["amount", "owner", "product_line"]}
    page = client.get(LIST)
    assert [h["key"] for h in page.context["column_headers"]] == [
        "amount",
        "owner",
        "product_line",
    ]
    [(opp, cells)] = page.context["table_rows"]
    assert opp.title == "deal of rep"
    assert cells == (
        '<td class="text-end sd-num">¥0.00</td>'
        '<td class="d-none d-md-table-cell text-nowrap">张三 Zhang San</td>'
        '<td class="d-none d-md-table-cell">—</td>'
    )
    # another user's list keeps the default columns
    other = login(org.lead).get(LIST).context["columns"]
    assert other == [
        "customer",
        "stage",
        "amount",
        "expected_close",
        "owner",
        "stage_entered",
        "created",
    ]


def test_column_chooser_refuses_unknown_lists_and_get(org, login):
    client = login(org.rep)
    assert (
        client.post(reverse("web:list_columns", args=["nope"]), {"columns": ["a"]}).status_code
        == 404
    )
    assert client.get(reverse("web:list_columns", args=["opportunities"])).status_code == 405
    assert not UserPreference.objects.exists()


def test_bulk_bar_shows_only_the_permitted_actions(org, login, deals):
    rep = login(org.rep).get(LIST).content.decode()
    assert "data-bulk-form" in rep and "Columns" in rep
    assert reverse("web:opportunity_bulk_assign") not in rep
    assert reverse("web:opportunity_bulk_delete") not in rep
    assert "Export selected" not in rep
    director = login(org.director).get(LIST).content.decode()
    assert reverse("web:opportunity_bulk_assign") in director
    assert reverse("web:opportunity_bulk_delete") in director
    assert "Export selected" in director


# ---- assign -------------------------------------------------------------------------------------


def test_lead_assigns_deals_in_scope_and_the_rest_is_skipped_and_unchanged(org, login, deals):
    client = login(org.lead)
    outside = deals["other_rep"]
    outside_before = Opportunity.objects.filter(pk=outside.pk).values().get()
    response = client.post(
        reverse("web:opportunity_bulk_assign"),
        {"ids": [deals["rep"].pk, outside.pk, "x"], "new_owner": org.lead.pk, "next": LIST},
    )
    assert response.status_code == 302 and response["Location"] == LIST
    assert _messages(response) == [
        ("success", "1 opportunities assigned to 李主管 Lead Li."),
        (
            "warning",
            "1 selected opportunities were skipped: not open, already with that owner, or not "
            "yours to change.",
        ),
    ]
    moved = Opportunity.objects.get(pk=deals["rep"].pk)
    assert (moved.owner_id, moved.org_unit_id, moved.version) == (org.lead.pk, org.lead.unit_id, 2)
    assert Opportunity.objects.filter(pk=outside.pk).values().get() == outside_before
    event = AuditEvent.objects.get(kind="opportunity_assigned")
    assert event.data == {"opportunities": [deals["rep"].pk], "owner": org.lead.pk}
    assert moved.history.latest().history_user_id == org.lead.pk


def test_rep_cannot_bulk_assign_and_nothing_changes(org, login, deals):
    before = _snapshot()
    response = login(org.rep).post(
        reverse("web:opportunity_bulk_assign"),
        {"ids": [deals["rep"].pk, deals["other_rep"].pk], "new_owner": org.rep.pk},
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_assigning_to_an_owner_outside_the_scope_changes_nothing(org, login, deals):
    before = _snapshot()
    response = login(org.lead).post(
        reverse("web:opportunity_bulk_assign"),
        {"ids": [deals["rep"].pk], "new_owner": org.other_rep.pk, "next": LIST},
    )
    assert response.status_code == 302
    assert _messages(response) == [("error", "Choose the new owner.")]
    assert _snapshot() == before


def test_assign_without_a_selection_changes_nothing(org, login, deals):
    before = _snapshot()
    response = login(org.director).post(
        reverse("web:opportunity_bulk_assign"), {"new_owner": org.rep.pk}
    )
    assert _messages(response) == [("warning", "Select the opportunities first.")]
    assert _snapshot() == before


def test_stale_form_after_a_bulk_assign_is_refused(org, login, deals):
    client = login(org.lead)
    client.post(
        reverse("web:opportunity_bulk_assign"),
        {"ids": [deals["rep"].pk], "new_owner": org.lead.pk},
    )
    stale = client.post(
        reverse("web:opportunity_edit", args=[deals["rep"].pk]),
        {"title": "旧表单", "amount": "1", "version": 1},
    )
    assert stale.status_code == 409
    assert Opportunity.objects.get(pk=deals["rep"].pk).title == "deal of rep"


# ---- delete -------------------------------------------------------------------------------------


def test_director_deletes_deals_in_scope_to_the_recycle_bin(org, login, deals):
    outside = deals["admin"]
    response = login(org.director).post(
        reverse("web:opportunity_bulk_delete"),
        {"ids": [deals["rep"].pk, deals["other_rep"].pk, outside.pk], "next": LIST},
    )
    assert response.status_code == 302
    assert _messages(response) == [
        ("success", "2 opportunities moved to the recycle bin."),
        ("warning", "1 selected opportunities were skipped: not yours to delete."),
    ]
    gone = Opportunity.all_objects.filter(deleted_at__isnull=False)
    assert sorted(gone.values_list("title", flat=True)) == ["deal of other_rep", "deal of rep"]
    assert set(gone.values_list("deleted_by", flat=True)) == {org.director.pk}
    assert Opportunity.objects.filter(pk=outside.pk).exists()


@pytest.mark.parametrize("persona", ["rep", "lead"])
def test_bulk_delete_needs_the_delete_permission(org, login, deals, persona):
    before = _snapshot()
    response = login(getattr(org, persona)).post(
        reverse("web:opportunity_bulk_delete"), {"ids": [deals[persona].pk]}
    )
    assert response.status_code == 403
    assert _snapshot() == before


# ---- export of the selection ---------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_export_selected_exports_only_the_selection_in_scope(org, login, deals):
    response = login(org.lead).post(
        reverse("web:opportunity_export") + "?format=csv",
        {"ids": [deals["rep"].pk, deals["other_rep"].pk]},
    )
    rows = _csv(response)
    assert [r[1] for r in rows[1:]] == ["deal of rep"]
    event = AuditEvent.objects.get(kind="export")
    assert event.data["ids"] == [deals["rep"].pk, deals["other_rep"].pk]
    assert event.data["entity"] == "opportunities"


def test_export_selected_needs_the_export_permission(org, login, deals):
    before = _snapshot()
    response = login(org.rep).post(
        reverse("web:opportunity_export") + "?format=csv", {"ids": [deals["rep"].pk]}
    )
    assert response.status_code == 403
    assert _snapshot() == before
