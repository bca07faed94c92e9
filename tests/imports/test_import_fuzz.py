"""Import fuzzing (DAT-1): bad files never crash the pipeline; every row is imported or reported;
an all-or-nothing import that fails writes nothing."""

from __future__ import annotations

import io

import xlsxwriter
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdesk.customers.models import Contact, Customer
from salesdesk.imports.models import ImportJob
from salesdesk.imports.services import job_issues
from tests.imports.conftest import run_import

HEADERS = [
    "客户名称",
    "Email",
    "电话",
    "统一社会信用代码",
    "客户等级",
    "标签",
    "Annual revenue",
    "First purchase",
    "Owner (username)",
    "联系人",
    "备注",
    "Purchases",
]

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            "+86 138",
            "-3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "A",
            "Z",
            "公司",
            "a@b.co",
            "bad@",
            "91110108MA01ABCD2X",
            "2024-02-30",
            "2024-01-01",
            "rep",
            "lead",
            "nobody",
            "1e400",
            "NaN",
            "0",
            "3.5",
            "北京星辰",
            "北京星辰有限公司",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.text(min_size=301, max_size=320),  # longer than the cell limit of this test
)
rows = st.lists(st.lists(cells, max_size=len(HEADERS) + 2), max_size=8)


def _csv(headers, body, encodings) -> bytes:
    import csv

    out = b""
    for i, row in enumerate([headers, *body]):
        buffer = io.StringIO()
        csv.writer(buffer).writerow(row)
        out += buffer.getvalue().encode(encodings[i % len(encodings)], errors="replace")
    return out


def _xlsx(headers, body) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    for r, row in enumerate([headers, *body]):
        for c, value in enumerate(row):
            if value.lstrip("-").isascii() and value.lstrip("-").isdigit() and len(value) < 15:
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value[:32767])
    book.close()
    return buffer.getvalue()


@st.composite
def bad_files(draw):
    kind = draw(st.sampled_from(["csv", "csv", "xlsx", "xlsx", "truncated", "random", "dupes"]))
    headers = draw(
        st.one_of(
            st.just(HEADERS), st.permutations(HEADERS), st.lists(st.text(max_size=6), max_size=4)
        )
    )
    body = draw(rows)
    if kind == "dupes":
        body = [*body, *body, [], ["", ""], *body]
    if kind == "random":
        return draw(st.binary(max_size=300)), draw(st.sampled_from(["x.csv", "x.xlsx", "x.xls"]))
    if kind in ("csv", "dupes"):
        encodings = draw(
            st.sampled_from(
                [["utf-8"], ["utf-8-sig"], ["gb18030"], ["utf-8", "gb18030"], ["utf-16"]]
            )
        )
        return _csv(headers, body, encodings), "x.csv"
    data = _xlsx(headers, body)
    if kind == "truncated":
        # a fraction, not a byte offset: the xlsx length varies with its embedded timestamp
        cut = draw(st.integers(min_value=0, max_value=9_999))
        data = data[: len(data) * cut // 10_000]
    return data, "x.xlsx"


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    file=bad_files(),
    all_or_nothing=st.booleans(),
    policy=st.sampled_from(["skip", "update", "create"]),
)
def test_bad_files_never_crash_and_every_row_is_accounted_for(
    org, settings, file, all_or_nothing, policy
):
    settings.SALESDESK_IMPORT_MAX_CELL_CHARS = 300
    data, name = file
    with transaction.atomic():
        job = run_import(org.lead, data, name=name, policy=policy, all_or_nothing=all_or_nothing)
        if job.status == ImportJob.Status.PREVIEWED:  # refused before running: a mapping error
            assert job.start_error.messages and Customer.objects.count() == 0
            transaction.set_rollback(True)
            return
        assert job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
        assert "unexpected error" not in job.message
        customers = Customer.objects.count()
        issues = job_issues(job)
        error_rows = {i.row for i in issues if not i.skipped}
        skipped_rows = {i.row for i in issues if i.skipped}
        assert len(error_rows) == job.error_count
        assert not error_rows & skipped_rows
        if job.status == ImportJob.Status.FAILED:
            assert customers == 0 and Contact.objects.count() == 0
            assert job.created_count == job.updated_count == 0
            assert job.message
        else:
            assert job.created_count == customers
            assert len(skipped_rows) == job.skipped_count
            assert job.created_count + job.updated_count + job.skipped_count + job.error_count == (
                job.total_rows
            )
        transaction.set_rollback(True)
