"""Template helpers of the funnel pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` (None when missing)."""
    if not mapping:
        return None
    return mapping.get(key)
