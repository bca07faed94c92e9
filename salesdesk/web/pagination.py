"""Page-numbered pagination with a capped page size; page and size live in the URL."""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
PAGE_SIZES = (25, 50, 100)


def page_size_from(request, default: int = DEFAULT_PAGE_SIZE) -> int:
    try:
        size = int(request.GET.get("size", default))
    except (TypeError, ValueError):
        size = default
    return max(1, min(size, MAX_PAGE_SIZE))


def paginate(request, queryset, *, default_size: int = DEFAULT_PAGE_SIZE):
    """The requested page of `queryset` (out-of-range pages show the last page)."""
    paginator = Paginator(queryset, page_size_from(request, default_size))
    number = request.GET.get("page", 1)
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def query_without(request, *keys: str) -> str:
    """The query string without `keys` (for sort and page links); ends in & unless empty."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""
