"""The arithmetic of a commission statement (D50), pure and database-free (hypothesis-tested).

- The rate: the base rate below the first band (or without bands); at or above a band's "from"
  (attainment %), that band's rate, applied to the whole base (not marginally per band). Unknown
  attainment (no goal) takes the lowest band. The rep's tier commission rate is added on top when
  the plan says so.
- A payment is split over the contract's product lines in proportion to the contract's line
  amounts, in cents, by the largest remainder (ties to the earlier line), so the parts add up to
  the payment exactly. A contract's base is its line amounts per product line; a return is a
  negative line on its product's line.
- Each line's commission = base × rate % × the product line's multiplier, rounded half up to the
  cent; the statement's total is the sum of its lines. A cap scales every line by cap ÷ total,
  again by the largest remainder, so the lines still add up to the total (= the cap) exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ONE = Decimal(1)


def cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def money(units: int) -> Decimal:
    return (Decimal(units) / 100).quantize(CENT)


def band_rate(
    bands: Sequence[dict], base_rate: Decimal, attainment: Decimal | None
) -> tuple[Decimal, Decimal | None]:
    """(rate %, the band's "from" or None when the base rate applies)."""
    if not bands:
        return Decimal(base_rate), None
    if attainment is None:
        return Decimal(bands[0]["rate"]), Decimal(bands[0]["from"])
    chosen = None
    for band in bands:
        if Decimal(attainment) >= Decimal(band["from"]):
            chosen = band
    if chosen is None:
        return Decimal(base_rate), None
    return Decimal(chosen["rate"]), Decimal(chosen["from"])


def largest_remainder(exact: Sequence[Fraction], total: int) -> list[int]:
    """Integers near `exact` (which add up to `total`) that add up to `total` exactly: floors,
    then +1 to the largest fractional parts (ties to the earlier position)."""
    floors = [x.numerator // x.denominator for x in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def split_cents(total: int, weights: Sequence[int]) -> list[int]:
    """`total` cents (any sign) split in proportion to non-negative `weights` (all zero or any
    negative: equal parts)."""
    n = len(weights)
    if n == 0:
        raise ValueError("nothing to split over")
    if any(w < 0 for w in weights) or sum(weights) == 0:
        weights = [1] * n
    whole = sum(weights)
    return largest_remainder([Fraction(total * w, whole) for w in weights], total)


@dataclass
class Source:
    """One base amount with its origin (a payment's share of one product line, a contract's
    lines of one product line, or a return)."""

    kind: str  # payment / contract / return
    contract_id: int
    day: date
    base: Decimal
    product_line_id: int | None
    payment_id: int | None = None
    return_id: int | None = None
    customer_id: int | None = None
    contract_number: str = ""
    customer_name: str = ""
    product_line_name: str = ""


@dataclass
class Line:
    source: Source
    rate: Decimal
    multiplier: Decimal
    amount: Decimal


@dataclass
class Result:
    rate: Decimal
    band_from: Decimal | None
    lines: list[Line] = field(default_factory=list)
    base_total: Decimal = Decimal(0)
    uncapped_total: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    capped: bool = False


def statement(
    sources: Sequence[Source],
    *,
    bands: Sequence[dict],
    base_rate: Decimal,
    attainment: Decimal | None,
    tier_rate: Decimal = Decimal(0),
    multipliers: dict[str, str] | None = None,
    cap: Decimal | None = None,
) -> Result:
    rate, band_from = band_rate(bands, base_rate, attainment)
    rate += Decimal(tier_rate)
    multipliers = multipliers or {}
    out = Result(rate=rate, band_from=band_from)
    for src in sources:
        mult = Decimal(multipliers.get(str(src.product_line_id), ONE))
        amount = (src.base * rate / HUNDRED * mult).quantize(CENT, rounding=ROUND_HALF_UP)
        out.lines.append(Line(src, rate, mult, amount))
        out.base_total += src.base
    out.uncapped_total = sum((line.amount for line in out.lines), Decimal(0))
    out.total = out.uncapped_total
    if cap is not None and out.uncapped_total > cap:
        whole, target = cents(out.uncapped_total), cents(cap)
        exact = [Fraction(cents(line.amount) * target, whole) for line in out.lines]
        for line, units in zip(out.lines, largest_remainder(exact, target), strict=True):
            line.amount = money(units)
        out.total = money(target)
        out.capped = True
    return out
