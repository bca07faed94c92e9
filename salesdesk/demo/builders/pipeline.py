"""Demo opportunities (FUN-3): two years of deals moving through the default pipeline with
realistic durations and drop-offs (some skip a stage, some go back one), won with a reason, lost
with a reason, or still open; every move is a stage event and the StageStat summaries are
computed from the same events, so they agree. Plain-tuple bulk inserts with explicit ids (D5)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db import connections
from django.utils import timezone

from salesdesk.core.bulk import TupleTable
from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

# Per open stage (in order): chance to move on, mean days spent before moving or dropping.
ADVANCE = (0.78, 0.72, 0.66, 0.58, 0.55)
MEAN_DAYS = (4.0, 7.0, 10.0, 14.0, 18.0)
SKIP = 0.08  # jumps over the next stage
BACK = 0.08  # goes back one stage (at most twice)
REOPEN = 0.5  # a lost deal is reopened in the same stage 2–12 weeks later (once)
AFTER_SALES = 0.6  # a won deal moves on to after-sales
TITLES = (
    "ERP 升级项目",
    "CRM 实施",
    "年度采购",
    "数据平台建设",
    "设备更新",
    "培训服务",
    "云服务续约",
    "安防系统",
    "办公自动化",
    "供应链优化",
    "渠道合作",
    "门店系统",
)
COMPETITORS = ("", "", "金蝶", "用友", "销售易", "纷享销客", "SAP", "Oracle")
BATCH = 20_000

OPP_COLUMNS = (
    "id", "created_at", "updated_at", "version", "owner_id", "org_unit_id", "customer_id", "title",
    "pipeline_id", "stage_id", "status", "amount", "expected_close_date", "competitors",
    "next_step", "next_activity_at", "reason_id", "reason_note", "closed_at", "stage_entered_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "opportunity_id", "kind", "from_stage_id", "to_stage_id", "at", "actor_id", "owner_id",
    "org_unit_id", "seconds_in_stage", "cycle_seconds",
)  # fmt: skip
STAT_COLUMNS = (
    "pipeline_id", "stage_id", "owner_id", "org_unit_id", "month", "entered", "exited",
    "seconds_total", "won", "cycle_seconds_total",
)  # fmt: skip


def reset_pipeline(ctx: DemoContext) -> None:
    """Delete every opportunity, stage event and summary (pipelines and stages stay)."""
    from salesdesk.pipeline.models import Opportunity, OpportunityProduct, StageEvent, StageStat

    db = ctx.using
    from salesdesk.pipeline.models import DurationStat

    for model in (
        DurationStat,
        StageStat,
        StageEvent,
        OpportunityProduct,
        Opportunity.history.model,
        Opportunity,
    ):
        model._base_manager.using(db).all()._raw_delete(db)


@register("pipeline", after=("customers",), reset=reset_pipeline)
def build_pipeline(ctx: DemoContext) -> None:
    """Opportunities with their stage events and time-in-stage summaries (FUN-3, FUN-5)."""
    from salesdesk.customers.models import Customer

    if not ctx.size.opportunities or not Customer.objects.using(ctx.using).exists():
        return  # an organisation-only build (no customers to sell to)
    _DealFactory(ctx).build()


class _DealFactory:
    def __init__(self, ctx: DemoContext) -> None:
        from salesdesk.customers.models import Customer
        from salesdesk.pipeline.models import Opportunity, Pipeline, Reason, Stage

        self.ctx = ctx
        self.rng = ctx.rng_for("pipeline")
        db = ctx.using
        self.pg = connections[db].vendor == "postgresql"
        self.pipeline = Pipeline.objects.using(db).filter(is_default=True).first()
        if self.pipeline is None:
            raise RuntimeError("the pipeline demo needs the default pipeline (migration 0002)")
        stages = list(
            Stage.objects.using(db)
            .filter(pipeline=self.pipeline, is_archived=False)
            .order_by("order")
        )
        self.open_stages = [s for s in stages if not s.is_won and not s.is_after_sales]
        self.won_stage = next(s for s in stages if s.is_won)
        self.after_stage = next((s for s in stages if s.is_after_sales), None)
        self.won_reasons = list(
            Reason.objects.using(db).filter(kind="won").values_list("pk", flat=True)
        )
        self.lost_reasons = list(
            Reason.objects.using(db).filter(kind="lost").values_list("pk", flat=True)
        )
        self.customers = list(
            Customer.objects.using(db)
            .filter(owner__isnull=False)
            .values_list("pk", "owner_id", "org_unit_id")
            .order_by("pk")
        )
        if not self.customers:
            raise RuntimeError("the pipeline demo needs the customers builder's customers")
        self.now = ctx.now.astimezone(UTC).replace(microsecond=0)
        self.offset = timezone.localtime(ctx.now).utcoffset() or timedelta(0)
        self.opps = TupleTable(Opportunity, OPP_COLUMNS, using=db)
        from salesdesk.pipeline.models import StageEvent, StageStat

        self.events = TupleTable(StageEvent, EVENT_COLUMNS, using=db)
        self.stats_table = TupleTable(StageStat, STAT_COLUMNS, using=db)
        self.stats: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        self.models = (Opportunity, StageEvent, StageStat)

    def ts(self, value: datetime | None):
        if value is None:
            return None
        return value if self.pg else str(value.replace(tzinfo=None))

    def day(self, value):
        return None if value is None else (value if self.pg else value.isoformat())

    def month(self, at: datetime):
        return (at + self.offset).date().replace(day=1)

    def build(self) -> None:
        from salesdesk.pipeline.models import Opportunity, StageEvent

        total = self.ctx.size.opportunities
        opp_ids = self.ctx.allocate_ids(Opportunity, total)
        self.event_id = self.ctx.allocate_ids(StageEvent, 0).start
        for pk in opp_ids:
            self.deal(pk)
            if len(self.events.rows) >= BATCH:
                self.flush()
        self.flush()
        self.ctx.allocate_ids(
            StageEvent, self.event_id - self.ctx.allocate_ids(StageEvent, 0).start
        )
        for (stage_id, owner, unit, month), v in self.stats.items():
            self.stats_table.add((self.pipeline.pk, stage_id, owner, unit, self.day(month), *v))
        self.count(self.stats_table)
        self.ctx.results["pipeline"] = {"opportunities": total}

    def flush(self) -> None:
        self.count(self.opps)
        self.count(self.events)

    def count(self, table: TupleTable) -> None:
        n = table.flush()
        if n:
            label = table.model._meta.label
            self.ctx.counts[label] = self.ctx.counts.get(label, 0) + n
            if table.model not in self.ctx.touched:
                self.ctx.touched.append(table.model)

    def event(self, opp, kind, from_stage, to_stage, at, entered_at, created, owner, unit):
        seconds = int((at - entered_at).total_seconds()) if from_stage is not None else None
        cycle = int((at - created).total_seconds()) if kind == "won" else None
        self.events.add(
            (
                self.event_id,
                opp,
                kind,
                from_stage,
                to_stage,
                self.ts(at),
                owner,
                owner,
                unit,
                seconds,
                cycle,
            )
        )
        self.event_id += 1
        month = self.month(at)
        if from_stage is not None:
            row = self.stats[(from_stage, owner, unit, month)]
            row[1] += 1
            row[2] += seconds
        if to_stage is not None:
            row = self.stats[(to_stage, owner, unit, month)]
            row[0] += 1
            if cycle is not None:
                row[3] += 1
                row[4] += cycle

    def deal(self, pk: int) -> None:
        rng = self.rng
        customer, owner, unit = self.customers[rng.randrange(len(self.customers))]
        created = self.now - timedelta(seconds=rng.randrange(3600, 730 * 86400))
        stages = self.open_stages
        index = 0 if rng.random() < 0.7 else 1
        stage_id = stages[index].pk
        self.event(pk, "created", None, stage_id, created, created, created, owner, unit)
        entered = at = created
        status, reason, closed = "open", None, None
        went_back = 0
        reopened = False
        while True:
            days = rng.expovariate(1.0 / MEAN_DAYS[index]) + 0.1
            at = entered + timedelta(seconds=int(days * 86400))
            if at >= self.now:
                break  # still in this stage today
            if rng.random() > ADVANCE[index]:
                status, reason, closed = "lost", rng.choice(self.lost_reasons), at
                self.event(pk, "lost", stage_id, None, at, entered, created, owner, unit)
                again = at + timedelta(days=rng.uniform(14, 84))
                if reopened or again >= self.now or rng.random() >= REOPEN:
                    break
                reopened = True
                status, reason, closed = "open", None, None
                self.event(pk, "reopened", None, stage_id, again, again, created, owner, unit)
                entered = again
                continue
            if went_back < 2 and index > 0 and rng.random() < BACK:
                went_back += 1
                index -= 1
            elif index + 1 < len(stages) and rng.random() < SKIP:
                index = min(index + 2, len(stages))
            else:
                index += 1
            if index >= len(stages):
                won = self.won_stage.pk
                status, reason, closed = "won", rng.choice(self.won_reasons), at
                self.event(pk, "won", stage_id, won, at, entered, created, owner, unit)
                stage_id, entered = won, at
                if self.after_stage is not None and rng.random() < AFTER_SALES:
                    later = at + timedelta(days=rng.uniform(7, 45))
                    if later < self.now:
                        after = self.after_stage.pk
                        self.event(
                            pk, "moved", stage_id, after, later, entered, created, owner, unit
                        )
                        stage_id, entered = after, later
                break
            new_stage = stages[index].pk
            self.event(pk, "moved", stage_id, new_stage, at, entered, created, owner, unit)
            stage_id, entered = new_stage, at
        amount = round(math.exp(rng.gauss(11.3, 0.9)), -2)
        close = (created + timedelta(days=rng.randint(30, 150))).date()
        next_activity = None
        if status == "open" and rng.random() < 0.7:
            next_activity = self.now + timedelta(hours=rng.randint(-240, 480))
        updated = max(entered, created)
        self.opps.add(
            (
                pk,
                self.ts(created),
                self.ts(updated),
                1,
                owner,
                unit,
                customer,
                rng.choice(TITLES),
                self.pipeline.pk,
                stage_id,
                status,
                f"{amount:.2f}",
                self.day(close),
                rng.choice(COMPETITORS),
                "",
                self.ts(next_activity),
                reason,
                "",
                self.ts(closed),
                self.ts(entered),
            )
        )


def reset_stage_summaries(ctx: DemoContext) -> None:
    """Nothing of its own: the pipeline builder's reset deletes the summaries."""


@register("stage_summaries", after=("pipeline", "leads"), reset=reset_stage_summaries)
def build_stage_summaries(ctx: DemoContext) -> None:
    """Recompute the FUN-5 summaries (totals, whole-day histograms, lead times) from the stage
    events, once the leads builder has set the deals' lead creation times."""
    from salesdesk.pipeline.summaries import rebuild

    rebuild(using=ctx.using)
