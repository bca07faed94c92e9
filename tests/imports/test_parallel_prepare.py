"""Large imports prepare their batches in a worker process (salesdesk.imports.parallel): the
results are exactly those of the inline path, in the job's language."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from salesdesk.customers.imports import CustomerImport
from salesdesk.customers.models import Contact, Customer
from salesdesk.imports import parallel
from salesdesk.imports.models import ImportJob
from salesdesk.imports.services import job_issues
from tests.imports.conftest import csv_file, run_import

HEADERS = ["客户名称", "电话", "邮箱", "客户等级", "年营业额", "联系人", "联系人手机", "标签"]
ROWS = [
    [
        "北京星辰科技有限公司",
        "+86 138 0013 8000",
        "a@example.com",
        "A",
        "1,200",
        "张伟",
        "139",
        "展会",
    ],
    ["上海蓝海贸易有限公司", "021-66668888", "not-an-email", "B", "", "", "", ""],
    ["Acme Ltd", "", "", "C", "abc", "", "", ""],
    [
        "重庆银行行长(集团)有限公司",
        "13900000002",
        "",
        "普通",
        "50",
        "于思",
        "13900000003",
        "老客户, 展会",
    ],
    ["北京星辰科技有限公司", "13800000009", "", "", "", "", "", ""],
    ["", "13800000010", "", "", "", "", "", ""],
    ["广州云帆物流有限公司", "020-12345678", "", "D", "0", "陈静", "", ""],
]
NAMES = {"name": "客户名称", "email": "邮箱"}


def _batches():
    adapter = CustomerImport()
    mapping = {0: "name", 1: "phone", 2: "email", 3: "level", 4: "annual_revenue",
               5: "contact_name", 6: "contact_mobile", 7: "tags"}  # fmt: skip
    rows = [(i + 2, {mapping[c]: v for c, v in enumerate(row)}) for i, row in enumerate(ROWS)]
    return adapter, [rows[0:3], rows[3:6], rows[6:]]


def test_the_worker_prepares_exactly_what_the_inline_path_prepares(settings):
    adapter, batches = _batches()
    settings.SALESDESK_IMPORT_PARALLEL_MIN_ROWS = 1
    settings.SALESDESK_IMPORT_WORKERS = 1
    assert parallel._worker_count(adapter, 7) == 1
    with translation.override("zh-hans"):
        in_worker = list(parallel.prepared_batches(adapter, batches, NAMES))
        settings.SALESDESK_IMPORT_WORKERS = 0
        assert parallel._worker_count(adapter, 7) == 0
        inline = list(parallel.prepared_batches(adapter, batches, NAMES))
    assert in_worker == inline
    issues = [issue for _rows, _long, (_cleaned, found) in in_worker for issue in found]
    assert [(i.row, i.column) for i in issues] == [
        (3, "邮箱"),
        (4, "annual_revenue"),
        (7, "客户名称"),
    ]
    assert issues[0].message == "请输入有效的邮箱地址。"
    (_rows, _long, (cleaned, _issues)) = in_worker[0]
    first = cleaned[0][1]
    assert (first["phone_key"], first["name_initials"], first["contact_pinyin"]) == (
        "13800138000",
        "bjxckjyxgs",
        ("zhangwei", "zw"),
    )


def test_small_files_and_adapters_without_prepare_stay_inline(settings):
    adapter = CustomerImport()
    settings.SALESDESK_IMPORT_PARALLEL_MIN_ROWS = 10_000
    assert parallel._worker_count(adapter, 9_999) == 0
    assert parallel._worker_count(adapter, 10_000) == 1

    class NoPrepare(CustomerImport):
        prepare = parallel.EntityAdapter.prepare

    assert parallel._worker_count(NoPrepare(), 10_000) == 0


def test_an_import_through_the_worker_writes_the_valid_rows_and_reports_the_rest(
    org, settings, monkeypatch
):
    settings.SALESDESK_IMPORT_PARALLEL_MIN_ROWS = 1
    settings.SALESDESK_IMPORT_INLINE_ROWS = 100
    monkeypatch.setattr(CustomerImport, "batch_size", 2)
    job = run_import(org.rep, csv_file(HEADERS, ROWS), all_or_nothing=False)
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.total_rows, job.created_count, job.skipped_count, job.error_count) == (7, 3, 1, 3)
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(
        ["北京星辰科技有限公司", "重庆银行行长(集团)有限公司", "广州云帆物流有限公司"]
    )
    chongqing = Customer.objects.get(name="重庆银行行长(集团)有限公司")
    assert (chongqing.level, chongqing.annual_revenue) == ("C", Decimal("50.00"))
    assert sorted(chongqing.tags.values_list("name", flat=True)) == ["展会", "老客户"]
    assert list(Contact.objects.filter(customer=chongqing).values_list("name", "mobile_key")) == [
        ("于思", "13900000003")
    ]
    assert [(i.row, i.skipped) for i in job_issues(job)] == [
        (3, False),
        (4, False),
        (6, True),
        (7, False),
    ]
