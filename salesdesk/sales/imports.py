"""Product import (DAT-1, SAL-1): the catalogue from a spreadsheet, for configurers.

Columns: code and name (required), product line (its code or name, required), unit, list price,
description, active. A batch costs one query for the product lines, one for the existing codes,
then bulk inserts and updates. Duplicate policy by code (case-insensitive): skip leaves an
existing product alone (reported), update changes it, create refuses it (codes are unique).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from salesdesk.imports.models import DuplicatePolicy
from salesdesk.imports.registry import BatchResult, Column, EntityAdapter, RowIssue, registry
from salesdesk.org.permissions import can_configure
from salesdesk.sales.models import Product, ProductLine

TRUE = {"1", "y", "yes", "true", "是", "启用", "active"}
FALSE = {"0", "n", "no", "false", "否", "停用", "inactive", "archived"}
UPDATABLE = ("name", "product_line", "unit", "list_price", "description", "is_active")


class ProductAdapter(EntityAdapter):
    key = "products"
    label = _l("Products")
    batch_size = 1000
    columns = (
        Column(
            "code",
            _l("Code"),
            aliases=("编码", "产品编码", "product code"),
            required=True,
            example="CRM-STD",
        ),
        Column(
            "name",
            _l("Name"),
            aliases=("名称", "产品名称", "product name"),
            required=True,
            example="销售管理系统 标准版",
        ),
        Column(
            "product_line", _l("Product line"), aliases=("产品线",), required=True, example="SW"
        ),
        Column("unit", _l("Unit of measure"), aliases=("单位", "计量单位"), example="套"),
        Column(
            "list_price", _l("List price"), aliases=("标准价", "价格", "price"), example="28000"
        ),
        Column("description", _l("Description"), aliases=("说明", "描述")),
        Column("is_active", _l("Active"), aliases=("启用", "状态"), example="是"),
    )

    def can_import(self, user) -> bool:
        return super().can_import(user) and can_configure(user)

    def begin(self, *, actor, policy: str) -> dict:
        lines = {}
        for line in ProductLine.objects.all():
            lines[line.code.lower()] = line.pk
            lines.setdefault(line.name.lower(), line.pk)
        return {"lines": lines, "seen": set()}

    def process(self, rows, *, actor, policy, state, dry_run, column_names) -> BatchResult:
        result = BatchResult()
        codes = [(r.get("code") or "").strip().lower() for _n, r in rows]
        wanted = sorted({c for c in codes if c})
        existing = {
            p.code.lower(): p
            for p in Product.all_objects.annotate(code_key=Lower("code")).filter(
                code_key__in=wanted
            )
        }
        to_create, to_update = [], []
        now = timezone.now()
        for (row_number, row), code_key in zip(rows, codes, strict=True):
            issues = []

            def err(field, message, row_number=row_number, issues=issues):
                issues.append(RowIssue(row_number, column_names.get(field, field), message))

            code = (row.get("code") or "").strip()
            name = (row.get("name") or "").strip()
            if not code:
                err("code", _("Enter a code."))
            elif len(code) > 60:
                err("code", _("At most 60 characters."))
            if not name:
                err("name", _("Enter a name."))
            elif len(name) > 200:
                err("name", _("At most 200 characters."))
            line_id = state["lines"].get((row.get("product_line") or "").strip().lower())
            if line_id is None:
                err("product_line", _("Select a product line."))
            unit = (row.get("unit") or "").strip() or "件"
            if len(unit) > 20:
                err("unit", _("At most 20 characters."))
            price = Decimal("0")
            raw_price = (row.get("list_price") or "").replace(",", "").replace("¥", "").strip()
            if raw_price:
                try:
                    price = Decimal(raw_price).quantize(Decimal("0.01"))
                    if not price.is_finite() or price < 0 or price >= Decimal("1e14"):
                        raise InvalidOperation
                except (InvalidOperation, ValueError):
                    err("list_price", _("Enter a value of zero or more."))
            raw_active = (row.get("is_active") or "").strip().lower()
            active = True
            if raw_active in FALSE:
                active = False
            elif raw_active and raw_active not in TRUE:
                err("is_active", _("Enter yes or no."))
            if issues:
                result.issues.extend(issues)
                continue
            if code_key in state["seen"]:
                result.skipped += 1
                result.issues.append(
                    RowIssue(
                        row_number,
                        column_names.get("code", "code"),
                        _("Skipped: an earlier row has the same code."),
                        skipped=True,
                    )
                )
                continue
            state["seen"].add(code_key)
            values = {
                "name": name,
                "product_line_id": line_id,
                "unit": unit,
                "list_price": price,
                "description": (row.get("description") or "").strip(),
                "is_active": active,
            }
            current = existing.get(code_key)
            if current is not None:
                if policy == DuplicatePolicy.UPDATE and current.deleted_at is None:
                    for field, value in values.items():
                        setattr(current, field, value)
                    current.version += 1
                    current.updated_at = now
                    to_update.append(current)
                elif policy == DuplicatePolicy.CREATE or current.deleted_at is not None:
                    err("code", _("This code is already used."))
                    result.issues.extend(issues)
                else:
                    result.skipped += 1
                    result.issues.append(
                        RowIssue(
                            row_number,
                            column_names.get("code", "code"),
                            _("Skipped: a product with this code exists."),
                            skipped=True,
                        )
                    )
                continue
            to_create.append(Product(code=code, created_at=now, **values))
        if not dry_run:
            Product.objects.bulk_create(to_create)
            Product.objects.bulk_update(
                to_update,
                [
                    "name",
                    "product_line_id",
                    "unit",
                    "list_price",
                    "description",
                    "is_active",
                    "version",
                    "updated_at",
                ],
            )
        result.created += len(to_create)
        result.updated += len(to_update)
        return result


registry.register(ProductAdapter())
