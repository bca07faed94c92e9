"""Global-search providers of the sales app: contracts by number or title (scoped), products
by code or name (the catalogue is readable by everyone)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from salesdesk.core.search import SearchHit, search_registry
from salesdesk.sales.contracts.selectors import contracts_visible
from salesdesk.sales.selectors import product_list


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def search_contracts(user, query: str, limit: int) -> list[SearchHit]:
    rows = (
        contracts_visible(user)
        .filter(Q(number__istartswith=query) | Q(title__icontains=query))
        .select_related("customer")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        SearchHit(
            title=f"{c.number} · {c.title}",
            subtitle=f"{c.customer.name} · {c.get_status_display()}",
            url=_url("web:contract_detail", c.pk),
            icon="file-earmark-text",
        )
        for c in rows
    ]


def search_products(user, query: str, limit: int) -> list[SearchHit]:
    rows = product_list(user, q=query)[:limit]
    return [
        SearchHit(
            title=f"{p.code} · {p.name}",
            subtitle=str(p.product_line),
            url=_url("web:product_edit", p.pk),
            icon="box-seam",
            muted=not p.is_active,
        )
        for p in rows
    ]


search_registry.register("contracts", _("Contracts"), search_contracts, order=30)
search_registry.register("products", _("Products"), search_products, order=60)
