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


# ---- pages and API (scoped reads) -------------------------------------------------------------


def tier_list(*, active: bool | None = None):
    qs = Tier.objects.filter(deleted_at__isnull=True).order_by("rank", "id")
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def tier_detail(pk: int) -> Tier | None:
    return tier_list().filter(pk=pk).first()


def people_in_scope(viewer):
    """The active people the viewer sees (a rep: themselves), by name."""
    from salesdesk.org.models import User
    from salesdesk.org.scoping import visible_to

    return visible_to(
        User.objects.filter(is_active=True).select_related("unit", "role"), viewer
    ).order_by("display_name", "id")


def memberships(viewer, *, user_id: int | None = None, current_only: bool = False):
    """Tier memberships of the people the viewer sees, newest first per person."""
    people = people_in_scope(viewer).values("pk")
    qs = TierMembership.objects.filter(user_id__in=people).select_related(
        "tier", "user", "created_by"
    )
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if current_only:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by("user_id", "-valid_from")


def reviews():
    from salesdesk.tiers.models import TierReview

    return TierReview.objects.order_by("-period_start")


def review_detail(pk: int):
    return reviews().filter(pk=pk).first()


def proposals(viewer, *, review=None, status: str | None = None):
    """The proposals of the people the viewer sees (never their own)."""
    from salesdesk.tiers.models import TierProposal

    people = people_in_scope(viewer).exclude(pk=viewer.pk).values("pk")
    qs = TierProposal.objects.filter(user_id__in=people).select_related(
        "user", "user__unit", "current_tier", "proposed_tier", "decided_by", "review"
    )
    if review is not None:
        qs = qs.filter(review=review)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-review__period_start", "user__display_name", "id")


def pending_proposals(viewer, *, limit: int | None = None):
    """Pending proposals an evaluator can decide (the to-do inbox); none for others."""
    from salesdesk.org.permissions import can_evaluate
    from salesdesk.tiers.models import ProposalStatus, TierProposal

    if not can_evaluate(viewer):
        return TierProposal.objects.none()
    qs = proposals(viewer, status=ProposalStatus.PROPOSED)
    return qs[:limit] if limit else qs
