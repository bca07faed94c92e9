"""Global-search providers of the organisation: users and org units (scoped by the selectors)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from salesdesk.core.search import SearchHit, search_registry
from salesdesk.org.models import FunctionPermission
from salesdesk.org.selectors import unit_search, user_search


def _url(name: str, pk: int, user) -> str:
    # The detail pages are part of organisation management; others see the hit without a link.
    if not user.has_function(FunctionPermission.CONFIGURE):
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def search_users(user, query: str, limit: int) -> list[SearchHit]:
    hits = []
    for found in user_search(user, query, limit=limit):
        parts = [found.username]
        if found.unit_id:
            parts.append(found.unit.name)
        if found.role_id:
            parts.append(found.role.display_name)
        if not found.is_active:
            parts.append(str(_("deactivated")))
        hits.append(
            SearchHit(
                title=found.name,
                subtitle=" · ".join(parts),
                url=_url("web:user_detail", found.pk, user),
                icon="person",
                muted=not found.is_active,
            )
        )
    return hits


def search_units(user, query: str, limit: int) -> list[SearchHit]:
    return [
        SearchHit(
            title=unit.name,
            subtitle=" · ".join(
                p
                for p in [str(unit.get_kind_display()), unit.parent.name if unit.parent else ""]
                if p
            ),
            url=_url("web:unit_detail", unit.pk, user),
            icon="diagram-3",
        )
        for unit in unit_search(user, query, limit=limit)
    ]


search_registry.register("users", _("Users"), search_users, order=10)
search_registry.register("units", _("Org units"), search_units, order=20)
