"""The to-do inbox (CUS-8): one extension point every domain adds its reminders to.

A source is registered with a key, a label and two callables, both reading through the scoping
function (ORG-2) and running a constant number of queries:
- `items(user, *, until, limit) -> list[InboxItem]`: what the user has to do that is due at or
  before `until` (overdue ones included), at most `limit`, soonest first;
- `count(user, *, until) -> int`: how many such items there are (the bell, the digest).
Sources live in each app's `inbox.py`, discovered on first use (like `timeline.py` and
`search.py`). Tasks, pool returns due, return visits due and care reminders are sources; later
issues (approvals, overdue receivables …) add theirs without touching the inbox page.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class InboxItem:
    kind: str  # the source's key, e.g. "task"
    due_at: datetime  # timezone-aware
    title: str
    body: str = ""
    url: str = ""  # where the user acts on it
    icon: str = "circle"  # a Bootstrap icon name
    customer_name: str = ""
    key: str = ""  # unique within the source (e.g. "task:42"), for htmx targets and tests


ItemsFn = Callable[..., list[InboxItem]]
CountFn = Callable[..., int]


@dataclass(frozen=True)
class InboxSource:
    key: str
    label: Any  # lazy translated string
    icon: str
    items: ItemsFn
    count: CountFn


class InboxRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, InboxSource] = {}
        self._discovered = False

    def autodiscover(self) -> None:
        """Import every installed app's `inbox` module (where sources register)."""
        if not self._discovered:
            self._discovered = True
            autodiscover_modules("inbox")

    def register(
        self, key: str, *, label: Any, items: ItemsFn, count: CountFn, icon: str = "circle"
    ) -> None:
        self._sources[key] = InboxSource(key, label, icon, items, count)

    def unregister(self, key: str) -> None:
        self._sources.pop(key, None)

    def sources(self) -> list[InboxSource]:
        self.autodiscover()
        return list(self._sources.values())


inbox_registry = InboxRegistry()


def _selected(kinds) -> list[InboxSource]:
    sources = inbox_registry.sources()
    if kinds is None:
        return sources
    return [source for source in sources if source.key in kinds]


def inbox_items(user, *, until: datetime, limit: int = 100, kinds=None) -> list[InboxItem]:
    """Everything `user` has to do by `until`, soonest first, at most `limit` items
    (only from the sources whose keys are in `kinds`, when given)."""
    streams = [
        sorted(source.items(user, until=until, limit=limit), key=lambda i: i.due_at)[:limit]
        for source in _selected(kinds)
    ]
    merged = heapq.merge(*streams, key=lambda i: i.due_at)
    return list(itertools.islice(merged, limit))


def inbox_counts(user, *, until: datetime, kinds=None) -> dict[str, int]:
    """Per source key, how many items `user` has due by `until`."""
    return {source.key: source.count(user, until=until) for source in _selected(kinds)}
