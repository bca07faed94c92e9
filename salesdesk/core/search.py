"""Global search (the top bar's search box): a registry every domain adds its results to.

A provider is registered with a key, a label and a callable
`(user, query, limit) -> list[SearchHit]`. The callable must read through the scoping function
(ORG-2), so results are always scoped. Each installed app may declare its providers in a
`search.py` module; they are discovered on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class SearchHit:
    title: str
    subtitle: str = ""
    url: str = ""
    icon: str = "search"
    # Dimmed in the result list (e.g. a deactivated user).
    muted: bool = False


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: Any  # a (lazy) translated string
    search: Callable[[Any, str, int], list[SearchHit]]
    order: int = 100


@dataclass
class SearchGroup:
    key: str
    label: Any
    hits: list[SearchHit] = field(default_factory=list)


class SearchRegistry:
    min_query_length = 1
    max_query_length = 100

    def __init__(self) -> None:
        self._providers: dict[str, SearchProvider] = {}
        self._discovered = False

    def register(self, key: str, label, search: Callable, *, order: int = 100) -> None:
        self._providers[key] = SearchProvider(key=key, label=label, search=search, order=order)

    def unregister(self, key: str) -> None:
        self._providers.pop(key, None)

    def autodiscover(self) -> None:
        if not self._discovered:
            self._discovered = True
            autodiscover_modules("search")

    def providers(self) -> list[SearchProvider]:
        self.autodiscover()
        return sorted(self._providers.values(), key=lambda p: (p.order, p.key))

    def search(self, user, query: str, *, limit: int = 5) -> list[SearchGroup]:
        """Groups of hits, one per provider that found something. Empty for a blank query."""
        query = (query or "").strip()[: self.max_query_length]
        if len(query) < self.min_query_length or user is None or not user.is_authenticated:
            return []
        groups = []
        for provider in self.providers():
            hits = list(provider.search(user, query, limit))[:limit]
            if hits:
                groups.append(SearchGroup(key=provider.key, label=provider.label, hits=hits))
        return groups


search_registry = SearchRegistry()
