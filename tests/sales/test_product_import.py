"""Product import (DAT-1, SAL-1): configurers only, exact values, duplicate policies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from salesdesk.imports.services import job_create, job_issues, job_start
from salesdesk.sales.models import Product
from tests.imports.conftest import csv_file

pytestmark = pytest.mark.django_db
HEADERS = ["产品编码", "产品名称", "产品线", "单位", "标准价", "启用"]


def run(user, rows, policy="skip"):
    with translation.override("en"):
        job = job_create(
            actor=user,
            entity="products",
            file_name="products.csv",
            data=csv_file(HEADERS, rows),
            duplicate_policy=policy,
            all_or_nothing=False,
        )
        return job_start(job=job, actor=user)


def test_only_configurers_import_products(org, cat):
    with pytest.raises(PermissionDenied):
        job_create(
            actor=org.director,
            entity="products",
            file_name="p.csv",
            data=csv_file(HEADERS, [["X", "X", "SW", "", "1", ""]]),
        )


def test_import_creates_updates_and_reports(org, cat, settings, tmp_path):
    settings.SALESDESK_IMPORT_DIR = tmp_path
    job = run(
        org.admin,
        [
            ["ERP-1", "ERP 企业版", "SW", "套", "¥96,000.50", "是"],
            ["crm-std", "重复编码", "软件 Software", "", "1", ""],  # exists: skipped
            ["BAD", "", "NOPE", "", "-1", "maybe"],
            ["ERP-1", "同一文件重复", "SW", "", "1", ""],
        ],
    )
    job.refresh_from_db()
    erp = Product.objects.get(code="ERP-1")
    assert (erp.name, erp.unit, erp.list_price, erp.product_line_id) == (
        "ERP 企业版",
        "套",
        Decimal("96000.50"),
        cat.line.pk,
    )
    assert (job.created_count, job.skipped_count) == (1, 2)
    messages = sorted(i.message for i in job_issues(job) if not i.skipped)
    assert "Select a product line." in messages and "Enter a name." in messages
    updated = run(org.admin, [["CRM-STD", "CRM 新名称", "SW", "套", "1200", "否"]], policy="update")
    updated.refresh_from_db()
    crm = Product.objects.get(code="CRM-STD")
    assert (crm.name, crm.list_price, crm.is_active, crm.version) == (
        "CRM 新名称",
        Decimal("1200.00"),
        False,
        2,
    )
