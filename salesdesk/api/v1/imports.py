"""Import and export API (DAT-1): upload and validate, run, status, error report, template, and
the customer export of a list view (scoped, formula-escaped, audited)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from salesdesk.api.errors import errors, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.customers.exports import customer_export
from salesdesk.imports.exporters import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    csv_lines,
    xlsx_tempfile,
)
from salesdesk.imports.models import DuplicatePolicy, ImportJob
from salesdesk.imports.readers import max_file_bytes
from salesdesk.imports.services import (
    import_template,
    job_create,
    job_error_report,
    job_preview,
    job_set_mapping,
    job_start,
    job_status,
)

router = Router(tags=["Import and export"])


class IssueOut(Schema):
    row: int
    column: str
    message: str
    skipped: bool


class PreviewRowOut(Schema):
    row: int
    values: list[str]
    issues: list[IssueOut]


class ImportJobOut(Schema):
    id: int
    entity: str
    file_name: str
    file_format: str
    encoding: str
    headers: list[str]
    mapping: dict[str, str] = Field(description="Column index in the file → field name.")
    duplicate_policy: str
    all_or_nothing: bool
    status: str
    message: str
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    has_error_report: bool
    created_at: datetime
    finished_at: datetime | None


class ImportJobDetailOut(ImportJobOut):
    preview_fields: list[str] = []
    preview: list[PreviewRowOut] = []
    mapping_errors: list[str] = []


class ImportRunIn(Schema):
    mapping: dict[str, str] | None = Field(
        None, description="Replace the mapping first: column index → field name."
    )


def _job_out(job: ImportJob) -> dict:
    job = job_status(job)
    data = {f: getattr(job, f) for f in ImportJobOut.model_fields if hasattr(job, f)}
    data["has_error_report"] = bool(job.error_report_path)
    return data


def _detail(job: ImportJob, actor) -> dict:
    data = _job_out(job)
    if job.status == ImportJob.Status.PREVIEWED:
        preview = job_preview(job=job, actor=actor)
        data["preview_fields"] = preview.fields
        data["mapping_errors"] = preview.mapping_errors
        data["preview"] = [
            {"row": r.number, "values": r.values, "issues": [i.__dict__ for i in r.issues]}
            for r in preview.rows
        ]
    return data


def _job(actor, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, user=actor).first()
    if job is None:
        raise not_found()
    return job


@router.post(
    "/imports",
    response={201: ImportJobDetailOut, **errors(403, 422)},
    summary="Upload a file (xlsx or CSV) and validate it: mapping and preview",
)
def import_job_create(
    request,
    file: File[UploadedFile],
    entity: Form[str] = "customers",
    duplicate_policy: Form[str] = DuplicatePolicy.SKIP,
    all_or_nothing: Form[bool] = True,
):
    if file.size > max_file_bytes():
        raise ValidationError({"file": [_("The file is too large.")]})
    job = job_create(
        actor=request.auth,
        entity=entity,
        file_name=file.name or "upload",
        data=file.read(),
        duplicate_policy=duplicate_policy,
        all_or_nothing=all_or_nothing,
    )
    return Status(201, _detail(job, request.auth))


@router.get(
    "/imports",
    response={200: page_of(ImportJobOut), **errors(422)},
    summary="My imports, newest first",
)
def import_job_list(request, params: Query[PageParams]):
    page = paginate(ImportJob.objects.filter(user=request.auth), params)
    page["items"] = [_job_out(job) for job in page["items"]]
    return page


@router.get(
    "/imports/{job_id}",
    response={200: ImportJobDetailOut, **errors(404)},
    summary="An import's status and progress (and its preview before it runs)",
)
def import_job_detail(request, job_id: int):
    return _detail(_job(request.auth, job_id), request.auth)


@router.post(
    "/imports/{job_id}/run",
    response={200: ImportJobOut, **errors(404, 422)},
    summary="Run a validated import (small files at once, large ones as a job)",
)
def import_job_run(request, job_id: int, payload: ImportRunIn | None = None):
    job = _job(request.auth, job_id)
    if payload is not None and payload.mapping is not None:
        job = job_set_mapping(job=job, actor=request.auth, mapping=payload.mapping)
    job = job_start(job=job, actor=request.auth)
    return _job_out(job)


@router.get(
    "/imports/{job_id}/errors",
    response={200: None, **errors(404, 422)},
    summary="The row-level error report (xlsx or csv)",
)
def import_job_errors(request, job_id: int, format: str = "xlsx"):
    job = _job(request.auth, job_id)
    if format not in ("xlsx", "csv"):
        raise ValidationError({"format": [_("Select a valid choice.")]})
    body, name = job_error_report(job=job, actor=request.auth, file_format=format)
    return _download(body, name, format)


@router.get(
    "/imports/templates/{entity}",
    response={200: None, **errors(404)},
    summary="The xlsx template of an import: headers, an example row, allowed values",
)
def import_template_download(request, entity: str):
    try:
        body, name = import_template(entity)
    except ValidationError:
        raise not_found() from None
    return _download(body, name, "xlsx")


def _download(body: bytes, name: str, file_format: str) -> HttpResponse:
    response = HttpResponse(
        body, content_type=XLSX_CONTENT_TYPE if file_format == "xlsx" else CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ExportFilters(Schema):
    format: str = Field("xlsx", description="xlsx or csv.")
    view: str = "all"
    q: str | None = None
    sort: str = ""
    level: list[str] = []
    kind: list[str] = []
    source: list[str] = []
    industry: list[str] = []
    province: str | None = None
    city: str | None = None
    region: str | None = None
    owner: int | None = None
    tag: list[int] = []


@router.get(
    "/customers/export",
    response={200: None, **errors(403, 422)},
    summary="Export the customers of a list view (needs the export permission)",
)
def customer_export_file(request, filters: Query[ExportFilters]):
    if filters.format not in ("xlsx", "csv"):
        raise ValidationError({"format": [_("Select a valid choice.")]})
    selected = {
        k: v
        for k, v in filters.dict().items()
        if k in ("level", "kind", "source", "industry", "province", "city", "region", "owner")
        and v not in (None, "", [])
    }
    if filters.tag:
        selected["tags"] = filters.tag
    headers, rows, _count = customer_export(
        actor=request.auth,
        view=filters.view,
        q=filters.q or "",
        filters=selected,
        sort=filters.sort,
        file_format=filters.format,
        request=request,
    )
    return export_response(headers, rows, "customers", filters.format)


def export_response(headers, rows, stem: str, file_format: str):
    """A streamed CSV or a constant-memory xlsx as a download."""
    from django.http import FileResponse
    from django.utils import timezone

    name = f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in csv_lines(headers, rows)),
            content_type=CSV_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    handle, _rows = xlsx_tempfile(stem, headers, rows)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
