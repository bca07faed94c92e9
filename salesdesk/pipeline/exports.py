"""Opportunity export (DAT-1): the current list view, scoped, formula-escaped, audited. The
columns are the import columns of salesdesk.pipeline.imports, so a file imports again."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.org.models import FunctionPermission
from salesdesk.pipeline import selectors

EXPORT_CHUNK = 2000


def can_export(user) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.has_function(FunctionPermission.EXPORT)
    )


def export_headers() -> list[str]:
    from salesdesk.pipeline.imports import COLUMNS

    return [str(c.label) for c in COLUMNS]


def export_rows(qs) -> Iterator[list]:
    qs = qs.select_related("customer", "owner", "pipeline", "stage", "product_line", "channel")
    for o in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield [
            o.pk,
            o.title,
            o.customer.name,
            o.pipeline.display_name,
            o.stage.display_name,
            o.get_status_display(),
            o.amount,
            o.expected_close_date.isoformat() if o.expected_close_date else "",
            o.owner.username,
            o.product_line.code if o.product_line_id else "",
            o.channel.code if o.channel_id else "",
            o.competitors,
            o.next_step,
            o.created_at.date().isoformat(),
        ]


def opportunity_export(*, actor, view="all", filters=None, sort="", ids=None, request=None):
    """(headers, row iterator) of the list view, or of the selected deals of it (`ids`); the
    export is audited."""
    if not can_export(actor):
        raise PermissionDenied(_("You do not have permission to export data."))
    qs = selectors.opportunity_list(actor, view=view, filters=filters or {}, sort=sort)
    data = {"entity": "opportunities", "view": view, "filters": filters or {}}
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
        data["ids"] = list(ids)
    audit_record(kind=AuditEvent.Kind.EXPORT, actor=actor, request=request, data=data)
    return export_headers(), export_rows(qs)
