"""Exports need the export permission, are scoped and audited; the import wizard, the API and
the command line work end to end."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from salesdesk.cli import main
from salesdesk.core.models import AuditEvent
from salesdesk.customers.models import Customer
from salesdesk.imports.models import ImportJob
from salesdesk.org.models import Role
from tests.customers.test_import_customers import make_customer
from tests.imports.conftest import csv_file


def client(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def _rows(response) -> list[list]:
    body = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()


def test_rep_without_export_permission_gets_403_and_nothing_is_logged(org):
    assert not org.rep.has_function("can_export")
    make_customer(org.rep, "Mine")
    assert client(org.rep).get(reverse("web:customer_export")).status_code == 403
    response = client(org.rep).get("/api/v1/customers/export")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()


def test_export_contains_only_visible_rows_escaped_and_is_audited(org):
    Role.objects.filter(code="rep").update(can_export=True)
    org.rep.refresh_from_db()
    make_customer(org.rep, '=HYPERLINK("http://x")', notes="-2+3")
    make_customer(org.rep, "Plain Co", level="A")
    make_customer(org.other_rep, "Not yours")
    response = client(org.rep).get(reverse("web:customer_export") + "?level=A&format=xlsx")
    assert response.status_code == 200
    rows = _rows(response)
    assert [r[0] for r in rows[1:]] == ["Plain Co"]
    response = client(org.rep).get(reverse("web:customer_export") + "?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffCustomer name,")
    assert "'=HYPERLINK" in text and "'-2+3" in text and "Not yours" not in text
    events = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).order_by("id"))
    assert [(e.actor, e.data["rows"], e.data["format"]) for e in events] == [
        (org.rep, 1, "xlsx"),
        (org.rep, 2, "csv"),
    ]
    assert events[0].data["filters"] == {"level": "A"}
    response = client(org.director).get("/api/v1/customers/export?format=xlsx")
    assert sorted(r[0] for r in _rows(response)[1:]) == [
        '=HYPERLINK("http://x")'.replace("=", "'=", 1),
        "Not yours",
        "Plain Co",
    ]


def test_export_of_the_selection_has_exactly_the_selected_visible_rows(org):
    """The list's "Export selected" posts the chosen ids: only those rows, within scope,
    whatever the list's filters; audited with the ids."""
    Role.objects.filter(code="rep").update(can_export=True)
    org.rep.refresh_from_db()
    a = make_customer(org.rep, "Chosen A", level="A")
    b = make_customer(org.rep, "Chosen B")
    make_customer(org.rep, "Not chosen", level="A")
    theirs = make_customer(org.other_rep, "Not yours")
    url = reverse("web:customer_export") + "?level=A&format=xlsx"
    response = client(org.rep).post(url, {"ids": [b.pk, a.pk, theirs.pk, "x"]})
    assert response.status_code == 200
    assert sorted(r[0] for r in _rows(response)[1:]) == ["Chosen A", "Chosen B"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert (event.data["rows"], event.data["ids"]) == (2, [b.pk, a.pk, theirs.pk])
    # without the permission: 403 and nothing logged
    Role.objects.filter(code="rep").update(can_export=False)
    org.rep.refresh_from_db()
    assert client(org.rep).post(url, {"ids": [a.pk]}).status_code == 403
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).count() == 1


def test_web_wizard_upload_preview_run_result_and_error_report(org):
    c = client(org.rep)
    data = csv_file(["Name", "邮箱"], [["Good Co", "g@example.com"], ["Bad Co", "bad@"]])
    response = c.post(
        reverse("web:import_new"),
        {
            "entity": "customers",
            "file": SimpleUploadedFile("list.csv", data),
            "duplicate_policy": "skip",
        },
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and not job.all_or_nothing
    page = c.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert "Enter a valid email address." in page and "Good Co" in page
    c.post(reverse("web:import_mapping", args=[job.pk]), {"col_0": "name", "col_1": "email"})
    response = c.post(reverse("web:import_run", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count) == ("done", 1, 1)
    page = c.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert "Error report" in page
    report = c.get(reverse("web:import_errors", args=[job.pk, "xlsx"]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(report.content)).get_sheet_by_index(0)
    assert rows.to_python()[1][:4] == [3.0, "邮箱", "Enter a valid email address.", "Error"]
    assert client(org.other_rep).get(reverse("web:import_detail", args=[job.pk])).status_code == 404
    assert c.get(reverse("web:import_list")).status_code == 200
    template = c.get(reverse("web:import_template", args=["customers"]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(template.content))
    assert book.sheet_names == ["Customers", "Allowed values"]
    assert book.get_sheet_by_index(0).to_python()[0][0] == "Customer name *"


def test_api_upload_run_status_and_errors(org):
    c = client(org.rep)
    data = csv_file(["Customer name", "Level"], [["API Co", "B"], ["Bad", "Q"]])
    response = c.post(
        "/api/v1/imports", {"file": SimpleUploadedFile("a.csv", data), "all_or_nothing": "true"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["total_rows"], body["mapping"]) == (
        "previewed",
        2,
        {"0": "name", "1": "level"},
    )
    assert [r["issues"] != [] for r in body["preview"]] == [False, True]
    response = c.post(f"/api/v1/imports/{body['id']}/run", content_type="application/json")
    assert (response.json()["status"], response.json()["error_count"]) == ("failed", 1)
    assert Customer.objects.count() == 0
    assert c.get(f"/api/v1/imports/{body['id']}/errors?format=csv").status_code == 200
    assert client(org.lead).get(f"/api/v1/imports/{body['id']}").status_code == 404
    assert c.get("/api/v1/imports/templates/customers").status_code == 200
    assert c.get("/api/v1/imports").json()["count"] == 1


def test_cli_import_and_export(org, tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_bytes(
        csv_file(["客户名称", "客户等级"], [["CLI 公司", "A"]]).decode().encode("gb18030")
    )
    assert main(["import", "customers", str(path), "--user", "rep"]) == 0
    assert Customer.objects.get().name == "CLI 公司"
    assert main(["export", "customers", "--user", "rep", "-o", str(tmp_path / "x.csv")]) == 1
    assert "may not export" in capsys.readouterr().err
    out = tmp_path / "all.xlsx"
    assert main(["export", "customers", "--user", "admin", "-o", str(out)]) == 0
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[1][0] == "CLI 公司"
