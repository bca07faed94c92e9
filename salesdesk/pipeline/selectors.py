"""Reads of the sales funnel (FUN-2..4), always through the scoping function (ORG-2).

The board reads one aggregate query for the column headers (count, amount, weighted amount per
stage) and one query per column for its first cards; "load more" is keyset pagination on id, so
a column with thousands of deals costs the same as one with thirty.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from salesdesk.customers.selectors import day_bounds
from salesdesk.org.models import User
from salesdesk.org.scoping import subordinate_ids
from salesdesk.pipeline.models import (
    Opportunity,
    OpportunityStatus,
    Pipeline,
    Reason,
    Stage,
    StageEvent,
)

VIEWS = ("mine", "subordinates", "all")
# Sort keys: URL value → (model field, nullable). Keyset pagination on (field, id).
SORTS = {
    "created": "created_at",
    "amount": "amount",
    "title": "title",
    "stage_entered": "stage_entered_at",
}
DEFAULT_SORT = "-created"
FILTER_KEYS = (
    "pipeline",
    "stage",
    "owner",
    "unit",
    "product_line",
    "close_month",
    "status",
    "q",
    "closed_from",  # won or lost on or after this local day (YYYY-MM-DD): goal drill-downs
    "closed_to",
)
BOARD_PAGE = 30


def opportunities_visible(user: User) -> QuerySet[Opportunity]:
    return Opportunity.objects.visible_to(user)


def pipelines_active() -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(is_archived=False).order_by("-is_default", "sort_order", "id")


def stages_of(pipeline: Pipeline, *, include_archived: bool = False) -> list[Stage]:
    qs = Stage.objects.filter(pipeline=pipeline)
    if not include_archived:
        qs = qs.filter(is_archived=False)
    return list(qs.order_by("order", "id"))


def reasons(kind: str | None) -> list[Reason]:
    """Active won or lost reasons (both kinds when `kind` is None)."""
    qs = Reason.objects.filter(is_active=True)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("kind", "sort_order", "id"))


def _month_bounds(value: str) -> tuple[date, date] | None:
    try:
        start = datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return None
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, end


def apply_filters(qs: QuerySet[Opportunity], user: User, filters: dict[str, Any]):
    """Filters from a dict of strings/ints (unknown or malformed values are ignored)."""

    def as_int(key):
        try:
            return int(filters.get(key))
        except (TypeError, ValueError):
            return None

    for key, field in (
        ("pipeline", "pipeline_id"),
        ("stage", "stage_id"),
        ("owner", "owner_id"),
        ("product_line", "product_line_id"),
    ):
        value = as_int(key)
        if value is not None:
            qs = qs.filter(**{field: value})
    unit = as_int("unit")
    if unit is not None:
        from salesdesk.org.scoping import subtree_unit_ids

        qs = qs.filter(org_unit_id__in=subtree_unit_ids(unit))
    status = filters.get("status")
    if status in OpportunityStatus.values:
        qs = qs.filter(status=status)
    bounds = _month_bounds(filters.get("close_month") or "")
    if bounds:
        qs = qs.filter(expected_close_date__gte=bounds[0], expected_close_date__lt=bounds[1])
    for key, lookup, shift in (("closed_from", "gte", 0), ("closed_to", "lt", 1)):
        try:
            day = date.fromisoformat(str(filters.get(key) or ""))
        except ValueError:
            continue
        at = timezone.make_aware(datetime.combine(day + timedelta(days=shift), time.min))
        qs = qs.filter(**{f"closed_at__{lookup}": at})
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(customer__name__icontains=q))
    return qs


def _view(qs, user: User, view: str):
    if view == "mine":
        return qs.filter(owner_id=user.pk)
    if view == "subordinates":
        below = [pk for pk in subordinate_ids(user) if pk != user.pk] if user.is_active else []
        return qs.filter(owner_id__in=below)
    return qs


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> list[str] | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, TypeError):
        return None
    return values if isinstance(values, list) and len(values) == 2 else None


def _parse_sort(sort: str) -> tuple[str, bool]:
    key = (sort or DEFAULT_SORT).lstrip("-")
    if key not in SORTS:
        return DEFAULT_SORT.lstrip("-"), True
    return key, sort.startswith("-")


def opportunity_list(
    user: User,
    *,
    view: str = "all",
    filters: dict[str, Any] | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Opportunity]:
    key, descending = _parse_sort(sort)
    field = SORTS[key]
    qs = apply_filters(_view(opportunities_visible(user), user, view), user, filters or {})
    order = [f"-{field}", "-id"] if descending else [field, "id"]
    return qs.select_related("customer", "owner", "stage", "org_unit").order_by(*order)


def keyset_page(qs: QuerySet[Opportunity], *, sort: str, after: str = "", size: int = 25):
    """One page after the cursor `after`: (rows, next cursor or "")."""
    key, descending = _parse_sort(sort)
    field = SORTS[key]
    cursor = decode_cursor(after) if after else None
    if cursor:
        value, last_id = cursor
        try:
            last_id = int(last_id)
            if field in ("created_at", "stage_entered_at"):
                value = datetime.fromisoformat(value)
            elif field == "amount":
                value = Decimal(value)
        except (ValueError, ArithmeticError):
            cursor = None
        else:
            op = "lt" if descending else "gt"
            qs = qs.filter(
                Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": last_id})
            )
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    token = encode_cursor([getattr(rows[-1], field), rows[-1].pk]) if more and rows else ""
    return rows, token


def opportunity_detail(user: User, pk: int) -> Opportunity:
    return (
        opportunities_visible(user)
        .select_related(
            "customer",
            "contact",
            "owner",
            "org_unit",
            "pipeline",
            "stage",
            "product_line",
            "channel",
            "partner",
            "reason",
        )
        .get(pk=pk)
    )


def stage_events_of(opportunity: Opportunity) -> list[StageEvent]:
    return list(
        StageEvent.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("-at", "-id")
    )


# --- the board (FUN-4) -------------------------------------------------------------------------


def board_queryset(user: User, pipeline: Pipeline, filters: dict[str, Any]):
    qs = opportunities_visible(user).filter(pipeline=pipeline)
    clean = {k: v for k, v in filters.items() if k not in ("pipeline", "stage", "status")}
    return apply_filters(qs, user, clean)


def _column_status_q(stage: Stage) -> Q:
    """Open deals in open stages; won deals in won and after-sales stages."""
    if stage.is_closed_stage:
        return Q(status=OpportunityStatus.WON)
    return Q(status=OpportunityStatus.OPEN)


def _won_since() -> datetime:
    """The won and after-sales columns show the deals won in the last 30 days."""
    return timezone.now() - timedelta(days=30)


def board_totals(user: User, pipeline: Pipeline, stages: list[Stage], filters: dict[str, Any]):
    """{stage id: (count, amount, weighted amount)}: two aggregate queries — open deals, from the
    (pipeline, status, stage, amount) index, and deals won in the last 30 days, from the (stage,
    status, closed_at) index (the won columns show recent wins only: the board is for work in
    progress). The weighted amount is the stage's sum × its probability."""
    qs = board_queryset(user, pipeline, filters)
    out = {s.pk: (0, Decimal(0), Decimal(0)) for s in stages}
    probability = {s.pk: s.probability for s in stages}
    closed = [s.pk for s in stages if s.is_closed_stage]
    for part in (
        qs.filter(status=OpportunityStatus.OPEN),
        # by stage: the (stage, status, closed_at) index reads the recent wins only
        qs.filter(status=OpportunityStatus.WON, stage__in=closed, closed_at__gte=_won_since()),
    ):
        rows = (
            part.values("stage_id")
            .annotate(n=Count("id"), total=Coalesce(Sum("amount"), Decimal(0)))
            .order_by()
        )
        for row in rows:
            if row["stage_id"] in out:
                n, total, _w = out[row["stage_id"]]
                total += row["total"]
                weighted = (total * probability[row["stage_id"]] / 100).quantize(Decimal("0.01"))
                out[row["stage_id"]] = (n + row["n"], total, weighted)
    return out


CARD_FIELDS = (
    "id",
    "title",
    "amount",
    "expected_close_date",
    "stage_entered_at",
    "next_activity_at",
    "version",
    "status",
    "stage_id",
    "customer__name",
    "owner__display_name",
    "owner__username",
)


class Card:
    """What a board card shows: plain values (no model instances: 210 cards per board)."""

    __slots__ = (
        *(f.replace("__", "_") for f in CARD_FIELDS),
        "activity",
        "days",
        "stale",
        "urls",
        "activity_label",
        "days_label",
        "amount_text",
        "html",
    )

    def __init__(self, **values):
        for key, value in values.items():
            setattr(self, key.replace("__", "_"), value)

    @property
    def pk(self) -> int:
        return self.id

    @property
    def owner_name(self) -> str:
        return self.owner_display_name or self.owner_username


def card_of(opp: Opportunity) -> Card:
    return Card(
        id=opp.pk,
        title=opp.title,
        amount=opp.amount,
        expected_close_date=opp.expected_close_date,
        stage_entered_at=opp.stage_entered_at,
        next_activity_at=opp.next_activity_at,
        version=opp.version,
        status=opp.status,
        stage_id=opp.stage_id,
        customer__name=opp.customer.name,
        owner__display_name=opp.owner.display_name,
        owner__username=opp.owner.username,
    )


def board_cards(
    user: User,
    pipeline: Pipeline,
    stage: Stage,
    filters: dict[str, Any],
    *,
    after_id: int | None = None,
    limit: int = BOARD_PAGE,
):
    """The cards of one column, `limit` at a time: (cards, last id or None). Open columns show
    the newest deals first; won and after-sales columns the latest wins of the last 30 days
    (keyset on (closed_at, id), read backwards from the (stage, status, closed_at) index)."""
    qs = board_queryset(user, pipeline, filters).filter(_column_status_q(stage), stage=stage)
    order = ["-id"]
    if stage.is_closed_stage:
        qs = qs.filter(closed_at__gte=_won_since())
        order = ["-closed_at", "-id"]
        if after_id:
            last = Opportunity.all_objects.filter(pk=after_id).values_list("closed_at", flat=True)
            at = last.first()
            keyset = Q(closed_at__lt=at) | Q(closed_at=at, id__lt=after_id)
            qs = qs.filter(keyset if at is not None else Q(id__lt=after_id))
    elif after_id:
        qs = qs.filter(id__lt=after_id)
    rows = [Card(**row) for row in qs.values(*CARD_FIELDS).order_by(*order)[: limit + 1]]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more and rows else None)


def activity_status(
    user: User, opportunity: Opportunity, now: datetime | None = None, bounds=None
) -> str:
    """overdue / today / planned / none, from the stored next activity time (`bounds`: today's
    start and end in the user's zone, computed once per page)."""
    at = opportunity.next_activity_at
    if at is None:
        return "none"
    start, end = bounds or day_bounds(user)
    if at < start:
        return "overdue"
    if at < end:
        return "today"
    return "planned"


def days_in_stage(opportunity: Opportunity, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return max(0, (now - opportunity.stage_entered_at).days)
