"""The one pagination style of the API: `?page=1&page_size=50`.

`page_size` may not exceed `settings.SALESDESK_API_MAX_PAGE_SIZE` (a larger value is a validation
error, not silently cut). Every list answers

    {"items": [...], "count": <all matching rows>, "page": 1, "page_size": 50, "pages": <n>}

with a stable order (each list orders by a unique key last) and two queries (count + page),
whatever the number of rows. A page past the end answers an empty `items`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE: int = settings.SALESDESK_API_MAX_PAGE_SIZE


class PageParams(Schema):
    """Query parameters of every list; list filters subclass this."""

    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Rows per page, at most {MAX_PAGE_SIZE}.",
    )


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The response schema of a list of `item_schema` (one class per item schema)."""
    return create_model(
        f"{item_schema.__name__}Page",
        __base__=Schema,
        items=(list[item_schema], ...),
        count=(int, ...),
        page=(int, ...),
        page_size=(int, ...),
        pages=(int, ...),
    )


def paginate(queryset: QuerySet | list, params: PageParams) -> dict[str, Any]:
    """One page of an ordered queryset (or an already-built list)."""
    if isinstance(queryset, QuerySet):
        assert queryset.ordered, "paginated querysets need a stable order"
        count = queryset.count()
    else:
        count = len(queryset)
    start = (params.page - 1) * params.page_size
    items = list(queryset[start : start + params.page_size]) if start < count else []
    return {
        "items": items,
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "pages": max(1, math.ceil(count / params.page_size)),
    }
