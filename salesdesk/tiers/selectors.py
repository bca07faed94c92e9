"""Reads of sales tiers that other modules use (ORG-4 policies)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from salesdesk.tiers.models import Tier, TierMembership


def active_tiers():
    return Tier.objects.filter(deleted_at__isnull=True, is_active=True).order_by("rank", "id")


def _on(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def tiers_on(user_ids: Iterable[int], day: date) -> dict[int, Tier]:
    """The tier of each listed person on `day` (people with none are absent)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = TierMembership.objects.filter(_on(day), user_id__in=ids).select_related("tier")
    return {m.user_id: m.tier for m in rows}


def tier_of(user_id: int, day: date) -> Tier | None:
    """The tier a person was in on `day`, or None."""
    return tiers_on([user_id], day).get(user_id)
