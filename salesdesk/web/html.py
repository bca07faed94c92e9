"""Small HTML pieces built in Python where a template loop would cost too much per request:
`<option>` lists of selects with hundreds of entries (owners, units), for example. Output is
escaped with Django's own helpers, exactly as the template would escape it."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def select_options(pairs: Iterable[tuple[object, object]], selected: str = "") -> SafeString:
    """`<option value="v">label</option>…` for (value, label) pairs; the option whose value's
    text equals `selected` is marked selected."""
    parts = []
    for value, label in pairs:
        text = str(value)
        mark = " selected" if text == selected and selected != "" else ""
        parts.append(
            f'<option value="{conditional_escape(text)}"{mark}>{conditional_escape(label)}</option>'
        )
    return mark_safe("".join(parts))
