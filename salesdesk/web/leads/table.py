"""The optional columns of the lead list (the column chooser, web/lists.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.web.html import esc
from salesdesk.web.lists import Column, ListColumns, register, text
from salesdesk.web.pipeline.table import MD, day


def _status(x) -> str:
    return (
        f'<span class="badge text-bg-light" data-status="{esc(x.status)}">'
        f"{esc(x.get_status_display())}</span>"
    )


def _owner(x) -> str:
    if x.owner_id:
        return esc(x.owner.name)
    return f'<span class="text-body-secondary">{esc(_("Lead pool"))}</span>'


def _region(x) -> str:
    return text(" ".join(p for p in (x.province, x.city) if p))


LEAD_COLUMNS = register(
    ListColumns(
        key="leads",
        columns=[
            Column("contact_name", gettext_lazy("Contact name"), lambda x: text(x.contact_name)),
            Column("phone", gettext_lazy("Phone"), lambda x: text(x.phone), f"{MD} sd-num"),
            Column("status", gettext_lazy("Status"), _status),
            Column("source", gettext_lazy("Source"), lambda x: text(x.get_source_display()), MD),
            Column("region", gettext_lazy("Region"), _region, MD),
            Column("industry", gettext_lazy("Industry"), lambda x: text(x.industry), MD),
            Column("owner", gettext_lazy("Owner"), _owner, "text-nowrap"),
            Column(
                "created",
                gettext_lazy("Created"),
                lambda x: day(x.created_at),
                "text-end sd-num",
                sort="created",
            ),
        ],
        default=["contact_name", "status", "source", "region", "owner", "created"],
    )
)
