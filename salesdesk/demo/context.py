"""State shared by the demo builders of one run: size, seeded randomness, id allocation, results."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connections, models

from salesdesk.demo.sizes import DemoSize


@dataclass
class DemoLogin:
    username: str
    role: str
    description: str


@dataclass
class DemoContext:
    size: DemoSize
    seed: int
    today: date
    now: datetime
    password_hash: str
    using: str = "default"
    # What the builders produced, for later builders: e.g. `ctx.results["org"]` is an OrgResult.
    results: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    _next_id: dict[type[models.Model], int] = field(default_factory=dict)
    touched: list[type[models.Model]] = field(default_factory=list)

    def rng_for(self, name: str) -> random.Random:
        """A generator private to one builder: the same seed gives the same sequence, and one
        builder drawing more numbers does not shift another's."""
        return random.Random(f"salesdesk-demo:{self.seed}:{name}")

    def allocate_ids(self, model: type[models.Model], count: int) -> range:
        """Reserve `count` primary keys for rows inserted with explicit ids, so related rows can
        point at each other before anything is written (one insert pass, no updates)."""
        if model not in self._next_id:
            top = model._base_manager.using(self.using).aggregate(m=models.Max("pk"))["m"] or 0
            self._next_id[model] = top + 1
        start = self._next_id[model]
        self._next_id[model] = start + count
        return range(start, start + count)

    def bulk_insert(
        self, model: type[models.Model], objs: list[models.Model], *, batch_size: int = 2000
    ) -> None:
        """Insert rows in batches with bulk_create (no per-row save, no signals)."""
        model._base_manager.using(self.using).bulk_create(objs, batch_size=batch_size)
        key = model._meta.label
        self.counts[key] = self.counts.get(key, 0) + len(objs)
        if model not in self.touched:
            self.touched.append(model)

    def reset_sequences(self) -> None:
        """After explicit-id inserts, move PostgreSQL sequences past the highest id."""
        from django.core.management.color import no_style

        connection = connections[self.using]
        statements = connection.ops.sequence_reset_sql(no_style(), self.touched)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
