"""Import/export adapter for opportunities (shared pipeline, salesdesk.imports). Rows create new
open opportunities in bulk (salesdesk.pipeline.bulk: the same rows, history, stage events and
summaries as `services.opportunity_create` per row, with the same row errors); the customer is
found by its exact name among the customers the importer may see, the stage by name in the
default (or named) pipeline, the owner by username. A batch costs one IN query each for the
customers, owners (cached for the run), product lines and channels, plus the pipelines and
stages, whatever its size."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import connection
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.customers.models import Customer
from salesdesk.customers.normalize import normalize_name
from salesdesk.imports.registry import BatchResult, Column, EntityAdapter, RowIssue, registry
from salesdesk.org.models import User
from salesdesk.org.scoping import visible_to
from salesdesk.pipeline.bulk import NewOpportunity, check_new, open_stage, opportunities_create_bulk
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
    batch_size = 2000

    def begin(self, *, actor, policy: str) -> dict:
        return {"owners": {}}

    def _customers(self, actor, name_keys: dict[str, str]) -> dict[str, int]:
        """Exact name → id of the newest visible customer with that name. Read through the
        indexed name key (every name has one), then compared exactly."""
        if not name_keys:
            return {}
        names, keys = set(name_keys), sorted(set(name_keys.values()))
        found: dict[str, int] = {}
        if connection.vendor == "postgresql":
            # One array parameter instead of an IN list of up to 2,000 placeholders, which
            # psycopg splits on the client (a third of the lookup's time).
            qs = Customer.objects.extra(where=["name_key = ANY(%s)"], params=[keys])
        else:
            qs = Customer.objects.filter(name_key__in=keys)
        for name, pk in visible_to(qs, actor).values_list("name", "id"):
            if name in names:  # exact name: the key is only the index's way in
                found.setdefault(name, pk)
        return found

    def _owners(self, actor, rows, state) -> dict[str, User | None]:
        cache = state.setdefault("owners", {})
        usernames = {v.get("owner", "").strip() for _n, v in rows} - {""}
        missing = usernames - set(cache)
        if missing:
            users = visible_to(User.objects.filter(username__in=missing), actor)
            found = {u.username: u for u in users}
            cache.update({u: found.get(u) for u in missing})
        return cache

    def _lookup(self, actor, rows, state, name_keys):
        customers = self._customers(actor, name_keys)
        pipelines = {p.name: p for p in Pipeline.objects.filter(is_archived=False)}
        pipelines.update({p.name_en: p for p in pipelines.values() if p.name_en})
        owners = self._owners(actor, rows, state)
        codes = {v.get("product_line", "").strip() for _n, v in rows} - {""}
        lines = {p.code: p.pk for p in ProductLine.objects.filter(code__in=codes)} if codes else {}
        codes = {v.get("channel", "").strip() for _n, v in rows} - {""}
        channels = {c.code: c.pk for c in Channel.objects.filter(code__in=codes)} if codes else {}
        return customers, pipelines, owners, lines, channels

    def parse(self, rows):
        """The parsing of a batch, without queries: per row (number, stripped values, amount,
        close date, fields that did not parse), and the name key of every customer name. Not
        `prepare()`: in a worker process it saved no time (the writes and lookups dominate;
        measured at 20,000 rows) and pickling costs some."""
        parsed = []
        name_keys: dict[str, str] = {}
        for number, values in rows:
            v = {k: (values.get(k) or "").strip() for k in values}
            bad = set()
            amount = None
            if v.get("amount"):
                try:
                    amount = Decimal(v["amount"].replace(",", "").replace("¥", ""))
                except InvalidOperation:
                    amount = None
                if amount is None or not amount.is_finite():
                    amount = None
                    bad.add("amount")
            close = None
            if v.get("expected_close_date"):
                try:
                    close = parse_date(v["expected_close_date"][:10])
                except ValueError:  # well formed but not a day of the calendar
                    close = None
                if close is None:
                    bad.add("expected_close_date")
            name = v.get("customer", "")
            if name and name not in name_keys:
                name_keys[name] = normalize_name(name)
            parsed.append((number, v, amount, close, bad))
        return parsed, name_keys

    def process(self, rows, *, actor, policy, state, dry_run, column_names) -> BatchResult:
        from salesdesk.pipeline import services

        parsed, name_keys = self.parse(rows)
        result = BatchResult()
        customers, pipelines, owners, lines, channels = self._lookup(actor, rows, state, name_keys)
        default = services.default_pipeline()
        stages = {}
        by_pipeline: dict[int, list[Stage]] = {}
        for s in Stage.objects.all():
            by_pipeline.setdefault(s.pipeline_id, []).append(s)
            if s.is_archived:
                continue
            stages[(s.pipeline_id, s.name)] = s
            if s.name_en:
                stages[(s.pipeline_id, s.name_en.lower())] = s
        first_open = {pk: open_stage(group) for pk, group in by_pipeline.items()}
        new: list[NewOpportunity] = []
        for number, v, amount, close, bad in parsed:

            def err(field, message, number=number):
                result.issues.append(RowIssue(number, column_names.get(field, field), message))

            before = len(result.issues)
            if not v.get("title"):
                err("title", _("Enter a title."))
            customer_id = customers.get(v.get("customer", ""))
            if customer_id is None:
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
            if "amount" in bad:
                err("amount", _("Enter a number."))
            if "expected_close_date" in bad:
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
            # What opportunity_create would refuse, with its messages.
            if owner.pk != actor.pk and not owner.is_active:
                err("owner", _("Select a valid user."))
                continue
            if owner.unit_id is None:
                err("owner", _("This user does not belong to an org unit."))
                continue
            if stage is None:
                stage = first_open.get(pipeline.pk)
            texts = {
                "title": v["title"],
                "competitors": v.get("competitors", ""),
                "next_step": v.get("next_step", ""),
            }
            stored, errors = check_new(stage=stage, amount=amount, texts=texts)
            if errors:
                for field, messages in errors.items():
                    err(field, " ".join(messages))
                continue
            new.append(
                NewOpportunity(
                    customer_id=customer_id,
                    owner_id=owner.pk,
                    org_unit_id=owner.unit_id,
                    pipeline_id=pipeline.pk,
                    stage_id=stage.pk,
                    title=texts["title"],
                    amount=stored,
                    expected_close_date=close,
                    product_line_id=line,
                    channel_id=channel,
                    competitors=texts["competitors"],
                    next_step=texts["next_step"],
                )
            )
        if not dry_run:
            opportunities_create_bulk(actor=actor, rows=new)
        result.created = len(new)
        return result


registry.register(OpportunityImport())
