"""The metric layer's fact table (issue 5, item 1; D43).

`MetricFact` holds, per fact key (definitions.FACTS) × owner × org unit × local day, the sum of
the values and the number of records behind them. It is kept current in the writing transaction
(maintenance.py) and equals `sources.rebuild()` at all times (tests check it). Metrics are read
only through `salesdesk.metrics.selectors`.

`MetricMonth` is the same per calendar month (`month` = its first day): the sums of the month's
`MetricFact` rows, written by the same statements (D51). Reads over whole months use it, so a
year is 12 rows per person and fact instead of ~250.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricFact(models.Model):
    fact = models.CharField(_("fact"), max_length=20)
    day = models.DateField(_("day"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2, default=0)
    count = models.IntegerField(_("count"), default=0)

    # Scoping (salesdesk.org.scoping): a rep sees their own figures, a manager those of their
    # scope, like the records behind them.
    scope_owner_field = "owner"
    scope_unit_field = "org_unit"

    class Meta:
        verbose_name = _("metric fact")
        verbose_name_plural = _("metric facts")
        constraints = [
            # The upsert's conflict target; also serves a rep's reads (owner = :me, fact, days).
            models.UniqueConstraint(
                fields=["fact", "owner", "day", "org_unit"], name="metricfact_key"
            )
        ]
        # Unit and company reads: one fact over a range of days (unit filter on the index).
        indexes = [models.Index(fields=["fact", "day", "org_unit"], name="metricfact_fact_day")]

    def __str__(self) -> str:
        return f"{self.fact}/{self.owner_id}/{self.org_unit_id}/{self.day}"


class MetricMonth(models.Model):
    fact = models.CharField(_("fact"), max_length=20)
    month = models.DateField(_("month"))  # the first day of the month
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2, default=0)
    count = models.IntegerField(_("count"), default=0)

    scope_owner_field = "owner"
    scope_unit_field = "org_unit"

    class Meta:
        verbose_name = _("metric month")
        verbose_name_plural = _("metric months")
        constraints = [
            models.UniqueConstraint(
                fields=["fact", "owner", "month", "org_unit"], name="metricmonth_key"
            )
        ]
        indexes = [
            models.Index(fields=["fact", "month", "org_unit"], name="metricmonth_fact_month")
        ]

    def __str__(self) -> str:
        return f"{self.fact}/{self.owner_id}/{self.org_unit_id}/{self.month:%Y-%m}"
