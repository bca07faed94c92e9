"""Demo sales tiers: four tiers, a membership for every sales person, a review with a few
pending proposals."""

from __future__ import annotations

from datetime import date

import pytest

from salesdesk.demo.runner import build_demo
from salesdesk.tiers.models import Tier, TierMembership, TierProposal, TierReview
from salesdesk.tiers.services import review_people


@pytest.mark.django_db
def test_small_demo_has_tiers_memberships_and_a_review():
    build_demo(size="small", seed=2026, today=date(2026, 6, 15))
    assert list(Tier.objects.values_list("code", flat=True)) == [
        "trainee",
        "associate",
        "senior",
        "gold",
    ]
    people = review_people()
    current = TierMembership.objects.filter(valid_to__isnull=True)
    assert sorted(current.values_list("user_id", flat=True)) == sorted(people)
    assert TierMembership.objects.filter(valid_to__isnull=False).exists()
    review = TierReview.objects.get()
    assert (review.period_start, review.effective_from) == (date(2026, 5, 1), date(2026, 6, 1))
    pending = TierProposal.objects.filter(status="proposed").count()
    assert 1 <= pending <= 5
