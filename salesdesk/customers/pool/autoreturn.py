"""Automatic returns to the public pool (CUS-6), set-based.

A rule of pool P applies to the owned customers whose org unit returns to P (see
`selectors.pool_for_unit_map`), of the rule's levels, not won when the rule exempts won customers
(won = purchase_count > 0). Its clock starts at:
- no_follow_up: the later of "owned since" (claim, assignment, transfer, creation) and the last
  follow-up;
- no_deal: the later of "owned since" and the last purchase.
A customer is due on `add_working_days(start date, rule.days)` (dates in the site's time zone);
on or after that day the daily job returns it. The job computes, per rule, the latest start date
that is due today (`latest_start_due_by`) once, then runs one INSERT … SELECT of auto_return pool
events and one UPDATE of the customers listed by those events: a constant number of statements
per rule whatever the number of customers. Returned customers have no owner, so a second run the
same day finds nothing: the job is idempotent.

Reminders: customers due within the pool's `reminder_days` working days get one notification for
their owner per due date (one INSERT … SELECT per rule, the due day computed by a CASE over the
working days of the window, skipping customers already reminded of that date (PoolReminder, by
its unique index), then one INSERT … SELECT of their notifications), and appear in the
owner's to-do inbox and the "soon to pool" customer view.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesdesk.core.models import Notification
from salesdesk.core.workdays import add_working_days, is_working_day, latest_start_due_by
from salesdesk.customers.models import Customer, Task
from salesdesk.customers.pool.models import PoolEvent, PoolReminder, PoolRule
from salesdesk.customers.pool.selectors import pool_for_unit_map

NOTIFICATION_KIND = "pool_return"


def site_zone():
    return timezone.get_default_timezone()


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), site_zone()).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=site_zone())


def owned_clock() -> Coalesce:
    return Coalesce("owned_since", "created_at", output_field=DateTimeField())


def due_by_q(rule: PoolRule, cutoff: date) -> Q:
    """Customers (annotated with `_owned`) whose clock of `rule` started on or before `cutoff`:
    due on or before the day whose latest due start is `cutoff`."""
    limit = _midnight(cutoff + timedelta(days=1))
    q = Q(_owned__lt=limit)
    if rule.kind == PoolRule.Kind.NO_FOLLOW_UP:
        q &= Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=limit)
    else:
        q &= Q(last_purchase_at__isnull=True) | Q(last_purchase_at__lte=cutoff)
    return q


def started_after_q(rule: PoolRule, cutoff: date) -> Q:
    """The complement of `due_by_q` (clock started after `cutoff`), written without NOT."""
    limit = _midnight(cutoff + timedelta(days=1))
    q = Q(_owned__gte=limit)
    if rule.kind == PoolRule.Kind.NO_FOLLOW_UP:
        q |= Q(last_follow_up_at__gte=limit)
    else:
        q |= Q(last_purchase_at__gt=cutoff)
    return q


def rule_scope(rule: PoolRule, units: list[int]) -> QuerySet[Customer]:
    """The owned customers `rule` applies to (before its clock condition)."""
    qs = Customer.objects.filter(owner__isnull=False, pool__isnull=True, org_unit_id__in=units)
    if rule.levels:
        qs = qs.filter(level__in=rule.levels)
    if rule.exempt_won:
        qs = qs.filter(purchase_count=0)
    return qs.annotate(_owned=owned_clock())


def active_rules() -> list[PoolRule]:
    return list(
        PoolRule.objects.filter(is_active=True, pool__is_active=True, pool__deleted_at__isnull=True)
        .select_related("pool")
        .order_by("pool_id", "id")
    )


def units_by_pool() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for unit_id, pool_id in pool_for_unit_map().items():
        out.setdefault(pool_id, []).append(unit_id)
    for units in out.values():
        units.sort()
    return out


def _insert_select(model, columns: list[str], queryset: QuerySet) -> int:
    """INSERT INTO model (columns) SELECT … — the queryset's values() in the same order."""
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql}", params)
        return cursor.rowcount


def rule_reason(rule: PoolRule) -> str:
    """Stored with the auto_return event; shown translated by `reason_display`."""
    return f"{rule.kind}:{rule.days}"


def reason_display(event: PoolEvent) -> str:
    if event.kind != PoolEvent.Kind.AUTO_RETURN:
        return event.reason
    kind, _sep, days = event.reason.partition(":")
    if kind == PoolRule.Kind.NO_FOLLOW_UP:
        return _("No follow-up for %(days)s working days") % {"days": days}
    if kind == PoolRule.Kind.NO_DEAL:
        return _("No deal for %(days)s working days") % {"days": days}
    return event.reason


@dataclass
class RunResult:
    returned: int = 0
    reminded: int = 0
    rules: int = 0
    seconds: float = 0.0


def _return_by_rule(rule: PoolRule, units: list[int], today: date, now: datetime) -> int:
    cutoff = latest_start_due_by(today, rule.days)
    due = rule_scope(rule, units).filter(due_by_q(rule, cutoff)).order_by()
    rows = due.annotate(
        _e_customer=F("id"),
        _e_pool=Value(rule.pool_id, output_field=IntegerField()),
        _e_kind=Value(PoolEvent.Kind.AUTO_RETURN, output_field=CharField()),
        _e_from=F("owner_id"),
        _e_rule=Value(rule.pk, output_field=IntegerField()),
        _e_reason=Value(rule_reason(rule), output_field=CharField()),
        _e_at=Value(now, output_field=DateTimeField()),
    ).values("_e_customer", "_e_pool", "_e_kind", "_e_from", "_e_rule", "_e_reason", "_e_at")
    inserted = _insert_select(
        PoolEvent, ["customer", "pool", "kind", "from_user", "rule", "reason", "at"], rows
    )
    if not inserted:
        return 0
    just_returned = PoolEvent.objects.filter(
        kind=PoolEvent.Kind.AUTO_RETURN, rule_id=rule.pk, at=now
    ).values("customer_id")
    Customer.objects.filter(pk__in=just_returned, owner__isnull=False).update(
        previous_owner=F("owner"),
        owner=None,
        pool_id=rule.pool_id,
        pooled_at=now,
        owned_since=None,
        next_follow_up_at=None,
        version=F("version") + 1,
        updated_at=now,
    )
    Task.objects.filter(customer_id__in=just_returned, done_at__isnull=True).update(
        done_at=now, updated_at=now, version=F("version") + 1
    )
    return inserted


def _remind_by_rule(rule: PoolRule, units: list[int], today: date, now: datetime) -> int:
    """One notification per customer and due day within the pool's reminder window."""
    if not rule.pool.reminder_days:
        return 0
    horizon = add_working_days(today, rule.pool.reminder_days)
    url_prefix, url_suffix = reverse("web:customer_detail", args=[999999999]).split("999999999")
    with translation.override(settings.LANGUAGE_CODE):
        title_head = _("Returns to the public pool soon: ")
        body = _(
            "Follow up with this customer, or it returns to the public pool %(pool)s on the due "
            "date."
        ) % {"pool": rule.pool.name}
    # One statement for the whole window: each customer's due day is the first working day d
    # of the window by which its clock has run out (CASE over the days, soonest first).
    days = []
    day = today + timedelta(days=1)
    while day <= horizon:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    if not days:
        return 0
    due_day = Case(
        *[
            When(due_by_q(rule, latest_start_due_by(d, rule.days)), then=Value(_midnight(d)))
            for d in days
        ],
        output_field=DateTimeField(),
    )
    # 1. One reminder record per (customer, owner, due day) not recorded yet (unique index).
    existing = PoolReminder.objects.filter(
        customer_id=OuterRef("pk"), owner_id=OuterRef("owner_id"), due_at=OuterRef("_r_due")
    )
    rows = (
        rule_scope(rule, units)
        .filter(due_by_q(rule, latest_start_due_by(days[-1], rule.days)))
        .filter(started_after_q(rule, latest_start_due_by(today, rule.days)))
        .annotate(
            _r_customer=F("id"),
            _r_owner=F("owner_id"),
            _r_rule=Value(rule.pk, output_field=IntegerField()),
            _r_due=due_day,
            _r_created=Value(now, output_field=DateTimeField()),
        )
        .filter(~Exists(existing))
        .order_by()
        .values("_r_customer", "_r_owner", "_r_rule", "_r_due", "_r_created")
    )
    columns = ["customer", "owner", "rule", "due_at", "created_at"]
    if not _insert_select(PoolReminder, columns, rows):
        return 0
    # 2. A notification for each reminder recorded just now.
    url = Concat(
        Value(url_prefix),
        Cast("customer_id", CharField()),
        Value(url_suffix),
        output_field=CharField(),
    )
    notes = (
        PoolReminder.objects.filter(created_at=now, rule_id=rule.pk)
        .annotate(
            _n_user=F("owner_id"),
            _n_level=Value(Notification.Level.TODO, output_field=CharField()),
            _n_kind=Value(NOTIFICATION_KIND, output_field=CharField()),
            _n_title=Concat(Value(title_head), F("customer__name"), output_field=CharField()),
            _n_body=Value(body, output_field=CharField()),
            _n_url=url,
            _n_due=F("due_at"),
            _n_created=Value(now, output_field=DateTimeField()),
        )
        .order_by()
        .values(
            "_n_user",
            "_n_level",
            "_n_kind",
            "_n_title",
            "_n_body",
            "_n_url",
            "_n_due",
            "_n_created",
        )
    )
    return _insert_select(
        Notification,
        ["user", "level", "kind", "title", "body", "url", "due_at", "created_at"],
        notes,
    )


def pool_rules_apply(*, today: date | None = None, now: datetime | None = None) -> RunResult:
    """Apply every active rule once for `today` (default: today in the site's time zone)."""
    started = clock.monotonic()
    now = now or timezone.now()
    today = today or local_today(now)
    result = RunResult()
    units = units_by_pool()
    for rule in active_rules():
        pool_units = units.get(rule.pool_id)
        if not pool_units:
            continue
        result.rules += 1
        with transaction.atomic():
            result.returned += _return_by_rule(rule, pool_units, today, now)
    for rule in active_rules():
        pool_units = units.get(rule.pool_id)
        if not pool_units:
            continue
        with transaction.atomic():
            result.reminded += _remind_by_rule(rule, pool_units, today, now)
    result.seconds = clock.monotonic() - started
    return result


def customer_due_dates(
    customers: list[Customer],
    today: date | None = None,
    *,
    rules: list[PoolRule] | None = None,
    unit_pool: dict[int, int] | None = None,
) -> dict[int, date]:
    """The date each (owned) customer returns to the pool by the earliest applicable rule
    (`rules` and `unit_pool` may be given when the caller already has them)."""
    unit_pool = pool_for_unit_map() if unit_pool is None else unit_pool
    rules_by_pool: dict[int, list[PoolRule]] = {}
    for rule in active_rules() if rules is None else rules:
        rules_by_pool.setdefault(rule.pool_id, []).append(rule)
    zone = site_zone()
    out: dict[int, date] = {}
    for c in customers:
        if c.owner_id is None:
            continue
        owned = timezone.localtime(c.owned_since or c.created_at, zone).date()
        best = None
        for rule in rules_by_pool.get(unit_pool.get(c.org_unit_id), []):
            if rule.levels and c.level not in rule.levels:
                continue
            if rule.exempt_won and c.purchase_count > 0:
                continue
            start = owned
            if rule.kind == PoolRule.Kind.NO_FOLLOW_UP and c.last_follow_up_at:
                start = max(start, timezone.localtime(c.last_follow_up_at, zone).date())
            if rule.kind == PoolRule.Kind.NO_DEAL and c.last_purchase_at:
                start = max(start, c.last_purchase_at)
            due = add_working_days(start, rule.days)
            best = due if best is None else min(best, due)
        if best is not None:
            out[c.pk] = best
    return out


def due_soon_q(
    today: date | None = None,
    *,
    rules: list[PoolRule] | None = None,
    unit_pool: dict[int, int] | None = None,
) -> Q:
    """Customers (annotated with `_owned`) due to return within their pool's reminder window
    (already due ones included). Q(pk__in=[]) when no rule applies."""
    today = today or local_today()
    units: dict[int, list[int]] = {}
    for unit_id, pool_id in (pool_for_unit_map() if unit_pool is None else unit_pool).items():
        units.setdefault(pool_id, []).append(unit_id)
    for pool_units in units.values():
        pool_units.sort()
    q = Q(pk__in=[])
    for rule in active_rules() if rules is None else rules:
        pool_units = units.get(rule.pool_id)
        if not pool_units:
            continue
        horizon = add_working_days(today, rule.pool.reminder_days or 0)
        part = Q(owner__isnull=False, pool__isnull=True, org_unit_id__in=pool_units)
        if rule.levels:
            part &= Q(level__in=rule.levels)
        if rule.exempt_won:
            part &= Q(purchase_count=0)
        q |= part & due_by_q(rule, latest_start_due_by(horizon, rule.days))
    return q


def with_owned(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    return qs.annotate(_owned=owned_clock())
