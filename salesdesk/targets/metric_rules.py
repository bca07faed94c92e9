"""How goals use the metric layer's definitions (`salesdesk.metrics.definitions`, D43): the one
list of metrics a goal can be set on.

- A goal's value is written in its metric's steps: whole numbers for counts, cents otherwise.
  Ratios (`Unit.RATIO`: win rate, return rate) are entered and stored as percentages (35.50 means
  35.50 %), while the metric layer reads them as fractions (0.3550): `to_goal_scale` converts.
- Additive metrics (a sum of one fact field) are split by a decomposition, so the parts add up to
  the whole; derived metrics (ratios of sums: rates, averages, scores) are copied to every part.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from salesdesk.metrics.definitions import METRICS, Direction, Kind, Metric, Unit

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class GoalMetric:
    definition: Metric

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def label(self):
        return self.definition.label

    @property
    def kind(self) -> str:
        """The unit of the values: money, count, ratio, days or score."""
        return self.definition.unit

    @property
    def additive(self) -> bool:
        return self.definition.kind == Kind.ADDITIVE

    @property
    def higher_is_better(self) -> bool:
        return self.definition.direction == Direction.HIGHER

    @property
    def quantum(self) -> Decimal:
        """The smallest step of a goal value: one for counts, a cent (or 0.01 %) otherwise."""
        return Decimal("1") if self.kind == Unit.COUNT else Decimal("0.01")

    def to_goal_scale(self, value: Decimal | None) -> Decimal | None:
        """A metric-layer figure in the goal's scale (ratios as percentages)."""
        if value is None or self.kind != Unit.RATIO:
            return value
        return (value * HUNDRED).quantize(Decimal("0.01"))


GOAL_METRICS: dict[str, GoalMetric] = {key: GoalMetric(m) for key, m in METRICS.items()}


def goal_metric(key: str) -> GoalMetric:
    """The goal metric of `key`, or a translated field error."""
    try:
        return GOAL_METRICS[key]
    except KeyError:
        raise ValidationError({"metric": [_("Select a valid metric.")]}) from None


def choices() -> list[tuple[str, object]]:
    return [(m.key, m.label) for m in GOAL_METRICS.values()]
