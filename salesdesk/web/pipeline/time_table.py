"""The time-metrics tables (FUN-5) rendered in Python: a director's page has a row per rep of
the company and a cell per stage and metric, too many for a template include per cell. Every
value is escaped (salesdesk.web.html.esc)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from salesdesk.web.html import esc


def _cell(figure, above: bool, href: str | None, labels: dict) -> str:
    if figure is None or not figure.count:
        return '<td class="text-end sd-num">—</td>'
    mean = f"{figure.days} {labels['d']}"
    median = figure.median
    median_text = f"{median:g} {labels['d']}" if median is not None else "—"
    text = esc(mean)
    if href:
        text = f'<a href="{esc(href)}" title="{esc(labels["drill"])}">{text}</a>'
    flag = ""
    css = "text-end sd-num"
    if above:
        css += " text-danger"
        flag = (
            ' <i class="bi bi-arrow-up-circle" aria-hidden="true"></i>'
            f'<span class="visually-hidden">{esc(labels["above"])}</span>'
        )
    return (
        f'<td class="{css}">{text}{flag}<div class="small text-body-secondary">'
        f"{esc(labels['median'])} {esc(median_text)} · n={figure.count}</div></td>"
    )


def rows_html(
    rows, stages, deal_metrics, *, kind: str, period_query: str, company=None
) -> SafeString:
    """`<tr>` per row: the stages' time in stage, then lead conversion, sales cycle and total
    sales time; `kind` "owner" or "unit" names the drill-down filter. With `company`, the first
    row is the company's (mean and median, no flags)."""
    labels = {
        "d": _("d"),
        "median": _("median"),
        "above": _("above the company mean"),
        "drill": _("Show the deals behind this figure"),
    }
    base = reverse("web:time_metrics_deals")
    out = []

    def href(metric: str, key: int | None, stage_id: int | None = None) -> str:
        params = {"metric": metric}
        if stage_id is not None:
            params["stage"] = stage_id
        if key is not None:
            params[kind] = key
        return f"{base}?{period_query}&{urlencode(params)}"

    if company is not None:
        cells = [
            _cell(company.cells.get(s.pk), False, href("stage", None, s.pk), labels) for s in stages
        ]
        cells += [
            _cell(company.deal.get(m), False, href(m, None), labels) for m, _label in deal_metrics
        ]
        out.append(
            f'<tr class="table-light fw-semibold"><th scope="row">{esc(_("Company"))}</th>'
            + "".join(cells)
            + "</tr>"
        )
    for row in rows:
        cells = [
            _cell(
                row.cells.get(s.pk),
                row.above.get(s.pk, False),
                href("stage", row.key, s.pk),
                labels,
            )
            for s in stages
        ]
        cells += [
            _cell(row.deal.get(m), row.deal_above.get(m, False), href(m, row.key), labels)
            for m, _label in deal_metrics
        ]
        out.append(
            f'<tr><th scope="row" class="fw-normal">{esc(row.name)}</th>{"".join(cells)}</tr>'
        )
    if not rows:
        out.append(
            f'<tr><td colspan="{len(stages) + len(deal_metrics) + 1}" class="text-body-secondary">'
            f"{esc(_('No stage changes in this period.'))}</td></tr>"
        )
    return mark_safe("".join(out))  # every value above is escaped
