"""The recycle bin page (DAT-4): deleted records per registered model, restore and purge."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesdesk.core.recycle import record_purge, record_restore, recycle_bin, retention_days
from salesdesk.org.scoping import editable_by
from salesdesk.web.access import can_purge, can_use_recycle_bin, require
from salesdesk.web.pagination import paginate, query_without


def _deleted(entry, user):
    return editable_by(entry.model.all_objects.filter(deleted_at__isnull=False), user)


def _entry(key: str):
    try:
        return recycle_bin.entry(key)
    except ValidationError:
        raise Http404 from None


@require(can_use_recycle_bin)
def recycle_list(request):
    entries = sorted(recycle_bin.entries(), key=lambda e: str(e.model._meta.verbose_name_plural))
    if not entries:
        return render(
            request, "settings/recycle/list.html", {"entries": [], "retention": retention_days()}
        )
    key = request.GET.get("type") or entries[0].key
    current = next((e for e in entries if e.key == key), entries[0])
    tabs = [
        {"key": e.key, "label": e.model._meta.verbose_name_plural, "active": e is current}
        for e in entries
    ]
    qs = _deleted(current, request.user).select_related("deleted_by").order_by("-deleted_at", "-pk")
    page = paginate(request, qs)
    retention = retention_days()
    rows = [
        {"obj": obj, "purge_on": obj.deleted_at + timedelta(days=retention)}
        for obj in page.object_list
    ]
    return render(
        request,
        "settings/recycle/list.html",
        {
            "entries": entries,
            "tabs": tabs,
            "current": current,
            "page": page,
            "rows": rows,
            "retention": retention,
            "can_purge": can_purge(request.user),
            "page_query": query_without(request, "page"),
        },
    )


def _back(key: str):
    return redirect(f"{reverse('web:recycle_bin')}?type={key}")


@require_POST
@require(can_use_recycle_bin)
def recycle_restore(request, key: str, pk: int):
    entry = _entry(key)
    obj = _deleted(entry, request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    try:
        record_restore(model=entry.model, pk=obj.pk, actor=request.user, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        raise
    else:
        messages.success(request, _("“%(name)s” was restored.") % {"name": str(obj)})
    return _back(key)


@require_POST
@require(can_purge)
def recycle_purge(request, key: str, pk: int):
    entry = _entry(key)
    obj = _deleted(entry, request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    from django.db.models import ProtectedError

    try:
        record_purge(model=entry.model, pk=obj.pk, actor=request.user, request=request)
    except ProtectedError:
        messages.error(
            request,
            _("“%(name)s” is still referenced by other records and cannot be purged.")
            % {"name": str(obj)},
        )
    else:
        messages.success(request, _("“%(name)s” was deleted for good.") % {"name": str(obj)})
    return _back(key)
