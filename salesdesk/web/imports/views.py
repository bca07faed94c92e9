"""Import wizard (upload → mapping and preview → run → progress → result), import history,
template and error-report downloads, and the customer export of the current list view."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.api.v1.imports import export_response
from salesdesk.customers.exports import can_export
from salesdesk.customers.exports import customer_export as export_customers
from salesdesk.imports.exporters import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from salesdesk.imports.models import DuplicatePolicy, ImportJob
from salesdesk.imports.readers import max_file_bytes
from salesdesk.imports.registry import registry
from salesdesk.imports.services import (
    import_template,
    job_create,
    job_error_report,
    job_issues,
    job_preview,
    job_set_mapping,
    job_start,
    job_status,
)
from salesdesk.web.forms import StyledFormMixin
from salesdesk.web.lists import selected_ids
from salesdesk.web.pagination import paginate


class UploadForm(StyledFormMixin, forms.Form):
    entity = forms.ChoiceField(label=gettext_lazy("Records"), choices=())
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel (.xlsx) or CSV (UTF-8 or GB18030)."),
    )
    duplicate_policy = forms.ChoiceField(
        label=gettext_lazy("When a record already exists"),
        choices=DuplicatePolicy.choices,
        initial=DuplicatePolicy.SKIP,
    )
    all_or_nothing = forms.BooleanField(
        label=gettext_lazy("Import nothing if any row has an error"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Untick to import the valid rows and report the others."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [(a.key, a.label) for a in registry.adapters()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_file_bytes():
            raise ValidationError(
                _("The file is too large; the limit is %(limit)s MiB.")
                % {"limit": max_file_bytes() // (1024 * 1024)}
            )
        return upload


def _job(request, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk, user=request.user).first()
    if job is None:
        raise Http404
    return job_status(job)


@login_required
def import_list(request):
    page = paginate(request, ImportJob.objects.filter(user=request.user))
    return render(request, "imports/list.html", {"page": page, "jobs": page.object_list})


@login_required
def import_new(request):
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"entity": request.GET.get("entity", "customers")},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = job_create(
                actor=request.user,
                entity=form.cleaned_data["entity"],
                file_name=upload.name,
                data=upload.read(),
                duplicate_policy=form.cleaned_data["duplicate_policy"],
                all_or_nothing=form.cleaned_data["all_or_nothing"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("web:import_detail", pk=job.pk)
    return render(request, "imports/new.html", {"form": form})


@login_required
def import_detail(request, pk: int):
    job = _job(request, pk)
    adapter = registry.get(job.entity)
    context = {"job": job, "adapter": adapter}
    if job.status == ImportJob.Status.PREVIEWED:
        preview = job_preview(job=job, actor=request.user)
        context.update(
            preview=preview,
            columns=[
                (str(i), header, job.mapping.get(str(i), ""))
                for i, header in enumerate(job.headers)
            ],
            fields=[(c.field, c.label, c.required) for c in adapter.columns],
        )
    elif job.is_finished:
        context["issues"] = job_issues(job)[:50]
    return render(request, "imports/detail.html", context)


@login_required
@require_POST
def import_mapping(request, pk: int):
    job = _job(request, pk)
    mapping = {
        key[len("col_") :]: value
        for key, value in request.POST.items()
        if key.startswith("col_") and value
    }
    try:
        job_set_mapping(job=job, actor=request.user, mapping=mapping)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("web:import_detail", pk=job.pk)


@login_required
@require_POST
def import_run(request, pk: int):
    job = _job(request, pk)
    try:
        job_start(job=job, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("web:import_detail", pk=job.pk)


@login_required
def import_progress(request, pk: int):
    job = _job(request, pk)
    response = render(request, "imports/progress.html", {"job": job})
    if job.is_finished and request.htmx:
        # The result page shows the counts and the error report.
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_errors(request, pk: int, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    job = _job(request, pk)
    body, name = job_error_report(job=job, actor=request.user, file_format=fmt)
    response = HttpResponse(
        body, content_type=XLSX_CONTENT_TYPE if fmt == "xlsx" else CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def import_template_download(request, entity: str):
    try:
        body, name = import_template(entity)
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _list_params(request):
    """The customer list's view, search, filters and sort from its query string."""
    params = request.GET
    view, q, sort, filters = params.get("view", "all"), params.get("q", ""), "", {}
    try:
        from salesdesk.web.customers import views as list_views
        from salesdesk.web.customers.forms import CustomerFilterForm

        form = CustomerFilterForm(params, actor=request.user)
        form.is_valid()
        filters = form.selector_filters()
        q = (form.cleaned_data.get("q") or "").strip() if "q" not in form.errors else ""
        key = params.get("sort", list_views.DEFAULT_SORT)
        name = key.lstrip("-")
        if name in list_views.SORTS:
            sort = ("-" if key.startswith("-") else "") + list_views.SORTS[name][0]
    except ImportError:  # pragma: no cover - the list page ships with the customers app
        sort = params.get("sort", "")
    return view, q, filters, sort


@login_required
def customer_export(request):
    if not can_export(request.user):
        raise PermissionDenied
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        fmt = "xlsx"
    view, q, filters, sort = _list_params(request)
    # "Export selected" of the list's bulk bar posts the chosen rows (ids).
    selected = request.method == "POST" or "ids" in request.GET
    headers, rows, _count = export_customers(
        actor=request.user,
        view=view,
        q=q,
        filters=filters,
        sort=sort,
        file_format=fmt,
        ids=selected_ids(request) if selected else None,
        request=request,
    )
    return export_response(headers, rows, "customers", fmt)
