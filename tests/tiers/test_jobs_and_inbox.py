"""The monthly task, the management command and the to-do inbox source of the tier review."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from salesdesk.core.inbox import inbox_counts, inbox_items
from salesdesk.tiers.models import TierProposal, TierReview
from salesdesk.tiers.tasks import tiers_review_compute
from tests.tiers.conftest import MARCH, fact

pytestmark = pytest.mark.django_db


def test_command_computes_a_month_idempotently(org, tiers):
    fact(org.rep, "signed", MARCH, 150000, 1)
    out = StringIO()
    call_command("compute_tier_review", month="2026-03", stdout=out)
    # rep → associate, other_rep and lead (no tier, nothing met) → trainee
    assert out.getvalue().strip() == (
        "Tier review 2026-03: 3 new, 0 refreshed, 0 withdrawn, 0 decided kept."
    )
    call_command("compute_tier_review", month="2026-03", stdout=StringIO())
    assert TierReview.objects.count() == 1 and TierProposal.objects.count() == 3
    with pytest.raises(CommandError):
        call_command("compute_tier_review", month="March", stdout=StringIO())


def test_periodic_task_reviews_last_month(org, tiers):
    figures = tiers_review_compute.call_local()
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    assert figures["period"] == last_month.strftime("%Y-%m")
    assert TierReview.objects.get().period_start == last_month.replace(day=1)
    assert figures["created"] == 3


def test_inbox_lists_pending_proposals_for_evaluators(org, tiers):
    call_command("compute_tier_review", month="2026-03", stdout=StringIO())
    until = timezone.now() + timedelta(days=1)
    kinds = ["tier_proposal"]
    assert inbox_counts(org.director, until=until, kinds=kinds) == {"tier_proposal": 3}
    assert inbox_counts(org.rep, until=until, kinds=kinds) == {"tier_proposal": 0}
    assert inbox_counts(org.lead, until=until, kinds=kinds) == {"tier_proposal": 0}
    items = inbox_items(org.director, until=until, kinds=kinds)
    assert sorted(i.key for i in items) == sorted(
        f"tier_proposal:{pk}" for pk in TierProposal.objects.values_list("pk", flat=True)
    )
    review = TierReview.objects.get()
    assert {i.url for i in items} == {f"/performance/tier-reviews/{review.pk}/"}
    TierProposal.objects.update(status="rejected")
    assert inbox_counts(org.director, until=until, kinds=kinds) == {"tier_proposal": 0}
    assert review.period_start == date(2026, 3, 1)
