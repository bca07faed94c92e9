"""Import/export adapter for opportunities (shared pipeline, salesdesk.imports). Rows create new
open opportunities through the services (stage event and summaries included); the customer is
found by its exact name among the customers the importer may see, the stage by name in the
default (or named) pipeline, the owner by username."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.customers.models import Customer
from salesdesk.imports.registry import BatchResult, Column, EntityAdapter, RowIssue, registry
from salesdesk.org.models import User
from salesdesk.org.scoping import visible_to
from salesdesk.pipeline.models import Pipeline, Stage
from salesdesk.sales.models import Channel, ProductLine

COLUMNS = (
    Column("id", gettext_lazy("ID"), ("编号",), help=gettext_lazy("Ignored on import.")),
    Column(
        "title", gettext_lazy("Title"), ("商机名称", "名称"), required=True, example="ERP 升级项目"
    ),
    Column(
        "customer",
        gettext_lazy("Customer"),
        ("客户", "客户名称"),
        required=True,
        example="北京星辰科技有限公司",
    ),
    Column("pipeline", gettext_lazy("Pipeline"), ("销售流程",)),
    Column("stage", gettext_lazy("Stage"), ("阶段",), example="潜在客户"),
    Column("status", gettext_lazy("Status"), ("状态",), help=gettext_lazy("Ignored on import.")),
    Column("amount", gettext_lazy("Amount"), ("金额",), example="120000"),
    Column(
        "expected_close_date",
        gettext_lazy("Expected close date"),
        ("预计成交日期",),
        example="2026-06-30",
    ),
    Column("owner", gettext_lazy("Owner (username)"), ("负责人",)),
    Column("product_line", gettext_lazy("Product line (code)"), ("产品线",)),
    Column("channel", gettext_lazy("Channel (code)"), ("渠道",)),
    Column("competitors", gettext_lazy("Competitors"), ("竞争对手",)),
    Column("next_step", gettext_lazy("Next step"), ("下一步",)),
    Column(
        "created", gettext_lazy("Created"), ("创建日期",), help=gettext_lazy("Ignored on import.")
    ),
)


class OpportunityImport(EntityAdapter):
    key = "opportunities"
    label = gettext_lazy("Opportunities")
    columns = COLUMNS
    batch_size = 500

    def _lookup(self, actor, rows):
        names = {v.get("customer", "").strip() for _n, v in rows}
        customers = {}
        for c in visible_to(Customer.objects.filter(name__in=names), actor).only("id", "name"):
            customers.setdefault(c.name, c)
        pipelines = {p.name: p for p in Pipeline.objects.filter(is_archived=False)}
        pipelines.update({p.name_en: p for p in pipelines.values() if p.name_en})
        usernames = {v.get("owner", "").strip() for _n, v in rows} - {""}
        owners = {
            u.username: u for u in visible_to(User.objects.filter(username__in=usernames), actor)
        }
        lines = {p.code: p for p in ProductLine.objects.all()}
        channels = {c.code: c for c in Channel.objects.all()}
        return customers, pipelines, owners, lines, channels

    def process(self, rows, *, actor, policy, state, dry_run, column_names) -> BatchResult:
        from salesdesk.pipeline import services

        result = BatchResult()
        customers, pipelines, owners, lines, channels = self._lookup(actor, rows)
        default = services.default_pipeline()
        stages = {}
        for s in Stage.objects.filter(is_archived=False):
            stages[(s.pipeline_id, s.name)] = s
            if s.name_en:
                stages[(s.pipeline_id, s.name_en.lower())] = s
        for number, values in rows:

            def err(field, message, number=number):
                result.issues.append(RowIssue(number, column_names.get(field, field), message))

            before = len(result.issues)
            v = {k: (values.get(k) or "").strip() for k in values}
            if not v.get("title"):
                err("title", _("Enter a title."))
            customer = customers.get(v.get("customer", ""))
            if customer is None:
                err("customer", _("No customer with this name that you may see."))
            pipeline = pipelines.get(v["pipeline"]) if v.get("pipeline") else default
            if pipeline is None:
                err("pipeline", _("Unknown pipeline."))
            stage = None
            if pipeline is not None and v.get("stage"):
                stage = stages.get((pipeline.pk, v["stage"])) or stages.get(
                    (pipeline.pk, v["stage"].lower())
                )
                if stage is None:
                    err("stage", _("Unknown stage."))
            amount = None
            if v.get("amount"):
                try:
                    amount = Decimal(v["amount"].replace(",", "").replace("¥", ""))
                except InvalidOperation:
                    err("amount", _("Enter a number."))
            close = None
            if v.get("expected_close_date"):
                close = parse_date(v["expected_close_date"][:10])
                if close is None:
                    err("expected_close_date", _("Enter a date as YYYY-MM-DD."))
            owner = actor
            if v.get("owner"):
                owner = owners.get(v["owner"])
                if owner is None:
                    err("owner", _("Unknown user."))
            line = lines.get(v["product_line"]) if v.get("product_line") else None
            if v.get("product_line") and line is None:
                err("product_line", _("Unknown product line."))
            channel = channels.get(v["channel"]) if v.get("channel") else None
            if v.get("channel") and channel is None:
                err("channel", _("Unknown channel."))
            if len(result.issues) > before:
                continue
            if dry_run:
                result.created += 1
                continue
            try:
                with transaction.atomic():
                    services.opportunity_create(
                        actor=actor,
                        customer=customer,
                        title=v["title"],
                        pipeline=pipeline,
                        stage=stage,
                        owner=owner,
                        amount=amount,
                        expected_close_date=close,
                        product_line=line,
                        channel=channel,
                        competitors=v.get("competitors", ""),
                        next_step=v.get("next_step", ""),
                    )
            except (ValidationError, PermissionDenied) as exc:
                messages = getattr(exc, "message_dict", None) or {"title": [str(exc)]}
                for field, msgs in messages.items():
                    err(field, " ".join(str(m) for m in msgs))
                continue
            result.created += 1
        return result


registry.register(OpportunityImport())
