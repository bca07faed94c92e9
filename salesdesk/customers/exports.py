"""Customer export (DAT-1): the current list view, scoped, formula-escaped, audited.

The columns are the import columns (same headers, choice values as labels in the user's
language), so an exported file imports again unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.customers.imports import CHOICES, COLUMNS
from salesdesk.customers.models import Contact, Customer
from salesdesk.org.models import FunctionPermission
from salesdesk.org.scoping import visible_to

EXPORT_CHUNK = 2000


def can_export(user) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.has_function(FunctionPermission.EXPORT)
    )


def require_export(user) -> None:
    if not can_export(user):
        raise PermissionDenied(_("You do not have permission to export data."))


def customer_export_queryset(user, *, view="all", q="", filters=None, sort=""):
    """The customers of the list view the user is looking at (always within their scope)."""
    try:
        from salesdesk.customers import selectors

        qs = selectors.customer_list(
            user, view=view, q=q, filters=filters or {}, sort=sort or selectors.DEFAULT_SORT
        )
    except ImportError:  # pragma: no cover - the selectors module is part of the app
        qs = visible_to(Customer.objects.all(), user).order_by("-created_at", "-id")
    primary = Contact.objects.filter(is_primary=True)
    return (
        visible_to(qs, user)
        .select_related("owner")
        .prefetch_related("tags", Prefetch("contacts", queryset=primary, to_attr="primaries"))
    )


def export_headers() -> list[str]:
    return [str(c.label) for c in COLUMNS]


def _value(customer: Customer, field: str):
    if field in CHOICES:
        value = getattr(customer, field)
        return getattr(customer, f"get_{field}_display")() if value else ""
    if field == "tags":
        return ", ".join(sorted(t.name for t in customer.tags.all()))
    if field == "owner":
        return customer.owner.username
    if field.startswith("contact_"):
        contact = customer.primaries[0] if customer.primaries else None
        if contact is None:
            return ""
        return getattr(
            contact,
            {
                "contact_name": "name",
                "contact_mobile": "mobile",
                "contact_email": "email",
                "contact_title": "title",
            }[field],
        )
    return getattr(customer, field)


def export_rows(qs) -> Iterator[list]:
    fields = [c.field for c in COLUMNS]
    for customer in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield [_value(customer, f) for f in fields]


def customer_export(
    *, actor, view="all", q="", filters=None, sort="", file_format="xlsx", ids=None, request=None
):
    """(headers, rows, count) of the export of the list view, or of the selected customers of
    the actor's scope (`ids`: the list's "Export selected"); checks the permission and writes
    the audit event."""
    require_export(actor)
    if ids is not None:
        view, q, filters = "all", "", {}
    qs = customer_export_queryset(actor, view=view, q=q, filters=filters, sort=sort)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    count = qs.count()
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        actor=actor,
        request=request,
        data={
            "entity": "customers",
            "rows": count,
            "format": file_format,
            "view": view,
            "q": q or "",
            "sort": sort or "",
            "filters": {k: str(v) for k, v in sorted((filters or {}).items())},
            **({"ids": list(ids)} if ids is not None else {}),
        },
    )
    return export_headers(), export_rows(qs), count
