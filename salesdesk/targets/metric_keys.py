"""The metrics a goal can be set on (TGT-1), in one place.

Temporary: the metric layer (`salesdesk.metrics.definitions`, issue 5) will replace this list;
goals store the metric as a string key, so only this module changes then.

`kind` says how values are written and decomposed:
- money: to the cent; count: whole numbers; ratio (%) and score: to the hundredth;
- `additive`: sums and counts are split by a decomposition (parts add up to the whole); ratios,
  scores and averages are not: every part carries the goal's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MONEY, COUNT, RATIO, SCORE = "money", "count", "ratio", "score"


@dataclass(frozen=True)
class MetricKey:
    key: str
    label: object  # a lazy translation
    kind: str
    # Sums and counts add up, so a decomposition splits them; ratios, scores and averages are
    # copied to every part.
    additive: bool = True

    @property
    def quantum(self) -> Decimal:
        """The smallest step of a value: a cent for money, ratios and scores; one for counts."""
        return Decimal("1") if self.kind == COUNT else Decimal("0.01")


METRICS: dict[str, MetricKey] = {
    m.key: m
    for m in (
        MetricKey("signed_amount", _("Signed contract amount"), MONEY),
        MetricKey("payments_received", _("Payments received"), MONEY),
        MetricKey("contract_count", _("Contracts signed"), COUNT),
        MetricKey("new_customers", _("New customers"), COUNT),
        MetricKey("won_deals", _("Deals won"), COUNT),
        MetricKey("won_amount", _("Won deal amount"), MONEY),
        MetricKey("win_rate", _("Win rate (%)"), RATIO, additive=False),
        MetricKey("avg_deal_size", _("Average deal size"), MONEY, additive=False),
        MetricKey("activities", _("Activities"), COUNT),
        MetricKey("satisfaction", _("Satisfaction (score)"), SCORE, additive=False),
        MetricKey("return_rate", _("Return rate (%)"), RATIO, additive=False),
    )
}


def metric(key: str) -> MetricKey:
    """The metric of `key`, or a translated field error."""
    try:
        return METRICS[key]
    except KeyError:
        raise ValidationError({"metric": [_("Select a valid metric.")]}) from None


def choices() -> list[tuple[str, object]]:
    return [(m.key, m.label) for m in METRICS.values()]
