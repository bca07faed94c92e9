"""Global-search providers of the customers app (CUS-1, issue 3 item 12): customers by name, full
pinyin and initials ("bjkj" finds 北京科技); contacts by name and pinyin; phones of customers and
contacts by their digits. All scoped by the selectors."""

from __future__ import annotations

import re

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from salesdesk.core.search import SearchHit, search_registry
from salesdesk.customers import name_index
from salesdesk.customers.normalize import normalize_phone
from salesdesk.customers.selectors import contacts_visible, customers_visible

_LATIN = re.compile(r"[0-9a-z]+")
_PHONE = re.compile(r"[\d\s+()\-]+")


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _prefix_range(field: str, prefix: str, upper: str) -> Q:
    """`field` starts with `prefix`, written as a range so both databases use the index
    (SQLite's LIKE is case-insensitive and never uses one)."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + upper})


# A key range with fewer matches than this in the whole table is read from its index first and
# the viewer's scope applied to those rows only.
PROBE = 500


def _probed(queryset, q: Q):
    """`queryset.filter(q)` for an indexed key range `q`. A scope such as "my units or mine" is an
    OR that the planner may prefer over the key index, reading the whole scope (a director's
    100,000+ customers) when nothing matches; so the range is first read from its index alone, up
    to PROBE ids, and when that is all of it the scope is applied to those rows by id."""
    ids = list(queryset.model.objects.filter(q).order_by().values_list("pk", flat=True)[:PROBE])
    if len(ids) < PROBE:
        return queryset.filter(pk__in=ids)
    return queryset.filter(q)


# Candidate ids are read from a key index, up to CANDIDATES, and checked against the viewer's
# scope CHUNK at a time; when the index holds more candidates than that and the first ones did not
# fill the page (a small scope over a very common key), the scoped query itself answers: the
# planner then starts from the (small) scope.
CANDIDATES = 6_000
CHUNK = 2_000


def _walk(queryset, ids: list[int], check: Q, limit: int) -> list | None:
    """The first `limit` rows of `queryset` among `ids` that pass `check`, walking the ids in
    chunks; None when the candidates could not settle it (see CANDIDATES)."""
    rows: list = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows += queryset.filter(check, pk__in=chunk).order_by()[: limit - len(rows)]
        if len(rows) >= limit:
            return rows
    return None if len(ids) >= CANDIDATES else rows


def _rows(queryset, query: str, limit: int, *, kind: str, pinyin_fields: tuple[str, str], order):
    """Prefix matches on the indexed pinyin keys first (Latin queries), then, if none, substring
    matches on the name through the name index (D46); the scope is applied to candidate ids read
    from an index, so a director's wide scope is never scanned; sorted here."""
    rows: list = []
    model = queryset.model
    latin = query.lower()
    if _LATIN.fullmatch(latin):
        full_field, initials_field = pinyin_fields
        q = _prefix_range(full_field, latin, "{") | _prefix_range(initials_field, latin, "{")
        ids = list(model.objects.filter(q).order_by().values_list("pk", flat=True)[:CANDIDATES])
        rows = _walk(queryset, ids, Q(), limit)
        if rows is None:
            rows = list(queryset.filter(q).order_by()[:limit])
    if not rows:  # Latin names are in the pinyin key too: substrings only as a fallback
        check = Q(name__icontains=query)
        ids = name_index.candidates(kind, query, CANDIDATES)
        found = None if ids is None else _walk(queryset, ids, check, limit)
        rows = found if found is not None else list(queryset.filter(check).order_by()[:limit])
    return sorted(rows, key=order)


def phone_digits(query: str) -> str:
    if not _PHONE.fullmatch(query):
        return ""
    digits = normalize_phone(query)
    return digits if len(digits) >= 3 else ""


def search_customers(user, query: str, limit: int) -> list[SearchHit]:
    if phone_digits(query):
        return []  # a number: the phones provider answers it from the phone indexes
    rows = _rows(
        customers_visible(user).select_related("owner"),
        query,
        limit,
        kind="customer",
        pinyin_fields=("name_pinyin", "name_initials"),
        order=lambda row: (row.name_pinyin, row.pk),
    )
    return [
        SearchHit(
            title=row.name,
            subtitle=" · ".join(
                p for p in [row.short_name, str(row.get_level_display()), row.owner.name] if p
            ),
            url=_url("web:customer_detail", row.pk),
            icon="building" if row.kind == "company" else "person-vcard",
        )
        for row in rows
    ]


def search_contacts(user, query: str, limit: int) -> list[SearchHit]:
    if phone_digits(query):
        return []
    rows = _rows(
        contacts_visible(user).select_related("customer"),
        query,
        limit,
        kind="contact",
        pinyin_fields=("name_pinyin", "name_initials"),
        order=lambda row: (row.name_pinyin, row.pk),
    )
    return [
        SearchHit(
            title=row.name,
            subtitle=" · ".join(p for p in [row.customer.name, row.title, row.mobile] if p),
            url=_url("web:customer_detail", row.customer_id),
            icon="person",
        )
        for row in rows
    ]


def search_phones(user, query: str, limit: int) -> list[SearchHit]:
    digits = phone_digits(query)
    if not digits:
        return []
    hits = [
        SearchHit(
            title=row.phone,
            subtitle=row.name,
            url=_url("web:customer_detail", row.pk),
            icon="telephone",
        )
        for row in _probed(
            customers_visible(user), _prefix_range("phone_key", digits, ":")
        ).order_by("phone_key", "id")[:limit]
    ]
    if len(hits) < limit:
        hits += [
            SearchHit(
                title=row.mobile,
                subtitle=f"{row.name} · {row.customer.name}",
                url=_url("web:customer_detail", row.customer_id),
                icon="phone",
            )
            for row in _probed(
                contacts_visible(user).select_related("customer"),
                _prefix_range("mobile_key", digits, ":"),
            ).order_by("mobile_key", "id")[: limit - len(hits)]
        ]
    return hits


search_registry.register("customers", _("Customers"), search_customers, order=1)
search_registry.register("contacts", _("Contacts"), search_contacts, order=2)
search_registry.register("phones", _("Phones"), search_phones, order=3)
