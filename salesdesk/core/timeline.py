"""The customer timeline (CUS-4): one extension point every domain adds its events to.

A provider is registered with a key and a callable `(customer, user, limit) -> list[TimelineEntry]`
returning at most `limit` entries, read through the scoping function (ORG-2). Providers live in
each app's `timeline.py`, discovered on first use (like global search's `search.py`).
`customer_timeline` merges them, newest first. The customers app registers follow-ups, field
changes (owner transfers included), contacts and tasks; later issues register opportunities,
contracts, payments and the like from their own modules, without touching this one or the page.
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
class TimelineEntry:
    at: datetime
    kind: str  # the provider's key, e.g. "follow_up"
    icon: str = "circle"  # a Bootstrap icon name
    title: str = ""
    body: str = ""
    actor_name: str = ""
    url: str = ""


Provider = Callable[[Any, Any, int], list[TimelineEntry]]


class TimelineRegistry:
    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}
        self._discovered = False

    def autodiscover(self) -> None:
        """Import every installed app's `timeline` module (where providers register)."""
        if not self._discovered:
            self._discovered = True
            autodiscover_modules("timeline")

    def register(self, key: str, provider: Provider) -> None:
        self._providers[key] = provider

    def unregister(self, key: str) -> None:
        self._providers.pop(key, None)

    def keys(self) -> list[str]:
        self.autodiscover()
        return list(self._providers)

    def providers(self) -> list[tuple[str, Provider]]:
        self.autodiscover()
        return list(self._providers.items())


timeline_registry = TimelineRegistry()


def customer_timeline(customer, user, limit: int = 50) -> list[TimelineEntry]:
    """The newest `limit` events of all providers about one customer, newest first. The caller
    has already checked that `user` may see `customer`."""
    streams = []
    for _key, provider in timeline_registry.providers():
        entries = sorted(provider(customer, user, limit), key=lambda e: e.at, reverse=True)
        streams.append(entries[:limit])
    merged = heapq.merge(*streams, key=lambda e: e.at, reverse=True)
    return list(itertools.islice(merged, limit))
