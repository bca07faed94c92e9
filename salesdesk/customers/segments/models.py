"""The saved segment (CUS-3). Its customers are computed when read, never stored: a segment is a
saved question ("which of the customers I can see match these criteria?"), so each viewer sees
the part of it inside their own data scope."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesdesk.org.models import ScopedModel


class SegmentVisibility(models.TextChoices):
    PRIVATE = "private", _("Only me")
    SHARED = "shared", _("Everyone (each sees only the customers they can see)")


class Segment(ScopedModel):
    """A saved segment: a name, a description and criteria (see segments/criteria.py).

    `owner` is the author; `org_unit` the author's unit when it was made (so the recycle bin's
    scoping lets the author's managers restore it). Who may read it is decided by `visibility`
    (salesdesk.customers.segments.selectors.segments_visible), not by the data scope."""

    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    visibility = models.CharField(
        _("visible to"),
        max_length=10,
        choices=SegmentVisibility.choices,
        default=SegmentVisibility.PRIVATE,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        indexes = [
            models.Index(fields=["owner", "name"], name="segment_owner_name"),
            models.Index(fields=["visibility", "name"], name="segment_visibility_name"),
        ]

    def __str__(self) -> str:
        return self.name
