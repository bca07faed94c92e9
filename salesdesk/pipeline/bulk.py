"""Creating many validated opportunities at once (imports, FUN-3 / DAT-1).

`opportunities_create_bulk` leaves the database exactly as `services.opportunity_create` called
once per row would (apart from primary keys and timestamps): the deals, their "+" field-history
rows by the actor, one CREATED `StageEvent` per deal and the `StageStat` entries (+1 per deal on
its stage / owner / unit / local month), here aggregated into one upsert per batch. Rows are
written as plain tuples (COPY on PostgreSQL, executemany on SQLite; salesdesk.core.bulk) with
ids reserved in the caller's transaction. opportunity_create writes no audit event, no timeline
row (the timeline reads the stage events) and no search tokens (search reads the titles), so
neither does this.

The rows must already have passed the checks of opportunity_create; `check_new` runs the ones that
need no database (stage, amount, field lengths) with the same messages, so an import reports
the same row errors as the service would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.bulk import Adapter, insert_history_rows, insert_rows, reserve_ids
from salesdesk.pipeline import summaries
from salesdesk.pipeline.models import Opportunity, OpportunityStatus, Stage, StageEvent

# Fields checked against their maximum length (what opportunity_create's full_clean finds).
_LENGTH_FIELDS = ("title", "competitors", "next_step")

OPPORTUNITY_COLUMNS = (
    "id",
    "owner_id",
    "org_unit_id",
    "created_at",
    "updated_at",
    "version",
    "customer_id",
    "title",
    "pipeline_id",
    "stage_id",
    "status",
    "amount",
    "expected_close_date",
    "product_line_id",
    "competitors",
    "channel_id",
    "next_step",
    "stage_entered_at",
)
EVENT_COLUMNS = (
    "opportunity_id",
    "kind",
    "from_stage_id",
    "to_stage_id",
    "at",
    "actor_id",
    "owner_id",
    "org_unit_id",
    "seconds_in_stage",
    "cycle_seconds",
)


@dataclass(slots=True)
class NewOpportunity:
    """One validated deal to create: ids of what it points at, cleaned values."""

    customer_id: int
    owner_id: int
    org_unit_id: int
    pipeline_id: int
    stage_id: int
    title: str
    amount: Decimal
    expected_close_date: date | None = None
    product_line_id: int | None = None
    channel_id: int | None = None
    competitors: str = ""
    next_step: str = ""


def open_stage(pipeline_stages: Sequence[Stage]) -> Stage | None:
    """The stage a new deal starts in when none is given (services._default_stage): the first
    open, non-archived stage by order."""
    candidates = [s for s in pipeline_stages if not (s.is_archived or s.is_won or s.is_after_sales)]
    return min(candidates, key=lambda s: (s.order, s.pk), default=None)


def check_new(
    *, stage: Stage | None, amount: Decimal | None, texts: dict[str, str]
) -> tuple[Decimal | None, dict[str, list[str]]]:
    """(the stored amount, {field: [messages]}) for a deal opportunity_create would be asked
    to make: the same checks in the same order, the first failing group wins (as the service
    stops at its first ValidationError)."""
    from salesdesk.pipeline.services import _money

    if stage is None:
        return None, {"stage": [_("This pipeline has no open stage.")]}
    if stage.is_won or stage.is_after_sales:
        return None, {"stage": [_("A new deal starts in an open stage.")]}
    try:
        stored = _money(amount if amount is not None else 0, "amount")
    except ValidationError as exc:
        return None, {f: [str(m) for m in msgs] for f, msgs in exc.message_dict.items()}
    errors: dict[str, list[str]] = {}
    for name in _LENGTH_FIELDS:
        value = texts.get(name, "")
        field = Opportunity._meta.get_field(name)
        if len(value) > field.max_length:
            try:
                field.run_validators(value)
            except ValidationError as exc:
                errors[name] = [str(m) for m in exc.messages]
    return stored, errors


def opportunities_create_bulk(
    *, actor, rows: Sequence[NewOpportunity], at: datetime | None = None
) -> list[int]:
    """Create the deals of `rows` (validated) in one go; returns their ids in row order. Runs in
    the caller's transaction (one is opened if there is none)."""
    if not rows:
        return []
    with transaction.atomic():
        return _create(actor, rows, at or timezone.now())


def _create(actor, rows: Sequence[NewOpportunity], at: datetime) -> list[int]:
    adapter = Adapter(connection)
    ts = adapter.ts(at)
    day = adapter.day
    ids = reserve_ids(Opportunity, len(rows))
    status = OpportunityStatus.OPEN.value
    deals = [
        (
            pk,
            r.owner_id,
            r.org_unit_id,
            ts,
            ts,
            1,
            r.customer_id,
            r.title,
            r.pipeline_id,
            r.stage_id,
            status,
            r.amount,
            day(r.expected_close_date),
            r.product_line_id,
            r.competitors,
            r.channel_id,
            r.next_step,
            ts,
        )
        for pk, r in zip(ids, rows, strict=True)
    ]
    insert_rows(Opportunity, OPPORTUNITY_COLUMNS, deals)
    insert_history_rows(
        Opportunity, OPPORTUNITY_COLUMNS, deals, user_id=actor.pk, date=at, change_reason=None
    )
    created = StageEvent.Kind.CREATED.value
    actor_id = actor.pk
    insert_rows(
        StageEvent,
        EVENT_COLUMNS,
        [
            (pk, created, None, r.stage_id, ts, actor_id, r.owner_id, r.org_unit_id, None, None)
            for pk, r in zip(ids, rows, strict=True)
        ],
    )
    # The summaries (salesdesk.pipeline.summaries): a created event without a lead adds one
    # arrival to its stage's row and nothing to the duration histograms.
    month = summaries.month_of(at)
    entered = Counter((r.pipeline_id, r.stage_id, r.owner_id, r.org_unit_id) for r in rows)
    totals = summaries.Totals()
    for key, n in entered.items():
        totals.stat((*key, month), entered=n)
    summaries.write(totals)
    # The metric layer (D43) counts won and lost deals only: open imported deals add no facts.
    return ids
