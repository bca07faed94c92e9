"""The create, edit and delete pages of a configuration record (KPI schemes, commission plans,
sales tiers): one description per kind of record, the same three views for all.

- the form page answers 422 with the form's errors and 409 with the conflict of a stale edit;
- create and edit save through the record's services and go back to its list;
- delete (POST from the edit page) moves the record to the recycle bin, or shows why not.

URL names follow one pattern: `<url>_list`, `<url>_edit`, `<url>_delete`. The views that use a
description keep their own permission decorator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from salesdesk.org.models import FunctionPermission
from salesdesk.web.forms import apply_service_error, errors_to_messages, save_through_service


@dataclass(frozen=True)
class RecordPages:
    form: type  # a form with service_fields() and initial_from(record)
    template: str
    name: str  # the record's name in the template context ("scheme")
    url: str  # URL name prefix ("web:kpi_scheme")
    get: Callable[[int], Any]  # the live record with this pk, or None
    create: Callable[..., Any]  # service(actor=, request=, **fields) -> record
    update: Callable[..., Any]  # service(record, actor=, expected_version=, request=, **fields)
    delete: Callable[..., Any]  # service(record, actor=, request=)
    created: str  # lazy message with %(name)s
    saved: str  # lazy message
    initial: dict[str, Any] = field(default_factory=dict)

    def _record(self, pk: int):
        record = self.get(pk)
        if record is None:
            raise Http404
        return record

    def page(self, request, form, *, record=None, conflict=None):
        delete_url = ""
        if record is not None and request.user.has_function(FunctionPermission.DELETE):
            delete_url = reverse(f"{self.url}_delete", args=[record.pk])
        return render(
            request,
            self.template,
            {"form": form, self.name: record, "conflict": conflict, "delete_url": delete_url},
            status=409 if conflict else (422 if form.errors else 200),
        )

    def create_view(self, request):
        form = self.form(request.POST or None, initial=dict(self.initial))
        if request.method == "POST" and form.is_valid():
            try:
                record = self.create(actor=request.user, request=request, **form.service_fields())
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, self.created % {"name": record})
                return redirect(f"{self.url}_list")
        return self.page(request, form)

    def edit_view(self, request, pk: int):
        record = self._record(pk)
        form = self.form(request.POST or None, initial=self.form.initial_from(record))
        conflict = None
        if request.method == "POST" and form.is_valid():
            try:
                saved, conflict = save_through_service(
                    form,
                    lambda: self.update(
                        record,
                        actor=request.user,
                        expected_version=form.cleaned_data["version"],
                        request=request,
                        **form.service_fields(),
                    ),
                )
            except ObjectDoesNotExist:  # deleted by someone else meanwhile
                raise Http404 from None
            if saved:
                messages.success(request, self.saved)
                return redirect(f"{self.url}_list")
        return self.page(request, form, record=record, conflict=conflict)

    def delete_view(self, request, pk: int):
        record = self._record(pk)
        try:
            self.delete(record, actor=request.user, request=request)
        except (ValidationError, PermissionDenied) as exc:
            errors_to_messages(request, exc)
            return redirect(f"{self.url}_edit", record.pk)
        messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": record.name})
        return redirect(f"{self.url}_list")
