"""Contract list: column chooser (remembered per user) and the one bulk action, export of the
selection (scoped; no bulk delete or assign: contracts have status rules)."""

from __future__ import annotations

from io import BytesIO

from django.urls import reverse
from python_calamine import CalamineWorkbook

from salesdesk.core.models import AuditEvent, UserPreference
from salesdesk.sales.models import Contract
from tests.web.test_sales_pages import world  # noqa: F401  (fixture)

LIST = "/sales/contracts/?view=all"


def test_columns_are_remembered_and_the_cells_exact(org, world, login):  # noqa: F811
    client = login(org.rep)
    client.post(
        reverse("web:list_columns", args=["contracts"]),
        {"columns": ["total_amount", "status", "channel"], "next": LIST},
    )
    assert UserPreference.objects.get(user=org.rep, key="contracts").value == {
        "columns": ["status", "channel", "total_amount"]
    }
    page = client.get(LIST)
    [(contract, cells)] = page.context["table_rows"]
    assert contract.title == "星辰合同"
    assert cells == (
        '<td><span class="badge sd-contract-draft text-bg-light">Draft</span></td>'
        '<td class="d-none d-md-table-cell">—</td>'
        f'<td class="sd-num text-end">¥{contract.total_amount:,.2f}</td>'
    )
    body = page.content.decode()
    assert 'id="contract-columns"' in body and "Export selected" not in body  # a rep: no export
    assert "delete" not in reverse("web:contract_export")


def test_export_selected_is_the_selection_in_scope(org, world, login):  # noqa: F811
    mine, other = world["rep_contract"], world["other_rep_contract"]
    response = login(org.lead).post(reverse("web:contract_export"), {"ids": [mine.pk, other.pk]})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(BytesIO(response.content)).get_sheet_by_index(0)
    rows = rows.to_python()
    assert [r[1] for r in rows[1:]] == ["星辰合同"]
    event = AuditEvent.objects.get(kind="export")
    assert event.data == {"entity": "contracts", "rows": 1, "ids": [mine.pk, other.pk]}


def test_export_selected_needs_the_export_permission(org, world, login):  # noqa: F811
    before = list(Contract.all_objects.order_by("pk").values())
    response = login(org.rep).post(
        reverse("web:contract_export"), {"ids": [world["rep_contract"].pk]}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(kind="export").count() == 0
    assert list(Contract.all_objects.order_by("pk").values()) == before


def test_the_bulk_bar_offers_export_only(org, world, login):  # noqa: F811
    body = login(org.director).get(LIST).content.decode()
    assert "Export selected" in body
    assert 'name="new_owner"' not in body
    assert "data-bulk-confirm" not in body  # no bulk delete
