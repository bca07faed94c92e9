"""Opportunity import (DAT-1, FUN-3): deals created in bulk leave the database exactly as
`services.opportunity_create` called row by row does (apart from ids and timestamps); row errors
carry the service's messages; all-or-nothing; a constant number of queries per batch."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salesdesk.imports.models import ImportJob
from salesdesk.imports.registry import registry
from salesdesk.imports.services import job_create, job_issues, job_start
from salesdesk.pipeline import services
from salesdesk.pipeline.models import (
    Opportunity,
    OpportunityProduct,
    Pipeline,
    Stage,
    StageEvent,
    StageStat,
)
from salesdesk.sales.models import Channel, ProductLine
from tests.pipeline.conftest import recomputed_stats, stored_stats

BJ, HZ, SH, NJ = (
    "北京星辰科技有限公司",
    "杭州西湖软件有限公司",
    "上海远航贸易有限公司",
    "南京紫金实业有限公司",
)
HEADERS = [
    "商机名称",
    "客户",
    "销售流程",
    "阶段",
    "金额",
    "预计成交日期",
    "负责人",
    "产品线",
    "渠道",
    "竞争对手",
    "下一步",
]


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path_factory):
    settings.SALESDESK_IMPORT_DIR = tmp_path_factory.mktemp("imports")


@pytest.fixture
def catalogue(db):
    line = ProductLine.objects.create(code="ERP", name="ERP")
    channel = Channel.objects.create(code="DIRECT", name="直销", type="direct")
    return line, channel


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run_import(user, rows, *, all_or_nothing=True) -> ImportJob:
    with translation.override("en"):
        job = job_create(
            actor=user,
            entity="opportunities",
            file_name="deals.csv",
            data=csv_bytes(rows),
            all_or_nothing=all_or_nothing,
        )
        return job_start(job=job, actor=user)


def issues(job) -> list[tuple[int, str, str]]:
    return [(i.row, i.column, i.message) for i in job_issues(job)]


# --- the same database as one by one -----------------------------------------------------------

SKIP = {"id", "created_at", "updated_at", "stage_entered_at", "history_id", "history_date", "at"}


def _rows(qs, titles, ref="id"):
    out = []
    for row in qs.values():
        row = dict(row)
        row["deal"] = titles[row[ref]]
        out.append(tuple(sorted((k, str(v)) for k, v in row.items() if k not in SKIP | {ref})))
    return sorted(out)


def snapshot() -> dict:
    """Everything an opportunity create writes, without ids and timestamps, plus the row count
    of every table (so a stray write anywhere shows)."""
    titles = dict(Opportunity.all_objects.values_list("id", "title"))
    return {
        "deals": _rows(Opportunity.all_objects.all(), titles),
        "history": _rows(Opportunity.history.all(), titles),
        "events": _rows(StageEvent.objects.all(), titles, ref="opportunity_id"),
        "stats": sorted(
            tuple(sorted((k, str(v)) for k, v in r.items() if k != "id"))
            for r in StageStat.objects.values()
        ),
        "counts": {
            m._meta.label: m._base_manager.count()
            for m in apps.get_models()
            if m is not ImportJob and m._meta.managed
        },
    }


def test_bulk_import_leaves_the_database_as_creating_the_rows_one_by_one(
    org, customers, stages, catalogue
):
    line, channel = catalogue
    rows = [
        ["ERP 升级", BJ, "", "", "120000", "2026-06-30", "rep", "ERP", "", "", ""],
        ["CRM 试点", BJ, "", "方案报价", "¥8,000.5", "", "", "", "DIRECT", "甲", "电话"],
        ["仓储系统", HZ, "标准销售流程", "Prospect", "", "", "lead", "", "", "", ""],
        [
            "培训服务",
            SH,
            "",
            "商务谈判",
            "0",
            "2027-01-05",
            "other_rep",
            "ERP",
            "DIRECT",
            "",
            "签约",
        ],
        ["年度维保", NJ, "", "", "99.999", "", "", "", "", "乙, 丙", ""],
    ]
    director = org.director
    by_name = {c.name: c for c in customers.values()}
    stage = {s.name: s for s in stages}
    pipeline = Pipeline.objects.get(is_default=True)

    sid = transaction.savepoint()
    job = run_import(director, rows)
    assert (job.status, job.created_count, job.error_count) == ("done", 5, 0)
    bulk = snapshot()
    transaction.savepoint_rollback(sid)
    assert Opportunity.all_objects.count() == 0
    assert StageStat.objects.count() == 0

    one_by_one = [
        dict(
            title="ERP 升级",
            customer=by_name["北京星辰科技有限公司"],
            owner=org.rep,
            amount=Decimal("120000"),
            expected_close_date=date(2026, 6, 30),
            product_line=line,
        ),
        dict(
            title="CRM 试点",
            customer=by_name["北京星辰科技有限公司"],
            stage=stage["方案报价"],
            amount=Decimal("8000.5"),
            channel=channel,
            competitors="甲",
            next_step="电话",
        ),
        dict(
            title="仓储系统",
            customer=by_name["杭州西湖软件有限公司"],
            pipeline=pipeline,
            stage=stage["潜在客户"],
            owner=org.lead,
            amount=None,
        ),
        dict(
            title="培训服务",
            customer=by_name["上海远航贸易有限公司"],
            stage=stage["商务谈判"],
            owner=org.other_rep,
            amount=Decimal("0"),
            expected_close_date=date(2027, 1, 5),
            product_line=line,
            channel=channel,
            next_step="签约",
        ),
        dict(
            title="年度维保",
            customer=by_name["南京紫金实业有限公司"],
            amount=Decimal("99.999"),
            competitors="乙, 丙",
        ),
    ]
    for fields in one_by_one:
        services.opportunity_create(actor=director, **fields)
    reference = snapshot()

    assert bulk == reference
    assert len(bulk["deals"]) == 5
    assert len(bulk["history"]) == 5
    assert len(bulk["events"]) == 5
    assert bulk["counts"][OpportunityProduct._meta.label] == 0
    created = dict(Opportunity.objects.values_list("title", "amount"))
    assert created == {
        "ERP 升级": Decimal("120000.00"),
        "CRM 试点": Decimal("8000.50"),
        "仓储系统": Decimal("0.00"),
        "培训服务": Decimal("0.00"),
        "年度维保": Decimal("100.00"),
    }


def test_stage_summaries_add_up_across_batches(org, customers, stages, monkeypatch):
    monkeypatch.setattr(registry.get("opportunities"), "batch_size", 4)
    owners = ["rep", "lead", "", "rep", "other_rep"]
    names = ["", "潜在客户", "建立联系"]
    rows = [
        [
            f"Deal {i}",
            "北京星辰科技有限公司",
            "",
            names[i % 3],
            "10",
            "",
            owners[i % 5],
            "",
            "",
            "",
            "",
        ]
        for i in range(11)
    ]
    job = run_import(org.director, rows)
    assert (job.status, job.created_count) == ("done", 11)
    assert StageEvent.objects.count() == 11
    assert set(StageEvent.objects.values_list("kind", flat=True)) == {"created"}
    assert stored_stats() == recomputed_stats()
    entered = {
        (s.stage.name, s.owner.username): s.entered
        for s in StageStat.objects.select_related("owner", "stage")
    }
    # rows 0, 3, 6, 9 → first stage; rows 1, 4, 7, 10 → 潜在客户; rows 2, 5, 8 → 建立联系
    assert entered == {
        ("线索收集", "rep"): 2,
        ("线索收集", "lead"): 1,
        ("线索收集", "other_rep"): 1,
        ("潜在客户", "lead"): 1,
        ("潜在客户", "other_rep"): 1,
        ("潜在客户", "director"): 1,
        ("潜在客户", "rep"): 1,
        ("建立联系", "director"): 1,
        ("建立联系", "rep"): 2,
    }


# --- row errors ----------------------------------------------------------------------------------

BAD_ROWS = [
    ["", "北京星辰科技有限公司", "", "", "", "", "", "", "", "", ""],
    ["A", "无此客户", "", "", "", "", "", "", "", "", ""],
    ["B", "北京星辰科技有限公司", "", "不存在", "", "", "", "", "", "", ""],
    ["C", "北京星辰科技有限公司", "", "", "abc", "", "", "", "", "", ""],
    ["D", "北京星辰科技有限公司", "", "", "", "2026-02-30", "", "", "", "", ""],
    ["E", "北京星辰科技有限公司", "", "", "", "", "nobody", "", "", "", ""],
    ["F", "北京星辰科技有限公司", "", "", "", "", "", "XX", "", "", ""],
    ["G", "北京星辰科技有限公司", "", "", "", "", "", "", "YY", "", ""],
    ["H", "北京星辰科技有限公司", "", "成交合作", "", "", "", "", "", "", ""],
    ["I", "北京星辰科技有限公司", "", "", "-5", "", "", "", "", "", ""],
    ["J", "北京星辰科技有限公司", "", "", "1e15", "", "", "", "", "", ""],
    ["K", "北京星辰科技有限公司", "", "", "", "", "deactivated", "", "", "", ""],
    ["L" * 201, "北京星辰科技有限公司", "", "", "", "", "", "", "", "", ""],
    ["M", "北京星辰科技有限公司", "", "", "", "", "", "", "", "x" * 301, "y" * 301],
    ["Good", "北京星辰科技有限公司", "", "", "5", "", "", "", "", "", ""],
    ["N", "北京星辰科技有限公司", "", "", "NaN", "", "", "", "", "", ""],
    ["O", "深圳前海集团", "", "", "", "", "", "", "", "", ""],
]
EXPECTED_ISSUES = [
    (2, "商机名称", "Enter a title."),
    (3, "客户", "No customer with this name that you may see."),
    (4, "阶段", "Unknown stage."),
    (5, "金额", "Enter a number."),
    (6, "预计成交日期", "Enter a date as YYYY-MM-DD."),
    (7, "负责人", "Unknown user."),
    (8, "产品线", "Unknown product line."),
    (9, "渠道", "Unknown channel."),
    (10, "阶段", "A new deal starts in an open stage."),
    (11, "金额", "Enter a value of zero or more."),
    (12, "金额", "Enter a smaller amount."),
    (13, "负责人", "Unknown user."),
    (14, "商机名称", "Ensure this value has at most 200 characters (it has 201)."),
    (15, "下一步", "Ensure this value has at most 300 characters (it has 301)."),
    (15, "竞争对手", "Ensure this value has at most 300 characters (it has 301)."),
    (17, "金额", "Enter a number."),
    (18, "客户", "No customer with this name that you may see."),
]


def _nothing_written():
    return (
        Opportunity.all_objects.count(),
        Opportunity.history.count(),
        StageEvent.objects.count(),
        StageStat.objects.count(),
    ) == (0, 0, 0, 0)


def test_all_or_nothing_reports_every_row_error_and_writes_nothing(
    org, customers, stages, catalogue
):
    job = run_import(org.director, BAD_ROWS)
    assert job.status == "failed"
    assert (job.created_count, job.error_count) == (0, 16)
    assert issues(job) == EXPECTED_ISSUES
    assert _nothing_written()


def test_valid_rows_only_creates_the_good_row(org, customers, stages, catalogue):
    job = run_import(org.director, BAD_ROWS, all_or_nothing=False)
    assert (job.status, job.created_count, job.error_count) == ("done", 1, 16)
    assert issues(job) == EXPECTED_ISSUES
    deal = Opportunity.objects.get()
    assert (deal.title, deal.amount, deal.owner_id, deal.stage_id) == (
        "Good",
        Decimal("5.00"),
        org.director.pk,
        stages[0].pk,
    )
    assert StageEvent.objects.count() == 1
    assert stored_stats() == recomputed_stats()


@pytest.mark.parametrize(
    ("fields", "row"),
    [
        ({"stage": "成交合作"}, 10),
        ({"amount": Decimal("-5")}, 11),
        ({"amount": Decimal("1e15")}, 12),
        ({"title": "L" * 201}, 14),
        ({"competitors": "x" * 301, "next_step": "y" * 301}, 15),
    ],
)
def test_row_errors_are_the_messages_of_the_service(org, customers, stages, fields, row):
    """The checks the bulk path runs itself say what opportunity_create says."""
    job = run_import(org.director, BAD_ROWS)
    expected = sorted((c, m) for r, c, m in issues(job) if r == row)
    kwargs = {"title": "T", "customer": customers["rep"], **fields}
    if "stage" in kwargs:
        kwargs["stage"] = Stage.objects.get(name=kwargs["stage"])
    if "owner" in kwargs:
        kwargs["owner"] = getattr(org, kwargs["owner"])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.opportunity_create(actor=org.director, **kwargs)
    names = {
        "title": "商机名称",
        "stage": "阶段",
        "amount": "金额",
        "competitors": "竞争对手",
        "next_step": "下一步",
    }
    got = sorted((names[f], " ".join(m)) for f, m in exc.value.message_dict.items())
    assert got == expected


def test_a_rep_imports_only_for_customers_and_owners_in_scope(org, customers, stages):
    rows = [
        ["Mine", "北京星辰科技有限公司", "", "", "", "", "", "", "", "", ""],
        ["Theirs", "上海远航贸易有限公司", "", "", "", "", "", "", "", "", ""],
        ["For lead", "北京星辰科技有限公司", "", "", "", "", "lead", "", "", "", ""],
    ]
    job = run_import(org.rep, rows, all_or_nothing=False)
    assert (job.created_count, job.error_count) == (1, 2)
    assert issues(job) == [
        (3, "客户", "No customer with this name that you may see."),
        (4, "负责人", "Unknown user."),
    ]
    assert list(Opportunity.objects.values_list("title", "owner_id")) == [("Mine", org.rep.pk)]


def test_preview_checks_without_writing(org, customers, stages):
    from salesdesk.imports.services import job_preview

    with translation.override("en"):
        job = job_create(
            actor=org.director, entity="opportunities", file_name="d.csv", data=csv_bytes(BAD_ROWS)
        )
        preview = job_preview(job=job, actor=org.director)
    found = [(r.number, i.column, i.message) for r in preview.rows for i in r.issues]
    assert sorted(found) == sorted(EXPECTED_ISSUES)
    assert _nothing_written()


def test_queries_per_batch_do_not_grow_with_rows(org, customers, stages, catalogue):
    def queries(n):
        owners = ["rep", "lead", "other_rep", ""]
        rows = [
            [
                f"D{i}",
                ["北京星辰科技有限公司", "杭州西湖软件有限公司"][i % 2],
                "",
                "潜在客户",
                "1",
                "",
                owners[i % 4],
                "ERP",
                "DIRECT",
                "",
                "",
            ]
            for i in range(n)
        ]
        sid = transaction.savepoint()
        with translation.override("en"):
            job = job_create(
                actor=org.director, entity="opportunities", file_name="d.csv", data=csv_bytes(rows)
            )
            with CaptureQueriesContext(connection) as ctx:
                job = job_start(job=job, actor=org.director)
        assert job.created_count == n
        transaction.savepoint_rollback(sid)
        return len(ctx.captured_queries)

    small, large = queries(4), queries(60)
    assert small == large
    # SQLite takes its write lock before reading max(id) for the reserved ids: one more query
    assert small == (24 if connection.vendor == "sqlite" else 23)
