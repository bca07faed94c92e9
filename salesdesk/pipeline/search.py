"""Global-search provider of the funnel: opportunities by title or customer name (scoped)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesdesk.core.search import SearchHit, search_registry
from salesdesk.pipeline.selectors import opportunities_visible


def search_opportunities(user, query: str, limit: int) -> list[SearchHit]:
    rows = (
        opportunities_visible(user)
        .filter(Q(title__icontains=query) | Q(customer__name__icontains=query))
        .select_related("customer", "stage")
        .order_by("-id")[:limit]
    )
    return [
        SearchHit(
            title=o.title,
            subtitle=f"{o.customer.name} · {o.stage.display_name} · ¥{o.amount:,.2f}",
            url=reverse("web:opportunity_detail", args=[o.pk]),
            icon="briefcase",
            muted=o.status != "open",
        )
        for o in rows
    ]


search_registry.register("opportunities", _("Opportunities"), search_opportunities, order=30)
