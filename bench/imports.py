"""`python -m bench imports --size 100000`: import throughput (DAT-1) from xlsx and CSV.

For each database (SQLite, PostgreSQL) in a scratch database: generate N customers (Chinese
company names, phones, emails, credit codes, levels, cities, industries, tags, a primary contact)
as a CSV (UTF-8-BOM) and, with other names, as an xlsx; import each through the real pipeline
(read, map, validate, duplicate-check against the existing customers, bulk insert with field
history, all-or-nothing in one transaction) and report rows/s. The xlsx import runs after the CSV
one, so it is duplicate-checked against N existing customers.
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


def bench(args) -> dict:
    size = int(args.size or 100_000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            results[label] = worker_json("imports", env, ["--size", str(size)])
    return {"size": size, "goal_rows_per_s": 5000, "results": results}


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
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings.SALESDESK_IMPORT_DIR = Path(tmp) / "imports"
        for fmt, writer, seed in (("csv", write_csv, 1), ("xlsx", write_xlsx, 2)):
            path = Path(tmp) / f"customers.{fmt}"
            t0 = time.perf_counter()
            writer(path, size, seed, fmt[0].upper())
            generate_s = time.perf_counter() - t0
            data = path.read_bytes()
            t0 = time.perf_counter()
            job = job_create(actor=user, entity="customers", file_name=path.name, data=data)
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
    print(json.dumps(figures), flush=True)
    return 0
