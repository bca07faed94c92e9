"""Customer import (DAT-1, CUS-5): validation, duplicate policies, scope, contacts and tags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from salesdesk.customers.models import Contact, Customer
from salesdesk.imports.models import ImportJob
from salesdesk.imports.services import job_error_report, job_issues
from tests.imports.conftest import _import_dir, csv_file, run_import  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[1] / "imports" / "fixtures"
HEADERS = ["客户名称", "电话", "统一社会信用代码", "客户等级", "联系人", "联系人手机", "标签"]


def make_customer(owner, name, **fields):
    from salesdesk.customers.imports import CustomerImport

    customer = Customer(owner=owner, org_unit_id=owner.unit_id, name=name, **fields)
    CustomerImport()._apply(customer, {})
    customer.save()
    return customer


def test_csv_import_creates_customers_contacts_and_tags(org):
    data = csv_file(
        HEADERS,
        [
            [
                "北京星辰科技有限公司",
                "+86 138 0013 8000",
                "91110108MA01ABCD2X",
                "A",
                "张伟",
                "13900000001",
                "展会, 华北",
            ],
            ["Acme Ltd", "021-66668888", "", "普通", "", "", ""],
        ],
    )
    job = run_import(org.rep, data)
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.total_rows, job.created_count, job.error_count) == (2, 2, 0)
    star = Customer.objects.get(name="北京星辰科技有限公司")
    assert star.owner == org.rep and star.org_unit == org.team_a
    assert (star.level, star.phone_key, star.credit_code_key) == (
        "A",
        "13800138000",
        "91110108MA01ABCD2X",
    )
    assert star.name_key == "北京星辰科技" and star.name_initials == "bjxckjyxgs"
    assert sorted(t.name for t in star.tags.all()) == ["华北", "展会"]
    contact = Contact.objects.get(customer=star)
    assert (contact.name, contact.mobile, contact.is_primary) == ("张伟", "13900000001", True)
    assert star.history.count() == 1
    assert Customer.objects.get(name="Acme Ltd").level == "C"


def test_all_or_nothing_imports_nothing_when_a_row_fails(org):
    data = csv_file(
        ["Customer name", "Email", "Level", "First purchase"],
        [["Good Co", "a@example.com", "B", "2024-01-02"], ["", "not-an-email", "Z", "2024-13-01"]],
    )
    job = run_import(org.rep, data)
    assert job.status == ImportJob.Status.FAILED
    assert (job.created_count, job.error_count) == (0, 1)
    assert Customer.objects.count() == 0
    issues = [(i.row, i.column, i.skipped) for i in job_issues(job)]
    assert issues == [
        (3, "Customer name", False),
        (3, "Email", False),
        (3, "First purchase", False),
        (3, "Level", False),
    ]


def test_partial_import_writes_the_valid_rows_and_reports_the_rest(org):
    data = csv_file(
        ["Customer name", "Email", "Annual revenue"],
        [["Good Co", "a@example.com", "1,234.5"], ["Bad Co", "bad@", ""], ["", "", "-1"]],
    )
    job = run_import(org.rep, data, all_or_nothing=False)
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.error_count) == (1, 2)
    assert list(Customer.objects.values_list("name", "annual_revenue")) == [
        ("Good Co", Decimal("1234.50"))
    ]
    body, name = job_error_report(job=job, actor=org.rep, file_format="csv")
    assert name == "customers-errors.csv"
    text = body.decode("utf-8-sig")
    assert "Enter a valid email address." in text and "Bad Co" in text


def test_skip_policy_skips_existing_and_in_file_duplicates(org):
    make_customer(org.other_rep, "上海蓝海贸易有限公司", phone="021-68881234")
    data = csv_file(
        ["客户名称", "电话"],
        [["上海蓝海贸易 有限公司", ""], ["New Co", "13800000000"], ["NEW CO.", ""]],
    )
    job = run_import(org.rep, data)
    assert (job.status, job.created_count, job.skipped_count) == (ImportJob.Status.DONE, 1, 2)
    issues = job_issues(job)
    assert [(i.row, i.skipped) for i in issues] == [(2, True), (4, True)]
    assert "owner: 赵*" in issues[0].message  # out of the rep's scope: masked owner only
    assert "row 3" in issues[1].message
    assert Customer.objects.filter(name="New Co").count() == 1


def test_update_policy_updates_only_records_in_scope(org):
    mine = make_customer(org.rep, "Mine Co", credit_code="91110108MA01ABCD2X")
    theirs = make_customer(org.other_rep, "Theirs Co", phone="13700000000")
    data = csv_file(
        ["Customer name", "Unified social credit code", "Phone", "City", "Contact name"],
        [
            ["Mine Co renamed", "91110108MA01ABCD2X", "", "杭州", "李四"],
            ["Theirs Co", "", "13700000000", "上海", ""],
        ],
    )
    job = run_import(org.rep, data, policy="update", all_or_nothing=False)
    assert (job.updated_count, job.error_count) == (1, 1)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.name, mine.city, mine.version) == ("Mine Co renamed", "杭州", 2)
    assert mine.contacts.get().name == "李四"
    assert (theirs.name, theirs.city, theirs.version) == ("Theirs Co", "", 1)
    assert "not one you may edit" in job_issues(job)[0].message


def test_create_policy_creates_similar_but_never_the_same_credit_code(org):
    make_customer(org.rep, "Same Name", credit_code="91110108MA01ABCD2X")
    data = csv_file(
        ["Customer name", "Unified social credit code"],
        [["Same Name", ""], ["Other", "91110108MA01ABCD2X"]],
    )
    job = run_import(org.rep, data, policy="create", all_or_nothing=False)
    assert (job.created_count, job.error_count) == (1, 1)
    assert Customer.objects.filter(name="Same Name").count() == 2


def test_owner_column_is_honoured_only_for_assignable_users(org):
    data = csv_file(["Customer name", "Owner (username)"], [["A Co", "rep"], ["B Co", "other_rep"]])
    job = run_import(org.lead, data, all_or_nothing=False)
    assert (job.created_count, job.error_count) == (1, 1)
    assert Customer.objects.get().owner == org.rep
    job = run_import(org.rep, csv_file(["Customer name", "Owner (username)"], [["C", "lead"]]))
    assert job.status == ImportJob.Status.FAILED
    assert Customer.objects.filter(name="C").count() == 0


EXPECTED = [
    (
        "北京星辰科技有限公司",
        "company",
        "A",
        "referral",
        "it",
        "91110108MA01ABCD2X",
        "010-82345678",
        "info@xingchen.cn",
        Decimal("5000000.50"),
        date(2024, 3, 15),
        "年度框架协议",
        ["华北重点", "展会"],
        ("张伟", "13800138000"),
    ),
    (
        "上海蓝海贸易有限公司",
        "company",
        "B",
        "website",
        "retail",
        "91310115MA1H7XY03K",
        "+86 21 6888 1234",
        "sales@lanhai.com.cn",
        Decimal("1200000.00"),
        date(2023, 11, 2),
        "",
        ["展会"],
        ("李娜", "13912345678"),
    ),
    (
        "深圳前海智造股份有限公司",
        "company",
        "C",
        "exhibition",
        "manufacturing",
        "",
        "0755-26789012",
        "",
        None,
        None,
        '含逗号,和"引号"',
        [],
        None,
    ),
    (
        "王芳",
        "individual",
        "D",
        "",
        "",
        "",
        "",
        "wangfang@example.com",
        None,
        None,
        "生僻字𠀀测试",
        [],
        None,
    ),
]


@pytest.mark.parametrize(
    "name, encoding",
    [("customers_libreoffice.xlsx", ""), ("customers_libreoffice_gb18030.csv", "gb18030")],
)
def test_files_written_by_libreoffice_import_exactly(org, name, encoding):
    job = run_import(org.rep, (FIXTURES / name).read_bytes(), name=name)
    assert job.status == ImportJob.Status.DONE, (job.message, job_issues(job))
    assert (job.encoding, job.created_count) == (encoding, 4)
    got = []
    for c in Customer.objects.order_by("id"):
        contact = c.contacts.first()
        got.append(
            (
                c.name,
                c.kind,
                c.level,
                c.source,
                c.industry,
                c.credit_code,
                c.phone,
                c.email,
                c.annual_revenue,
                c.first_purchase_at,
                c.notes,
                sorted(t.name for t in c.tags.all()),
                (contact.name, contact.mobile) if contact else None,
            )
        )
    assert got == EXPECTED
    assert Customer.objects.get(name="王芳").province == "浙江"


def test_imported_customers_get_one_history_row_by_the_importer_and_computed_keys(org):
    from salesdesk.customers.imports import CustomerImport

    rows = [
        [
            "北京星辰科技有限公司",
            "+86 138 0013 8000",
            "91110108MA01ABCD2X",
            "A",
            "张伟",
            "139",
            "展会",
        ],
        ["重庆银行行长(集团)有限公司", "021-66668888", "", "B", "于思", "13900000002", ""],
        ["Acme Ltd", "", "", "C", "", "", ""],
    ]
    job = run_import(org.rep, csv_file(HEADERS, rows))
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.created_count == 3
    adapter = CustomerImport()
    for row in rows:
        customer = Customer.objects.get(name=row[0])
        history = list(customer.history.all())
        assert len(history) == 1
        (record,) = history
        assert (record.history_type, record.history_user_id) == ("+", org.rep.pk)
        assert record.history_change_reason == "import"
        assert (record.name, record.level, record.owner_id) == (row[0], row[3], org.rep.pk)
        expected = Customer(owner=org.rep, org_unit_id=org.rep.unit_id, name=row[0], phone=row[1])
        expected.credit_code = row[2]
        adapter._apply(expected, {})
        for key in (
            "name_key",
            "phone_key",
            "email_key",
            "credit_code_key",
            "name_pinyin",
            "name_initials",
        ):
            assert getattr(customer, key) == getattr(expected, key), key
        for contact in Contact.objects.filter(customer=customer):
            assert [(h.history_type, h.history_user_id) for h in contact.history.all()] == [
                ("+", org.rep.pk)
            ]
            probe = Contact(name=contact.name, mobile=contact.mobile)
            adapter._contact(probe, {})
            assert (contact.mobile_key, contact.name_pinyin, contact.name_initials) == (
                probe.mobile_key,
                probe.name_pinyin,
                probe.name_initials,
            )
