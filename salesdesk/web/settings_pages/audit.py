"""The audit log (DAT-4): security events, filtered by kind, user and date."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.shortcuts import render
from django.utils import timezone

from salesdesk.core.models import AuditEvent
from salesdesk.org.models import DataScope
from salesdesk.org.selectors import users_visible
from salesdesk.web.access import can_view_audit_log, require
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.settings_pages.forms import AuditFilterForm


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@require(can_view_audit_log)
def audit_list(request):
    filters = AuditFilterForm(request.GET)
    filters.is_valid()
    data = {
        k: v for k, v in getattr(filters, "cleaned_data", {}).items() if k not in filters.errors
    }
    qs = AuditEvent.objects.all()
    if request.user.data_scope != DataScope.ALL:
        # A configurator with a narrower scope sees the events of the people they may see.
        qs = qs.filter(actor__in=users_visible(request.user).values("pk"))
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("user"):
        qs = qs.filter(username__icontains=data["user"].strip())
    if data.get("date_from"):
        qs = qs.filter(created_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(created_at__lt=_day_start(data["date_to"] + timedelta(days=1)))
    page = paginate(request, qs.order_by("-created_at", "-id"), default_size=50)
    return render(
        request,
        "settings/audit/list.html",
        {
            "page": page,
            "events": page.object_list,
            "filters": filters,
            "kinds": AuditEvent.Kind.choices,
            "page_query": query_without(request, "page"),
            "is_filtered": any(
                request.GET.get(k) for k in ("kind", "user", "date_from", "date_to")
            ),
        },
    )
