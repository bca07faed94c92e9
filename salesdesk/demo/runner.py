"""Build the demo data set with `build_demo(size=…, seed=…, reset=…)`; used by `salesdesk demo`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import connections, transaction
from django.utils import timezone

from salesdesk.core.dbstats import refresh_statistics
from salesdesk.demo.builders.org import DEMO_PASSWORD
from salesdesk.demo.context import DemoContext, DemoLogin
from salesdesk.demo.registry import registry
from salesdesk.demo.sizes import get_size

DEFAULT_SEED = 2026


class DemoDataError(Exception):
    """The demo data cannot be built (for example: the database already holds data)."""


@dataclass
class DemoResult:
    size: str
    seed: int
    counts: dict[str, int]
    timings: dict[str, float]
    logins: list[DemoLogin] = field(default_factory=list)
    password: str = DEMO_PASSWORD
    seconds: float = 0.0


def database_has_users(using: str = "default") -> bool:
    from salesdesk.org.models import User

    return User.objects.using(using).exists()


def build_demo(
    *,
    size: str = "small",
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    today: date | None = None,
    using: str = "default",
    only: list[str] | None = None,
) -> DemoResult:
    """Create the demo organisation (and whatever later builders add) in one transaction.

    Refuses to touch a database that already has users unless `reset` is given; with `reset`,
    every builder first deletes what it owns (in reverse order), then all build again. `only`
    builds just the named domains and what they need (benchmarks of one area at large sizes).
    """
    spec = get_size(size)
    started = time.perf_counter()
    if not reset and database_has_users(using):
        raise DemoDataError(
            "The database already has users. Use --reset to delete them and all demo records "
            "and build the demo data again."
        )
    now = timezone.now()
    if today is not None:
        now = timezone.make_aware(timezone.datetime(today.year, today.month, today.day, 9, 0))
    ctx = DemoContext(
        size=spec,
        seed=seed,
        today=today or timezone.localdate(now),
        now=now,
        # Hash once, reuse for every demo user: hashing 5,000 passwords would take minutes.
        password_hash=make_password(DEMO_PASSWORD),
        using=using,
    )
    builders = registry.ordered(only)
    timings: dict[str, float] = {}
    with transaction.atomic(using=using):
        if reset:
            for builder in reversed(builders):
                if builder.reset is not None:
                    t0 = time.perf_counter()
                    builder.reset(ctx)
                    timings[f"reset:{builder.name}"] = round(time.perf_counter() - t0, 3)
        for builder in builders:
            t0 = time.perf_counter()
            builder.build(ctx)
            timings[builder.name] = round(time.perf_counter() - t0, 3)
        ctx.reset_sequences()
    if not connections[using].in_atomic_block:
        t0 = time.perf_counter()
        refresh_statistics(using)
        timings["statistics"] = round(time.perf_counter() - t0, 3)
    return DemoResult(
        size=size,
        seed=seed,
        counts=dict(ctx.counts),
        timings=timings,
        logins=list(ctx.logins),
        seconds=round(time.perf_counter() - started, 3),
    )
