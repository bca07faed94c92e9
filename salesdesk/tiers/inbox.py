"""The tier review's to-do inbox source (ORG-4): for an evaluator (manager, director,
administrator), the pending tier proposals of the people in their scope (one query for the items,
one for the count; none for anyone without the evaluate permission)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.tiers import selectors


def pending_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="tier_proposal",
            due_at=p.review.computed_at or timezone.now(),
            title=_("Tier review %(period)s: %(name)s → %(tier)s")
            % {
                "period": p.review.period_label,
                "name": p.user.name,
                "tier": p.proposed_tier.display_name(),
            },
            body=p.get_direction_display(),
            url=reverse("web:tier_review_detail", args=[p.review_id]),
            icon="ladder",
            key=f"tier_proposal:{p.pk}",
        )
        for p in selectors.pending_proposals(user, limit=limit)
    ]


def pending_count(user, *, until: datetime) -> int:
    return selectors.pending_proposals(user).count()


inbox_registry.register(
    "tier_proposal",
    label=gettext_lazy("Tier proposals to decide"),
    items=pending_items,
    count=pending_count,
    icon="ladder",
)
