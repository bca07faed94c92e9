"""Record changes (D43): how derived tables learn that business records changed, in the writing
transaction, without the writing app knowing who listens.

A listener (the metric layer, `salesdesk.metrics.maintenance`) registers here from its app's
`AppConfig.ready()`. Writers announce changes in one of two ways:

- `with record_changes.tracking(Model, ids): <write>` around an edit, a move, a transfer or a
  bulk UPDATE of existing rows: every listener takes a snapshot of what it derives from those
  rows before the write and compares it with the rows afterwards;
- `record_changes.created(Model, ids)` after inserting rows (there was nothing before).

Three chokepoints announce for everybody: `core.locking.save_versioned` (every optimistic-locked
edit), the recycle bin (delete and restore) and the pipeline's move UPDATE; services that insert
rows, and bulk paths, call `created` / `tracking` themselves. The caller must hold the rows'
locks (or the version check) before `tracking` starts, so the snapshot is the state it changes.

A listener ignores models it does not derive from, without a query; with no listener
registered, both calls cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from django.db import models


class ChangeListener(Protocol):
    def snapshot(self, model: type[models.Model], ids: list[int]) -> Any:
        """What the listener derives from these rows now (None: not interested)."""

    def changed(self, model: type[models.Model], ids: list[int], before: Any) -> None:
        """The rows changed (`before` from `snapshot`, or None for new rows)."""


class RecordChanges:
    def __init__(self) -> None:
        self._listeners: dict[str, ChangeListener] = {}

    def register(self, key: str, listener: ChangeListener) -> None:
        self._listeners[key] = listener

    def unregister(self, key: str) -> None:
        self._listeners.pop(key, None)

    def listeners(self) -> list[ChangeListener]:
        return list(self._listeners.values())

    @contextmanager
    def tracking(self, model: type[models.Model], ids: Iterable[int]) -> Iterator[None]:
        listeners = self.listeners()
        if not listeners:
            yield
            return
        ids = [int(pk) for pk in ids]
        snapshots = [(listener, listener.snapshot(model, ids)) for listener in listeners]
        yield
        for listener, before in snapshots:
            if before is not None:
                listener.changed(model, ids, before)

    def created(self, model: type[models.Model], ids: Iterable[int]) -> None:
        ids = [int(pk) for pk in ids]
        if not ids:
            return
        for listener in self.listeners():
            listener.changed(model, ids, None)


record_changes = RecordChanges()
