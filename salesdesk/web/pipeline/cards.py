"""Board cards rendered in Python (FUN-4): a board page carries up to 30 cards per column, and a
template include per card cost more than half of the page's time. The markup is the one the
board's script (static/js/board.js) reads; every value is escaped with Django's own helper, as
the template escaped it."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from salesdesk.web.html import esc


def card_html(card, *, move_label: str, stale_label: str) -> SafeString:
    """One card (`card`: a selectors.Card prepared by the view's _card_context)."""
    urls = card.urls
    stale = card.stale
    close = card.expected_close_date.strftime("%Y-%m-%d") if card.expected_close_date else ""
    owner = card.owner_name or ""
    move = esc(move_label)
    days = esc(card.days_label)
    if stale:
        days = (
            '<span class="text-danger"><i class="bi bi-hourglass-split" aria-hidden="true"></i> '
            f"{esc(stale_label)} · {days}</span>"
        )
    else:
        days = f"<span>{days}</span>"
    # every value above is escaped
    return mark_safe(
        f'<article class="sd-deal{" sd-deal-stale" if stale else ""}" data-card '
        f'data-id="{card.id}" data-version="{card.version}" data-amount="{card.amount}" '
        f'data-stage-id="{card.stage_id}" data-move-url="{esc(urls["opportunity_move"])}" '
        f'data-lose-url="{esc(urls["opportunity_lose"])}" '
        f'data-card-url="{esc(urls["board_card"])}" aria-label="{esc(card.title)}">\n'
        '  <div class="d-flex align-items-start gap-2">\n'
        f'    <span class="sd-activity sd-activity-{card.activity}" '
        f'title="{esc(card.activity_label)}"><span class="visually-hidden">'
        f"{esc(card.activity_label)}</span></span>\n"
        f'    <a class="sd-deal-title flex-grow-1" href="{esc(urls["opportunity_detail"])}">'
        f"{esc(card.title)}</a>\n"
        '    <div class="dropdown">\n'
        '      <button class="btn btn-sm btn-link p-0 sd-deal-menu" type="button" '
        f'data-bs-toggle="dropdown" aria-expanded="false" title="{move}">'
        '<i class="bi bi-three-dots-vertical" aria-hidden="true"></i>'
        f'<span class="visually-hidden">{move}</span></button>\n'
        '      <ul class="dropdown-menu dropdown-menu-end" data-move-menu></ul>\n'
        "    </div>\n"
        "  </div>\n"
        f'  <div class="small text-body-secondary text-truncate">{esc(card.customer_name)}</div>\n'
        '  <div class="d-flex justify-content-between align-items-center small mt-1">\n'
        f'    <span class="sd-num fw-semibold">¥{card.amount_text}</span>\n'
        f'    <span class="sd-num text-body-secondary">{close}</span>\n'
        "  </div>\n"
        '  <div class="d-flex justify-content-between align-items-center small mt-1 '
        'text-body-secondary">\n'
        f'    <span class="sd-avatar" title="{esc(owner)}">{esc(owner[:1])}</span>\n'
        f"    {days}\n"
        "  </div>\n"
        "</article>\n"
    )
