"""The user's agenda (CUS-8): the to-do inbox cut into Overdue / Today / Upcoming in the user's
time zone. Used by the inbox page, the bell, the home page, the API and the email digest.

Queries: one `items` per selected source, plus one `count` per source that is not selected or
whose items were cut at the limit (the chips), whatever the number of items.
"""

from __future__ import annotations

import heapq
import itertools
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from salesdesk.core.inbox import InboxItem, InboxSource, inbox_counts, inbox_registry

# The horizons offered on the inbox page ("Upcoming": the next N days).
HORIZONS = (7, 14, 30)
DEFAULT_HORIZON = 7
MAX_HORIZON = 90
ITEM_LIMIT = 200  # items shown on one inbox page; the counts stay exact beyond it


def user_zone(user) -> zoneinfo.ZoneInfo:
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_today(user, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(user_zone(user)).date()


def day_start(user, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=user_zone(user))


def end_of_day(user, day: date) -> datetime:
    """The last instant of `day` in the user's zone (sources include items due at `until`)."""
    return day_start(user, day + timedelta(days=1)) - timedelta(microseconds=1)


@dataclass
class AgendaItem:
    item: InboxItem
    section: str  # "overdue", "today" or "upcoming"
    source: InboxSource | None

    def __getattr__(self, name):
        return getattr(self.item, name)

    @property
    def task_id(self) -> int | None:
        """The task's id when the item is one of the user's tasks (completed inline)."""
        if self.item.kind == "task" and self.item.key.startswith("task:"):
            return int(self.item.key.split(":", 1)[1])
        return None


@dataclass
class Agenda:
    now: datetime
    today: date
    until: datetime
    days: int
    sources: list[InboxSource]
    counts: dict[str, int]  # per source, everything due by `until`
    items: list[AgendaItem] = field(default_factory=list)
    truncated: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def section(self, name: str) -> list[AgendaItem]:
        return [i for i in self.items if i.section == name]

    @property
    def overdue(self) -> list[AgendaItem]:
        return self.section("overdue")

    @property
    def due_today(self) -> list[AgendaItem]:
        return self.section("today")

    @property
    def upcoming(self) -> list[AgendaItem]:
        return self.section("upcoming")

    def chips(self) -> list[dict]:
        return [
            {"key": s.key, "label": s.label, "icon": s.icon, "count": self.counts.get(s.key, 0)}
            for s in self.sources
        ]


def _due(item: InboxItem) -> datetime:
    return item.due_at


def agenda(
    user,
    *,
    days: int = 0,
    kinds: list[str] | None = None,
    limit: int = ITEM_LIMIT,
    now: datetime | None = None,
    with_counts: bool = True,
    until: datetime | None = None,
) -> Agenda:
    """What `user` has to do: overdue, today and (with `days` > 0) the next `days` days (or
    everything due by `until`), from the sources in `kinds` (all when None)."""
    now = now or timezone.now()
    days = max(0, min(int(days), MAX_HORIZON))
    today = local_today(user, now)
    start = day_start(user, today)
    until = until or end_of_day(user, today + timedelta(days=days))
    sources = inbox_registry.sources()
    by_key = {s.key: s for s in sources}
    # One items query per selected source; its count comes from those items unless they were
    # cut at the limit, so a count query runs only for cut or unselected sources (the chips).
    streams = {
        s.key: sorted(s.items(user, until=until, limit=limit + 1), key=_due)[: limit + 1]
        for s in sources
        if kinds is None or s.key in kinds
    }
    counts = {}
    if with_counts:
        for s in sources:
            got = streams.get(s.key)
            exact = got is not None and len(got) <= limit
            counts[s.key] = len(got) if exact else s.count(user, until=until)
    raw = list(itertools.islice(heapq.merge(*streams.values(), key=_due), limit + 1))
    items = []
    for item in raw[:limit]:
        if item.due_at < start:
            section = "overdue"  # due before today (like the "My tasks" tabs)
        elif item.due_at < start + timedelta(days=1):
            section = "today"
        else:
            section = "upcoming"
        items.append(AgendaItem(item, section, by_key.get(item.kind)))
    return Agenda(
        now=now,
        today=today,
        until=until,
        days=days,
        sources=sources,
        counts=counts,
        items=items,
        truncated=len(raw) > limit,
    )


def due_count(user, *, now: datetime | None = None) -> int:
    """How many to-dos `user` has overdue or due today (the bell, the digest)."""
    now = now or timezone.now()
    return sum(inbox_counts(user, until=end_of_day(user, local_today(user, now))).values())
