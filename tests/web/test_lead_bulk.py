"""Lead list bulk actions: assign (skipped ones counted), delete to the recycle bin, export of
the selection; scoped, and denials change nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from salesdesk.core.models import AuditEvent
from salesdesk.pipeline.leads.models import Lead
from salesdesk.pipeline.leads.services import lead_create

LIST = "/leads/"


@pytest.fixture
def leads(org):
    return {
        p: lead_create(actor=getattr(org, p), name=f"lead of {p}")
        for p in ("rep", "other_rep", "lead", "director", "admin")
    }


def _snapshot():
    return {
        "leads": list(Lead.all_objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_lead_assigns_in_scope_and_counts_the_skipped(org, login, leads):
    outside_before = Lead.objects.filter(pk=leads["other_rep"].pk).values().get()
    response = login(org.lead).post(
        reverse("web:lead_bulk_assign"),
        {"ids": [leads["rep"].pk, leads["other_rep"].pk], "owner": org.lead.pk, "next": LIST},
    )
    assert response.status_code == 302 and response["Location"] == LIST
    assert _messages(response) == [
        ("success", "1 leads assigned."),
        (
            "warning",
            "1 selected leads were skipped: converted, disqualified or not yours to change.",
        ),
    ]
    assert Lead.objects.get(pk=leads["rep"].pk).owner_id == org.lead.pk
    assert Lead.objects.filter(pk=leads["other_rep"].pk).values().get() == outside_before


def test_rep_cannot_bulk_assign_and_nothing_changes(org, login, leads):
    before = _snapshot()
    response = login(org.rep).post(
        reverse("web:lead_bulk_assign"),
        {"ids": [leads["rep"].pk, leads["other_rep"].pk], "owner": org.rep.pk},
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_director_deletes_leads_in_scope(org, login, leads):
    response = login(org.director).post(
        reverse("web:lead_bulk_delete"),
        {"ids": [leads["rep"].pk, leads["admin"].pk], "next": LIST},
    )
    assert _messages(response) == [
        ("success", "1 leads moved to the recycle bin."),
        ("warning", "1 selected leads were skipped: not yours to delete."),
    ]
    assert list(
        Lead.all_objects.filter(deleted_at__isnull=False).values_list("name", "deleted_by")
    ) == [("lead of rep", org.director.pk)]


@pytest.mark.parametrize("persona", ["rep", "lead"])
def test_bulk_delete_needs_the_delete_permission(org, login, leads, persona):
    before = _snapshot()
    response = login(getattr(org, persona)).post(
        reverse("web:lead_bulk_delete"), {"ids": [leads[persona].pk]}
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_export_selected_is_the_selection_in_scope(org, login, leads):
    response = login(org.lead).post(
        reverse("web:lead_export") + "?format=csv",
        {"ids": [leads["rep"].pk, leads["other_rep"].pk]},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert [r[0] for r in rows[1:]] == ["lead of rep"]
    assert AuditEvent.objects.get(kind="export").data == {
        "what": "leads",
        "ids": [leads["rep"].pk, leads["other_rep"].pk],
    }


def test_bulk_bar_of_a_rep_has_no_actions_but_columns(org, login, leads):
    page = login(org.rep).get(LIST + "?view=all").content.decode()
    assert 'id="lead-columns"' in page
    assert reverse("web:lead_bulk_delete") not in page
    assert "Export selected" not in page
