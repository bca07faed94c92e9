"""The optional columns of the opportunity list (the column chooser, web/lists.py), each cell
rendered in Python."""

from __future__ import annotations

from functools import lru_cache

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.web.html import esc
from salesdesk.web.lists import Column, ListColumns, register, text

MD = "d-none d-md-table-cell"
MD_NUM = "d-none d-md-table-cell text-end sd-num"
LG_NUM = "d-none d-lg-table-cell text-end sd-num"
_PK = 987654321


@lru_cache(maxsize=32)
def _url_pattern(name: str) -> str:
    return reverse(f"web:{name}", args=[_PK])


def url_of(name: str, pk: int) -> str:
    """`reverse()` of a detail URL, without resolving the pattern once per row."""
    return _url_pattern(name).replace(str(_PK), str(pk))


def day(value) -> str:
    if not value:
        return "—"
    if hasattr(value, "tzinfo"):
        value = localtime(value)
    return date_filter(value, "Y-m-d")


def money(value) -> str:
    return f"¥{floatformat(value, '2g')}"


def _customer(o) -> str:
    return f'<a href="{url_of("customer_detail", o.customer_id)}">{esc(o.customer.name)}</a>'


def _stage(o) -> str:
    badge = ""
    if o.status == "won":
        badge = (
            '<span class="badge sd-status-won"><i class="bi bi-trophy me-1" aria-hidden="true">'
            f"</i>{esc(_('Won'))}</span> "
        )
    elif o.status == "lost":
        badge = (
            '<span class="badge sd-status-lost"><i class="bi bi-x-circle me-1" '
            f'aria-hidden="true"></i>{esc(_("Lost"))}</span> '
        )
    return badge + esc(o.stage.display_name)


OPPORTUNITY_COLUMNS = register(
    ListColumns(
        key="opportunities",
        columns=[
            Column("customer", gettext_lazy("Customer"), _customer),
            Column("stage", gettext_lazy("Stage"), _stage, css="text-nowrap"),
            Column(
                "amount",
                gettext_lazy("Amount"),
                lambda o: money(o.amount),
                "text-end sd-num",
                sort="amount",
            ),
            Column(
                "expected_close",
                gettext_lazy("Expected close"),
                lambda o: day(o.expected_close_date),
                MD_NUM,
            ),
            Column(
                "owner", gettext_lazy("Owner"), lambda o: text(o.owner.name), f"{MD} text-nowrap"
            ),
            Column("unit", gettext_lazy("Org unit"), lambda o: text(o.org_unit.name), MD),
            Column(
                "product_line",
                gettext_lazy("Product line"),
                lambda o: text(o.product_line.name if o.product_line_id else ""),
                MD,
            ),
            Column("next_step", gettext_lazy("Next step"), lambda o: text(o.next_step), MD),
            Column(
                "stage_entered",
                gettext_lazy("In stage since"),
                lambda o: day(o.stage_entered_at),
                LG_NUM,
                sort="stage_entered",
            ),
            Column(
                "created",
                gettext_lazy("Created"),
                lambda o: day(o.created_at),
                LG_NUM,
                sort="created",
            ),
        ],
        default=[
            "customer",
            "stage",
            "amount",
            "expected_close",
            "owner",
            "stage_entered",
            "created",
        ],
    )
)
