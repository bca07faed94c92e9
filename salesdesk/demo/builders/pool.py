"""Demo public pool (CUS-6): a default pool open to everyone with the usual rules, and about 5% of
the customers (never-won ones) in it, returned by their owners over the last month; the other
never-won customers were claimed within the last month, so the daily job finds a day's
worth of returns and reminders, not years of backlog. Set-based: a few dozen statements whatever
the number of customers."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import CharField, DateTimeField, F, IntegerField, Value
from django.db.models.functions import Greatest, Mod

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

RULES = [  # kind, working days, levels
    ("no_follow_up", 60, ["A"]),
    ("no_follow_up", 30, ["B", "C"]),
    ("no_follow_up", 15, ["D"]),
    ("no_deal", 90, []),
]
REASONS = [
    "暂无采购需求",
    "联系不上",
    "客户已选其他供应商",
    "预算冻结，明年再谈",
    "No need this year",
]
# Pooled on 12 different days; 24 of every 200 ids, of which the never-won (about 40%): ~5%.
BUCKETS = 12
CLAIM_SPREAD_DAYS = 30


def reset_pool(ctx: DemoContext) -> None:
    from salesdesk.customers.models import Customer
    from salesdesk.customers.pool.models import Pool, PoolEvent, PoolReminder, PoolRule

    db = ctx.using
    PoolReminder.objects.using(db).all()._raw_delete(db)
    PoolEvent.objects.using(db).all()._raw_delete(db)
    Customer.all_objects.using(db).filter(pool__isnull=False).update(pool=None)
    PoolRule.objects.using(db).all()._raw_delete(db)
    Pool.member_units.through.objects.using(db).all()._raw_delete(db)
    Pool.member_users.through.objects.using(db).all()._raw_delete(db)
    Pool.all_objects.using(db).all()._raw_delete(db)


@register("pool", after=("customers",), reset=reset_pool)
def build_pool(ctx: DemoContext) -> None:
    """A default public pool with rules, and about 5% of the customers in it (CUS-6)."""
    from salesdesk.customers.models import Customer, Task
    from salesdesk.customers.pool.autoreturn import _insert_select
    from salesdesk.customers.pool.models import Pool, PoolEvent, PoolRule

    db = ctx.using
    now = ctx.now
    pool = Pool.objects.using(db).create(
        name="公海 Public pool",
        description="默认公海：所有销售都可以领取 · Open to every seller",
        is_default=True,
        claim_limit_per_day=20,
        cooldown_days=15,
        reminder_days=3,
    )
    PoolRule.objects.using(db).bulk_create(
        [
            PoolRule(pool=pool, kind=kind, days=days, levels=levels, exempt_won=True)
            for kind, days, levels in RULES
        ]
    )
    owned = Customer.all_objects.using(db).filter(owner__isnull=False, owned_since__isnull=True)
    owned.update(owned_since=F("created_at"))
    # A system in use: the job has run every day, so no owned customer is long overdue. Never-won
    # customers (the only ones the rules apply to) were claimed or reassigned within the last
    # month; a few are due today or within the reminder window, none is years overdue.
    for k in range(CLAIM_SPREAD_DAYS):
        Customer.all_objects.using(db).annotate(_m=Mod("id", CLAIM_SPREAD_DAYS)).filter(
            _m=k, owner__isnull=False, purchase_count=0
        ).update(owned_since=Greatest("created_at", Value(now - timedelta(days=k, hours=3))))
    pooled = 0
    for k in range(BUCKETS):
        at = now - timedelta(days=3 * k + 1, hours=k)
        chosen = (
            Customer.objects.using(db)
            .annotate(_m=Mod("id", 200))
            .filter(_m__in=[7 + 8 * k, 107 + 8 * k], purchase_count=0, owner__isnull=False)
            .order_by()
        )
        rows = chosen.annotate(
            _e_customer=F("id"),
            _e_pool=Value(pool.pk, output_field=IntegerField()),
            _e_kind=Value(PoolEvent.Kind.RETURN, output_field=CharField()),
            _e_actor=F("owner_id"),
            _e_from=F("owner_id"),
            _e_reason=Value(REASONS[k % len(REASONS)], output_field=CharField()),
            _e_at=Value(at, output_field=DateTimeField()),
        ).values("_e_customer", "_e_pool", "_e_kind", "_e_actor", "_e_from", "_e_reason", "_e_at")
        pooled += _insert_select(
            PoolEvent, ["customer", "pool", "kind", "actor", "from_user", "reason", "at"], rows
        )
        ids = PoolEvent.objects.using(db).filter(pool=pool, at=at).values("customer_id")
        Task.objects.using(db).filter(customer_id__in=ids, done_at__isnull=True).update(done_at=at)
        Customer.all_objects.using(db).filter(pk__in=ids).update(
            previous_owner=F("owner"),
            owner=None,
            pool=pool,
            pooled_at=at,
            owned_since=None,
            next_follow_up_at=None,
        )
    ctx.counts["customers.Pool"] = 1
    ctx.counts["customers.PoolEvent"] = pooled
