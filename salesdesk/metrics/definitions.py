"""The metric registry (issue 5, item 1): one definition per metric used anywhere.

Two layers:

- **Facts** (`FACTS`) are what is stored: per fact key × owner × org unit × local day, a `value`
  (Decimal, exact to the cent) and a `count`, both additive. `sources.py` says which records make
  them (one function per record type, used by the incremental path and the rebuild alike).
- **Metrics** (`METRICS`) are what is read. An *additive* metric is the sum of one fact field
  (`signed_amount` = Σ signed.value, `contract_count` = Σ signed.count). A *derived* metric is a
  ratio of sums of fact fields, computed from the period's sums, never by averaging per-row ratios:
  `win_rate` = Σ won.count ÷ (Σ won.count + Σ lost.count).

Not defined (the data does not exist yet, see docs/decisions.md D43): expense ratio (no expense
records: ANA-10) and market share (no market sizes: ANA-4). NPS is not mixed into `satisfaction`
(CSAT 1–5 only).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    MONEY = "money", _("Money")
    COUNT = "count", _("Count")
    RATIO = "ratio", _("Ratio")
    DAYS = "days", _("Days")
    SCORE = "score", _("Score")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Kind(models.TextChoices):
    ADDITIVE = "additive", _("Sum of daily facts")
    DERIVED = "derived", _("Ratio of fact sums")


# Stored fact keys (MetricFact.fact) and what makes them; see sources.py.
SIGNED = "signed"  # contracts active or completed: value = total amount, dated signed_on
PAYMENT = "payment"  # payments on counted contracts: value = amount, dated received_on
RETURN = "return"  # returns on counted contracts: value = amount, dated returned_on
WON = "won"  # won deals: value = amount, dated by the win
LOST = "lost"  # lost deals: value = amount, dated by the loss
CYCLE = "cycle"  # won deals: value = days from the deal's creation to the win
NEW_CUSTOMER = "new_customer"  # customers: count, dated by creation
ACTIVITY = "activity"  # follow-ups: count, dated when they happened
SATISFACTION = "satisfaction"  # CSAT records: value = score, dated when recorded

FACTS = (SIGNED, PAYMENT, RETURN, WON, LOST, CYCLE, NEW_CUSTOMER, ACTIVITY, SATISFACTION)

VALUE, COUNT = "value", "count"

# Rounding of a metric's figure by its unit (derived figures only; sums are exact already).
PLACES = {
    Unit.MONEY: Decimal("0.01"),
    Unit.COUNT: Decimal("1"),
    Unit.RATIO: Decimal("0.0001"),
    Unit.DAYS: Decimal("0.01"),
    Unit.SCORE: Decimal("0.01"),
}

Term = tuple[str, str]  # (fact key, VALUE or COUNT)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    description: str
    unit: str
    direction: str
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...] = ()

    @property
    def kind(self) -> str:
        return Kind.DERIVED if self.denominator else Kind.ADDITIVE

    @property
    def facts(self) -> tuple[str, ...]:
        """The stored facts this metric reads."""
        return tuple(dict.fromkeys(f for f, _field in (*self.numerator, *self.denominator)))

    def compute(self, sums: dict[Term, Decimal]) -> Decimal | None:
        """The figure from the period's sums of fact fields (missing terms are 0). A derived
        metric with a zero denominator has no figure (None); rounded half up to the unit."""
        top = sum((sums.get(t, Decimal(0)) for t in self.numerator), Decimal(0))
        if not self.denominator:
            return Decimal(top).quantize(PLACES[self.unit], rounding=ROUND_HALF_UP)
        bottom = sum((sums.get(t, Decimal(0)) for t in self.denominator), Decimal(0))
        if not bottom:
            return None
        return (Decimal(top) / Decimal(bottom)).quantize(PLACES[self.unit], rounding=ROUND_HALF_UP)


def _m(key, label, description, unit, direction, numerator, denominator=()) -> Metric:
    return Metric(key, label, description, unit, direction, numerator, denominator)


H, L = Direction.HIGHER, Direction.LOWER

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        _m(
            "signed_amount",
            _("Signed contract amount"),
            _("Total of contracts active or completed, by signing date."),
            Unit.MONEY,
            H,
            ((SIGNED, VALUE),),
        ),
        _m(
            "contract_count",
            _("Contracts signed"),
            _("Contracts active or completed, by signing date."),
            Unit.COUNT,
            H,
            ((SIGNED, COUNT),),
        ),
        _m(
            "payments_received",
            _("Payments received"),
            _("Payments received on counted contracts, by date received."),
            Unit.MONEY,
            H,
            ((PAYMENT, VALUE),),
        ),
        _m(
            "new_customers",
            _("New customers"),
            _("Customers created, counted for their owner."),
            Unit.COUNT,
            H,
            ((NEW_CUSTOMER, COUNT),),
        ),
        _m(
            "won_deals",
            _("Won deals"),
            _("Opportunities won, by the day of the win."),
            Unit.COUNT,
            H,
            ((WON, COUNT),),
        ),
        _m(
            "won_amount",
            _("Won amount"),
            _("Amount of the opportunities won."),
            Unit.MONEY,
            H,
            ((WON, VALUE),),
        ),
        _m(
            "lost_deals",
            _("Lost deals"),
            _("Opportunities lost, by the day of the loss."),
            Unit.COUNT,
            L,
            ((LOST, COUNT),),
        ),
        _m(
            "win_rate",
            _("Win rate"),
            _("Won deals ÷ (won + lost deals) closed in the period."),
            Unit.RATIO,
            H,
            ((WON, COUNT),),
            ((WON, COUNT), (LOST, COUNT)),
        ),
        _m(
            "avg_deal_size",
            _("Average deal size"),
            _("Won amount ÷ won deals."),
            Unit.MONEY,
            H,
            ((WON, VALUE),),
            ((WON, COUNT),),
        ),
        _m(
            "sales_cycle_days",
            _("Sales cycle (days)"),
            _("Mean days from a deal's creation to its win, over the deals won."),
            Unit.DAYS,
            L,
            ((CYCLE, VALUE),),
            ((CYCLE, COUNT),),
        ),
        _m(
            "activities",
            _("Activities"),
            _("Follow-ups (calls, visits, messages, meetings), counted for their author."),
            Unit.COUNT,
            H,
            ((ACTIVITY, COUNT),),
        ),
        _m(
            "satisfaction",
            _("Satisfaction (CSAT)"),
            _("Mean CSAT score (1–5) of the satisfaction records."),
            Unit.SCORE,
            H,
            ((SATISFACTION, VALUE),),
            ((SATISFACTION, COUNT),),
        ),
        _m(
            "return_amount",
            _("Returned amount"),
            _("Amount of the returns on counted contracts, by return date."),
            Unit.MONEY,
            L,
            ((RETURN, VALUE),),
        ),
        _m(
            "return_rate",
            _("Return rate"),
            _("Returned amount ÷ signed contract amount in the period."),
            Unit.RATIO,
            L,
            ((RETURN, VALUE),),
            ((SIGNED, VALUE),),
        ),
    )
}


def get_metric(key: str) -> Metric:
    """The definition of `key`; KeyError for an unknown key."""
    return METRICS[key]
