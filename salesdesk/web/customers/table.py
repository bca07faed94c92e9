"""The cells of the customer list's optional columns, rendered in Python: a template `{% if %}`
chain per cell cost more than the rest of the page (50 rows × up to 12 columns)."""

from __future__ import annotations

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

DASH = "—"
MD = "d-none d-md-table-cell"
LG_NUM = "d-none d-lg-table-cell text-end sd-num text-nowrap"


def _cell(css: str, value) -> str:
    text = conditional_escape(value if value not in (None, "") else DASH)
    return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"


def _day(value, fmt: str) -> str:
    return date_filter(localtime(value), fmt) if value else DASH


def user_pairs(users, *, with_active: bool = False) -> list[tuple]:
    """(id, name) of users as `User.name` shows them, read with one values query; with
    `with_active`, (id, name, is_active)."""
    rows = users.values_list(
        "pk", "display_name", "first_name", "last_name", "username", "is_active"
    )
    pairs = []
    for pk, display, first, last, username, active in rows:
        name = display or f"{first} {last}".strip() or username
        pairs.append((pk, name, active) if with_active else (pk, name))
    return pairs


def customer_cells(c, columns: list[str]) -> SafeString:
    """The `<td>` cells of one customer for the chosen columns, as the list shows them."""
    out = []
    for col in columns:
        if col == "level":
            out.append(
                format_html(
                    '<td><span class="sd-level sd-level-{}" title="{}">{}</span></td>',
                    c.level,
                    c.get_level_display(),
                    c.level,
                )
            )
        elif col == "kind":
            out.append(format_html('<td class="{}">{}</td>', MD, c.get_kind_display()))
        elif col == "owner":
            owner = c.owner.name if c.owner_id else ""
            out.append(format_html('<td class="{} text-nowrap">{}</td>', MD, owner))
        elif col == "unit":
            out.append(format_html('<td class="{}">{}</td>', MD, c.org_unit.name))
        elif col == "phone":
            out.append(_cell(f"{MD} sd-num", c.phone))
        elif col == "industry":
            out.append(_cell(MD, c.get_industry_display()))
        elif col == "city":
            place = " · ".join(p for p in (c.province, c.city) if p)
            out.append(_cell(f"{MD} text-nowrap", place))
        elif col == "source":
            out.append(_cell(MD, c.get_source_display()))
        elif col == "last_follow_up":
            out.append(_cell(LG_NUM, _day(c.last_follow_up_at, "Y-m-d")))
        elif col == "next_follow_up":
            out.append(_cell(LG_NUM, _day(c.next_follow_up_at, "Y-m-d H:i")))
        elif col == "purchase_value":
            out.append(
                format_html(
                    '<td class="d-none d-lg-table-cell text-end sd-num">¥{}</td>',
                    floatformat(c.purchase_value, "2g"),
                )
            )
        elif col == "created":
            out.append(_cell(LG_NUM, _day(c.created_at, "Y-m-d")))
    return mark_safe("".join(out))
