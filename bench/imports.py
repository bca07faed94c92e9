"""`python -m bench imports --size 100000 [--entity opportunities]`: import throughput (DAT-1)
from xlsx and CSV.

For each database (SQLite, PostgreSQL) in a scratch database: generate N customers (Chinese
company names, phones, emails, credit codes, levels, cities, industries, tags, a primary contact)
as a CSV (UTF-8-BOM) and, with other names, as an xlsx; import each through the real pipeline
(read, map, validate, duplicate-check against the existing customers, bulk insert with field
history, all-or-nothing in one transaction) and report rows/s. The xlsx import runs after the CSV
one, so it is duplicate-checked against N existing customers.

`--entity opportunities`: the setup writes 20,000 customers (tuples, with their name keys), 20
reps, a product line and a channel; then N opportunities (customer by name, open stage by name,
owner, amount, close date, product line, channel for some) are imported from a CSV, then N more
from an xlsx, each in one all-or-nothing job, with their stage events and summaries.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.common import database_urls, run, scratch_database, worker_json

CITIES = [
    ("北京", "北京"),
    ("上海", "上海"),
    ("广东", "深圳"),
    ("广东", "广州"),
    ("浙江", "杭州"),
    ("江苏", "南京"),
    ("四川", "成都"),
    ("湖北", "武汉"),
]
WORDS = [
    "星辰",
    "蓝海",
    "智造",
    "华信",
    "远航",
    "天成",
    "恒通",
    "博远",
    "嘉禾",
    "卓越",
    "启明",
    "新元",
    "汇丰",
    "鼎盛",
    "金桥",
    "云帆",
]
KINDS = ["科技", "贸易", "制造", "物流", "医疗", "教育", "能源", "传媒"]
INDUSTRIES = [
    "it",
    "retail",
    "manufacturing",
    "logistics",
    "healthcare",
    "education",
    "energy",
    "media",
]
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HEADERS = [
    "客户名称",
    "客户等级",
    "省份",
    "城市",
    "行业",
    "统一社会信用代码",
    "电话",
    "邮箱",
    "标签",
    "年营业额",
    "联系人",
    "联系人手机",
]


def rows(n: int, seed: int, prefix: str):
    rng = random.Random(seed)
    for i in range(n):
        province, city = rng.choice(CITIES)
        k = rng.randrange(len(KINDS))
        code = (
            "91"
            + f"{rng.randrange(10**6):06d}"
            + "".join(rng.choice(CODE_CHARS) for _ in range(10))
        )
        yield [
            f"{city}{rng.choice(WORDS)}{KINDS[k]}{prefix}{i:07d}有限公司",
            rng.choice("ABCD"),
            province,
            city,
            INDUSTRIES[k],
            code if rng.random() < 0.7 else "",
            f"1{rng.randrange(30, 99)}{rng.randrange(10**8):08d}",
            f"c{prefix}{i}@example.com",
            rng.choice(["展会", "华北重点", "老客户", "展会, 老客户", ""]),
            str(rng.randrange(10**4, 10**8)),
            rng.choice(["张伟", "王芳", "李娜", "刘洋", "陈静"]),
            f"13{rng.randrange(10**9):09d}",
        ]


def write_csv(path: Path, n: int, seed: int, prefix: str) -> None:
    from salesdesk.imports.exporters import csv_lines

    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(csv_lines(HEADERS, rows(n, seed, prefix)))


def write_xlsx(path: Path, n: int, seed: int, prefix: str) -> None:
    import xlsxwriter

    from salesdesk.imports.exporters import workbook_options, write_sheet

    book = xlsxwriter.Workbook(str(path), workbook_options(constant_memory=True))
    write_sheet(book, "customers", HEADERS, rows(n, seed, prefix))
    book.close()


OPP_HEADERS = [
    "商机名称",
    "客户",
    "阶段",
    "金额",
    "预计成交日期",
    "负责人",
    "产品线",
    "渠道",
    "竞争对手",
    "下一步",
]
OPEN_STAGES = ["线索收集", "潜在客户", "建立联系", "方案报价", "商务谈判"]
SETUP_CUSTOMERS = 20_000
SETUP_REPS = 20


def customer_name(i: int) -> str:
    return f"{WORDS[i % len(WORDS)]}{KINDS[i % len(KINDS)]}{i:06d}有限公司"


def opportunity_rows(n: int, seed: int, prefix: str):
    rng = random.Random(seed)
    for i in range(n):
        yield [
            f"{rng.choice(KINDS)}项目 {prefix}{i:07d}",
            customer_name(rng.randrange(SETUP_CUSTOMERS)),
            rng.choice(OPEN_STAGES),
            str(rng.randrange(10**3, 10**7)),
            f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            f"rep{rng.randrange(SETUP_REPS)}" if rng.random() < 0.9 else "",
            "ERP" if rng.random() < 0.3 else "",
            "DIRECT" if rng.random() < 0.2 else "",
            rng.choice(["", "", "用友", "金蝶, 浪潮"]),
            rng.choice(["", "电话回访", "发送报价"]),
        ]


def write_opportunities_csv(path: Path, n: int, seed: int, prefix: str) -> None:
    from salesdesk.imports.exporters import csv_lines

    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(csv_lines(OPP_HEADERS, opportunity_rows(n, seed, prefix)))


def write_opportunities_xlsx(path: Path, n: int, seed: int, prefix: str) -> None:
    import xlsxwriter

    from salesdesk.imports.exporters import workbook_options, write_sheet

    book = xlsxwriter.Workbook(str(path), workbook_options(constant_memory=True))
    write_sheet(book, "opportunities", OPP_HEADERS, opportunity_rows(n, seed, prefix))
    book.close()


def bench(args) -> dict:
    size = int(args.size or 100_000)
    entity = getattr(args, "entity", None) or "customers"
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            extra = ["--size", str(size), "--entity", entity]
            results[label] = worker_json("imports", env, extra)
    return {"entity": entity, "size": size, "goal_rows_per_s": 5000, "results": results}


def setup_opportunities(unit, user) -> dict:
    """20,000 customers written as tuples with their name keys, reps, a product line and a
    channel: what the opportunity rows refer to."""
    from django.db import transaction
    from django.utils import timezone

    from salesdesk.core.bulk import Adapter, insert_rows, reserve_ids
    from salesdesk.customers.models import Customer
    from salesdesk.customers.normalize import normalize_name
    from salesdesk.org.models import Role, User
    from salesdesk.sales.models import Channel, ProductLine

    t0 = time.perf_counter()
    rep_role = Role.objects.get(code="rep")
    reps = User.objects.bulk_create(
        [User(username=f"rep{i}", role=rep_role, unit=unit) for i in range(SETUP_REPS)]
    )
    ProductLine.objects.create(code="ERP", name="ERP")
    Channel.objects.create(code="DIRECT", name="直销", type="direct")
    with transaction.atomic():
        from django.db import connection

        at = Adapter(connection).ts(timezone.now())
        ids = reserve_ids(Customer, SETUP_CUSTOMERS)
        rows = []
        for i, pk in enumerate(ids):
            name = customer_name(i)
            owner = reps[i % len(reps)]
            rows.append((pk, owner.pk, unit.pk, at, at, name, normalize_name(name)))
        insert_rows(
            Customer,
            ("id", "owner_id", "org_unit_id", "created_at", "updated_at", "name", "name_key"),
            rows,
        )
    return {
        "customers": SETUP_CUSTOMERS,
        "reps": SETUP_REPS,
        "setup_s": round(time.perf_counter() - t0, 2),
    }


def worker(args) -> int:
    import django

    django.setup()
    from django.conf import settings

    from salesdesk.customers.models import Customer
    from salesdesk.imports.services import job_create, job_start
    from salesdesk.org.models import OrgUnit, Role, User

    size = int(args.size or 100_000)
    settings.SALESDESK_IMPORT_INLINE_ROWS = 10**9
    settings.SALESDESK_IMPORT_MAX_BYTES = 200 * 1024 * 1024
    unit = OrgUnit.objects.create(name="Bench 公司", kind="company")
    OrgUnit.all_objects.filter(pk=unit.pk).update(path=f"/{unit.pk}/")
    user = User.objects.create(
        username="bench", role=Role.objects.get(code="admin"), unit=unit, is_superuser=True
    )
    entity = getattr(args, "entity", None) or "customers"
    figures = {}
    writers = {"csv": write_csv, "xlsx": write_xlsx}
    if entity == "opportunities":
        figures["setup"] = setup_opportunities(unit, user)
        writers = {"csv": write_opportunities_csv, "xlsx": write_opportunities_xlsx}
    with tempfile.TemporaryDirectory() as tmp:
        settings.SALESDESK_IMPORT_DIR = Path(tmp) / "imports"
        for fmt, seed in (("csv", 1), ("xlsx", 2)):
            writer = writers[fmt]
            path = Path(tmp) / f"{entity}.{fmt}"
            t0 = time.perf_counter()
            writer(path, size, seed, fmt[0].upper())
            generate_s = time.perf_counter() - t0
            data = path.read_bytes()
            t0 = time.perf_counter()
            job = job_create(actor=user, entity=entity, file_name=path.name, data=data)
            upload_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            job = job_start(job=job, actor=user)
            run_s = time.perf_counter() - t1
            total_s = time.perf_counter() - t0
            assert job.status == "done", job.message
            figures[fmt] = {
                "rows": size,
                "file_mib": round(len(data) / 2**20, 2),
                "generate_s": round(generate_s, 2),
                "upload_and_validate_header_s": round(upload_s, 2),
                "import_s": round(run_s, 2),
                "total_s": round(total_s, 2),
                "rows_per_s": round(size / total_s),
                "created": job.created_count,
                "skipped": job.skipped_count,
                "errors": job.error_count,
            }
        figures["customers_after"] = Customer.objects.count()
        if entity == "opportunities":
            from salesdesk.pipeline.models import Opportunity, StageEvent, StageStat

            figures["opportunities_after"] = Opportunity.objects.count()
            figures["stage_events_after"] = StageEvent.objects.count()
            figures["stage_stats_after"] = StageStat.objects.count()
    print(json.dumps(figures), flush=True)
    return 0
