"""Browser journey of the import/export pipeline (issue 3, DAT-1), in both languages, in headless
chromium: a team lead uploads a CSV with errors, reads the preview, imports it all-or-nothing (the
import fails and saves nothing), downloads and reads the row-level error report, imports the valid
rows only, then exports the customer list and reads the downloaded file."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from salesdesk.customers.models import Customer
from salesdesk.imports.models import ImportJob
from tests.e2e.test_platform_journeys import BROWSER_LANG, sign_in

HEADERS = ["客户名称", "客户等级", "城市", "邮箱", "联系人", "联系人手机"]


def _csv(lang: str) -> bytes:
    rows = [
        HEADERS,
        [f"导入甲 Import A {lang}", "A", "上海", f"a-{lang}@example.com", "张三", "13900000001"],
        [f"导入乙 Import B {lang}", "Z", "北京", f"b-{lang}@example.com", "李四", "13900000002"],
        [f"导入丙 Import C {lang}", "B", "广州", "not-an-email", "王五", "13900000003"],
        [f"导入丁 Import D {lang}", "C", "深圳", f"d-{lang}@example.com", "", ""],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _upload(page, data: bytes, *, all_or_nothing: bool) -> None:
    page.goto(page.base + "/imports/new/")
    page.select_option("select[name=entity]", "customers")
    page.set_input_files(
        "input[name=file]", files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": data}]
    )
    box = page.locator("input[name=all_or_nothing]")
    if box.is_checked() != all_or_nothing:
        box.click()
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/imports/\d+/$"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_import_with_errors_then_export(org, page_factory, screenshot, lang):
    page = page_factory(BROWSER_LANG[lang])
    sign_in(page, "lead")
    data = _csv(lang)

    # Upload: the preview flags the bad level and the bad email before anything is saved.
    _upload(page, data, all_or_nothing=True)
    preview = page.locator("table.sd-table").first
    expect(preview.locator("tr.table-warning")).to_have_count(2)
    expect(preview).to_contain_text("Z")
    screenshot(page, f"import-preview-{lang}")
    assert not Customer.objects.filter(name__contains=f" {lang}").exists()

    # All or nothing: the import fails, nothing is saved, the error report lists both rows.
    page.locator("form[action$='/run/'] button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    job = ImportJob.objects.order_by("-pk").first()
    assert (job.status, job.created_count, job.error_count) == ("failed", 0, 2)
    assert not Customer.objects.filter(name__contains=f" {lang}").exists()
    report = page.locator(".card:has(a[href$='errors.csv']) tbody tr")
    expect(report).to_have_count(2)
    expect(report.nth(0)).to_contain_text("3")
    expect(report.nth(1)).to_contain_text("4")
    screenshot(page, f"import-errors-{lang}")

    # The downloadable error report names the row, the column and the reason.
    with page.expect_download() as download_info:
        page.locator("a[href$='errors.csv']").click()
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    bad_rows = sorted(line[0] for line in lines[1:])
    assert bad_rows == ["3", "4"]
    assert any(line[1] == "客户等级" for line in lines[1:])
    assert any(line[1] == "邮箱" for line in lines[1:])

    # Import again without all-or-nothing: the two valid rows are created, the others reported.
    _upload(page, data, all_or_nothing=False)
    page.locator("form[action$='/run/'] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    created = set(
        Customer.objects.filter(name__contains=f" {lang}").values_list("name", "owner_id")
    )
    assert created == {
        (f"导入甲 Import A {lang}", org.lead.pk),
        (f"导入丁 Import D {lang}", org.lead.pk),
    }

    # Export the customer list (filtered by search) and read the workbook.
    page.goto(page.base + f"/customers/?q={lang}")
    expect(page.locator("main")).to_contain_text(f"导入甲 Import A {lang}")
    with page.expect_download() as download_info:
        page.locator("a[data-export-link]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = CalamineWorkbook.from_path(download.path()).get_sheet_by_index(0).to_python()
    names = sorted(row[0] for row in sheet[1:])
    assert names == [f"导入丁 Import D {lang}", f"导入甲 Import A {lang}"]
    assert page.js_errors == []
