"""The optional columns of the contract list (the column chooser, web/lists.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from salesdesk.sales.templatetags.sales_money import yuan
from salesdesk.web.html import esc
from salesdesk.web.lists import Column, ListColumns, register, text
from salesdesk.web.pipeline.table import MD, day, url_of


def _customer(c) -> str:
    return f'<a href="{url_of("customer_detail", c.customer_id)}">{esc(c.customer.name)}</a>'


STATUS_CSS = {
    "active": "text-bg-success",
    "in_approval": "text-bg-warning",
    "completed": "text-bg-primary",
    "void": "text-bg-secondary",
}


def _status(c) -> str:
    # as templates/sales/_status.html shows it
    css = STATUS_CSS.get(c.status, "text-bg-light")
    label = esc(c.get_status_display())
    return f'<span class="badge sd-contract-{esc(c.status)} {css}">{label}</span>'


CONTRACT_COLUMNS = register(
    ListColumns(
        key="contracts",
        columns=[
            Column("title", gettext_lazy("Title"), lambda c: text(c.title)),
            Column("customer", gettext_lazy("Customer"), _customer),
            Column("status", gettext_lazy("Status"), _status),
            Column("owner", gettext_lazy("Owner"), lambda c: text(c.owner.name), MD),
            Column(
                "channel",
                gettext_lazy("Channel"),
                lambda c: text(c.channel.name if c.channel_id else ""),
                MD,
            ),
            Column(
                "signed_on",
                gettext_lazy("Signed on"),
                lambda c: day(c.signed_on),
                "sd-num",
                sort="signed_on",
            ),
            Column(
                "total_amount",
                gettext_lazy("Amount"),
                lambda c: yuan(c.total_amount),
                "sd-num text-end",
                sort="total_amount",
            ),
            Column(
                "created",
                gettext_lazy("Created"),
                lambda c: day(c.created_at),
                "d-none d-lg-table-cell sd-num",
                sort="created_at",
            ),
        ],
        default=["title", "customer", "status", "owner", "signed_on", "total_amount"],
    )
)
