"""The effect of a training program (PRF-5): pure computation, no database.

Each person has a reference period: a trainee the weeks from their first to their last attended
session, an untrained peer the weeks of the program's first to last session. Weeks are ISO weeks
(Monday–Sunday). The *before* window is the N weeks just before the first training week, the
*after* window the N weeks just after the last one; the training weeks themselves are left out.
Only complete weeks (ended before today) count: when the training is recent and only M < N
weeks after it are over, both windows shrink to M weeks (the M weeks just before and just
after), so the two sides always cover as many weeks.

Per person the metric is read over each window (by the caller, from the metric layer). A person
counts in a group when both figures exist (a ratio over nothing has none). Per group: the means
of the before and after figures and the change (after − before). Difference in differences =
(trainees' change) − (peers' change). Means are exact (fractions) and rounded half up only at
the end, so a DiD is not distorted by rounded means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

WEEK = timedelta(days=7)
DEFAULT_WEEKS = 8
MAX_WEEKS = 26


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Windows:
    """Week starts (Mondays, oldest first) of one person's windows."""

    before: tuple[date, ...]  # the weeks compared (as many as `after`)
    after: tuple[date, ...]  # complete weeks after the training, at most N
    chart_before: tuple[date, ...]  # always the N weeks before (for the weekly chart)
    weeks: int  # N, as asked

    @property
    def complete(self) -> bool:
        return len(self.after) == self.weeks


def windows(first_day: date, last_day: date, weeks: int, today: date) -> Windows:
    """The before/after windows of a training from `first_day` to `last_day` (both included),
    N = `weeks`, as of `today` (a week counts once its Sunday is before today)."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    first_week = week_start(first_day)
    last_week = max(first_week, week_start(last_day))
    after = tuple(
        m
        for m in (last_week + WEEK * k for k in range(1, weeks + 1))
        if m + timedelta(days=6) < today
    )
    chart_before = tuple(first_week - WEEK * k for k in range(weeks, 0, -1))
    before = chart_before[len(chart_before) - len(after) :] if after else ()
    return Windows(before=before, after=after, chart_before=chart_before, weeks=weeks)


@dataclass
class PersonFigures:
    """One person's metric over the before and after windows, and per week: offsets −N … −1
    before the training, +1 … +N after it (None: no figure that week)."""

    before: Decimal | None
    after: Decimal | None
    weekly: dict[int, Decimal | None] = field(default_factory=dict)


@dataclass
class GroupStats:
    size: int
    before: Decimal | None
    after: Decimal | None
    change: Decimal | None


@dataclass
class Effect:
    trainees: GroupStats
    peers: GroupStats
    did: Decimal | None
    # (offset, trainees' mean, peers' mean) for offsets −N … −1, +1 … +N.
    weekly: list[tuple[int, Decimal | None, Decimal | None]]


def _mean(values: Iterable[Decimal | Fraction]) -> Fraction | None:
    items = [Fraction(v) for v in values]
    if not items:
        return None
    return sum(items, Fraction(0)) / len(items)


def to_decimal(value: Fraction | None, places: int) -> Decimal | None:
    """A fraction rounded half up to `places` decimals."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _exact_group(people: Sequence[PersonFigures]) -> tuple[int, Fraction | None, Fraction | None]:
    both = [p for p in people if p.before is not None and p.after is not None]
    return len(both), _mean(p.before for p in both), _mean(p.after for p in both)


def _weekly_mean(people: Sequence[PersonFigures], offset: int) -> Fraction | None:
    return _mean(v for p in people if (v := p.weekly.get(offset)) is not None)


def difference_in_differences(
    trainees: Sequence[PersonFigures],
    peers: Sequence[PersonFigures],
    *,
    weeks: int,
    places: int = 2,
) -> Effect:
    """Group sizes, means, changes, the DiD and the weekly means, rounded to `places`."""
    groups = []
    changes = []
    for people in (trainees, peers):
        size, before, after = _exact_group(people)
        change = after - before if size else None
        changes.append(change)
        groups.append(
            GroupStats(
                size=size,
                before=to_decimal(before, places),
                after=to_decimal(after, places),
                change=to_decimal(change, places),
            )
        )
    did = None
    if changes[0] is not None and changes[1] is not None:
        did = to_decimal(changes[0] - changes[1], places)
    offsets = [*range(-weeks, 0), *range(1, weeks + 1)]
    weekly = [
        (
            k,
            to_decimal(_weekly_mean(trainees, k), places),
            to_decimal(_weekly_mean(peers, k), places),
        )
        for k in offsets
    ]
    return Effect(trainees=groups[0], peers=groups[1], did=did, weekly=weekly)


@dataclass
class ScoreSummary:
    pre_count: int
    pre_mean: Decimal | None
    post_count: int
    post_mean: Decimal | None
    paired_count: int
    improvement: Decimal | None  # mean of (post − pre) over people with both scores


def score_summary(pairs: Iterable[tuple[Decimal | None, Decimal | None]]) -> ScoreSummary:
    """Averages of the pre and post assessment scores and the average improvement, to 0.1."""
    pairs = list(pairs)
    pre = [p for p, _q in pairs if p is not None]
    post = [q for _p, q in pairs if q is not None]
    paired = [q - p for p, q in pairs if p is not None and q is not None]
    return ScoreSummary(
        pre_count=len(pre),
        pre_mean=to_decimal(_mean(pre), 1),
        post_count=len(post),
        post_mean=to_decimal(_mean(post), 1),
        paired_count=len(paired),
        improvement=to_decimal(_mean(paired), 1),
    )
