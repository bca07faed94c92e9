"""The arithmetic of scorecards and leaderboards (pure: no database), D48.

- Normalisation "target": score = actual ÷ target × 100 for higher-is-better metrics and
  target ÷ actual × 100 for lower-is-better ones (an actual of 0 there scores the cap); no
  figure (a derived metric without a denominator) scores 0.
- Normalisation "peer": min–max over the scheme's people: (actual − min) ÷ (max − min) × 100,
  inverted (max − actual) for lower-is-better; when everybody has the same figure, 100; no figure
  scores 0 and is not part of min and max.
- Every score is capped (`cap`, e.g. 120) and rounded half up to 0.01; weighted = score × weight
  ÷ 100, rounded to 0.01; the total is the sum of the rounded weighted scores.
- Grade: the best band whose lowest total the total reaches (S ≥ S's band …), else D.
- Ranks: standard competition ranking (1, 2, 2, 4): equal figures share a rank; no figure, no rank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
BAND_GRADES = ("S", "A", "B", "C")
T = TypeVar("T")


def q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def target_score(actual: Decimal | None, target: Decimal, *, lower_is_better: bool, cap: Decimal):
    if actual is None:
        return q(Decimal(0))
    if lower_is_better:
        if actual <= 0:
            return q(cap)
        raw = Decimal(target) / Decimal(actual) * HUNDRED
    else:
        if not target:
            return q(cap) if actual > 0 else q(Decimal(0))
        raw = Decimal(actual) / Decimal(target) * HUNDRED
    return q(min(max(raw, Decimal(0)), cap))


def peer_score(
    actual: Decimal | None,
    low: Decimal | None,
    high: Decimal | None,
    *,
    lower_is_better: bool,
    cap: Decimal,
) -> Decimal:
    if actual is None or low is None or high is None:
        return q(Decimal(0))
    if high == low:
        return q(min(HUNDRED, cap))
    part = (high - actual) if lower_is_better else (actual - low)
    return q(min(part / (high - low) * HUNDRED, cap))


def weighted(score: Decimal, weight: Decimal) -> Decimal:
    return q(score * Decimal(weight) / HUNDRED)


def grade_for(total: Decimal, bands: dict[str, Any]) -> str:
    for grade in BAND_GRADES:
        if grade in bands and total >= Decimal(str(bands[grade])):
            return grade
    return "D"


def competition_ranks(
    items: Iterable[T], value: Callable[[T], Decimal | None], *, descending: bool = True
) -> dict[int, int | None]:
    """{index in items: rank}: equal values share the rank, the next one skips (1, 2, 2, 4);
    items whose value is None get no rank."""
    listed = list(items)
    ranked = [(i, value(x)) for i, x in enumerate(listed) if value(x) is not None]
    ranked.sort(key=lambda pair: pair[1], reverse=descending)
    out: dict[int, int | None] = dict.fromkeys(range(len(listed)))
    previous, rank = None, 0
    for position, (i, v) in enumerate(ranked, start=1):
        if v != previous:
            rank, previous = position, v
        out[i] = rank
    return out
