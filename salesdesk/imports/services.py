"""Import jobs (DAT-1): upload → mapping → preview → run → result with an error report.

- `job_create` stores the upload, reads its header, maps the columns automatically and counts rows.
- `job_preview` validates the first rows (duplicate check included) without writing anything.
- `job_set_mapping` checks and saves an edited mapping.
- `job_start` runs small files inline and queues larger ones as a Huey job (`tasks.import_job_run`).
- `job_execute` does the work: all-or-nothing (one transaction, rolled back if any row fails) or
  "import the valid rows" (one transaction per batch). Progress goes to the job row, and to the
  cache while one long transaction hides it from other connections.
Every row ends up created, updated, skipped (with its reason) or reported as an error.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesdesk.core.dbstats import refresh_statistics
from salesdesk.imports.exporters import csv_bytes, xlsx_bytes
from salesdesk.imports.mapping import auto_mapping, clean_mapping
from salesdesk.imports.models import DuplicatePolicy, ImportJob
from salesdesk.imports.parallel import Prepared, prepare_batch, prepared_batches
from salesdesk.imports.readers import ImportFileError, Table, check_size, max_cell_chars, read_table
from salesdesk.imports.registry import BatchResult, EntityAdapter, RowIssue, registry

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
STATISTICS_AFTER_ROWS = 10_000


def inline_rows() -> int:
    """Files with at most this many rows run inline; larger ones run as a background job."""
    return int(getattr(settings, "SALESDESK_IMPORT_INLINE_ROWS", 2000))


def import_dir() -> Path:
    return Path(getattr(settings, "SALESDESK_IMPORT_DIR", Path(settings.DATA_DIR) / "imports"))


def _safe_name(name: str) -> str:
    name = Path(str(name or "upload")).name
    return re.sub(r"[^\w.\-]+", "_", name)[-120:] or "upload"


def _language(user, job: ImportJob | None = None) -> str:
    """Messages of a job are in the language it was started in (a worker has none active)."""
    if job is not None and job.language:
        return job.language
    return translation.get_language() or getattr(user, "language", "") or settings.LANGUAGE_CODE


# --- create, map, preview -------------------------------------------------------------------


def job_create(
    *,
    actor,
    entity: str,
    file_name: str,
    data: bytes,
    duplicate_policy: str = DuplicatePolicy.SKIP,
    all_or_nothing: bool = True,
) -> ImportJob:
    """Store an upload and read its header. A file that cannot be read gives a failed job whose
    message says why (it stays in the history); nothing is imported at this step."""
    adapter = registry.get(entity)
    if not adapter.can_import(actor):
        raise PermissionDenied(_("You do not have permission to import these records."))
    if duplicate_policy not in DuplicatePolicy.values:
        raise ValidationError({"duplicate_policy": _("Select a valid choice.")})
    check_size(len(data or b"x")) if data else None
    job = ImportJob(
        user=actor,
        entity=entity,
        file_name=str(file_name or "upload")[:255],
        file_size=len(data or b""),
        duplicate_policy=duplicate_policy,
        all_or_nothing=all_or_nothing,
        status=ImportJob.Status.VALIDATING,
        language=_language(actor)[:10],
    )
    folder = import_dir() / str(job.uuid)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(file_name)
    path.write_bytes(data or b"")
    job.file_path = str(path)
    try:
        table = read_table(data or b"", file_name)
    except ImportFileError as exc:
        job.status = ImportJob.Status.FAILED
        job.message = exc.message[:500]
        job.finished_at = timezone.now()
        job.save()
        return job
    job.file_format = table.format
    job.encoding = table.encoding
    job.headers = table.headers
    job.mapping = auto_mapping(adapter, table.headers)
    job.total_rows = len(table.rows)
    job.status = ImportJob.Status.PREVIEWED
    if not table.rows:
        job.status = ImportJob.Status.FAILED
        job.message = _("The file has a header row but no data rows.")
        job.finished_at = timezone.now()
    job.save()
    return job


def job_set_mapping(*, job: ImportJob, actor, mapping: dict) -> ImportJob:
    _check_owner(job, actor)
    if job.status != ImportJob.Status.PREVIEWED:
        raise ValidationError(_("This import has already started; its mapping cannot change."))
    job.mapping = clean_mapping(registry.get(job.entity), job.headers, mapping)
    job.save(update_fields=["mapping"])
    return job


def _check_owner(job: ImportJob, actor) -> None:
    if job.user_id != actor.pk:
        raise ImportJob.DoesNotExist


def _read(job: ImportJob) -> Table:
    return read_table(Path(job.file_path).read_bytes(), job.file_name)


def _mapped_rows(table: Table, mapping: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    pairs = [(int(i), f) for i, f in mapping.items()]
    result = []
    for number, cells in table.rows:
        values = {}
        for index, field_name in pairs:
            values[field_name] = cells[index].strip() if index < len(cells) else ""
        result.append((number, values))
    return result


def _column_names(job: ImportJob, adapter: EntityAdapter) -> dict[str, str]:
    names = {f: job.headers[int(i)] for i, f in job.mapping.items() if int(i) < len(job.headers)}
    for column in adapter.columns:
        names.setdefault(column.field, str(column.label))
    return names


def _process(adapter, job, batch: Prepared, *, state, dry_run, names) -> BatchResult:
    rows, long_cells, prepared = batch
    options = {"prepared": prepared} if prepared is not None else {}
    result = adapter.process(
        rows,
        actor=job.user,
        policy=job.duplicate_policy,
        state=state,
        dry_run=dry_run,
        column_names=names,
        **options,
    )
    result.issues.extend(long_cells)
    return result


@dataclass
class PreviewRow:
    number: int
    values: list[str]
    issues: list[RowIssue]


@dataclass
class Preview:
    fields: list[str]
    labels: list[str]
    rows: list[PreviewRow]
    mapping_errors: list[str]


def job_preview(*, job: ImportJob, actor, limit: int = PREVIEW_ROWS) -> Preview:
    """The first rows, mapped and validated (duplicate check included); nothing is written."""
    _check_owner(job, actor)
    adapter = registry.get(job.entity)
    mapping_errors: list[str] = []
    try:
        clean_mapping(adapter, job.headers, job.mapping)
    except ValidationError as exc:
        mapping_errors = [str(m) for m in exc.messages]
    fields = [c.field for c in adapter.columns if c.field in job.mapping.values()]
    labels = [str(adapter.column(f).label) for f in fields]
    if job.status == ImportJob.Status.FAILED and not job.headers:
        return Preview(fields, labels, [], mapping_errors)
    try:
        table = _read(job)
    except (ImportFileError, OSError):
        return Preview(fields, labels, [], [_("The uploaded file can no longer be read.")])
    rows = _mapped_rows(table, job.mapping)[:limit]
    issues: dict[int, list[RowIssue]] = {}
    if not mapping_errors:
        with translation.override(_language(actor, job)):
            state = adapter.begin(actor=actor, policy=job.duplicate_policy)
            names = _column_names(job, adapter)
            batch = prepare_batch(adapter, rows, names, max_cell_chars())
            result = _process(adapter, job, batch, state=state, dry_run=True, names=names)
        for issue in result.issues:
            issues.setdefault(issue.row, []).append(issue)
    return Preview(
        fields,
        labels,
        [
            PreviewRow(number, [values.get(f, "") for f in fields], issues.get(number, []))
            for number, values in rows
        ],
        mapping_errors,
    )


# --- run ------------------------------------------------------------------------------------


def job_start(*, job: ImportJob, actor) -> ImportJob:
    """Run the import: inline for small files, else queued as a background job."""
    _check_owner(job, actor)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.PREVIEWED:
            raise ValidationError(_("This import has already been run."))
        clean_mapping(registry.get(job.entity), job.headers, job.mapping)
        job.status = ImportJob.Status.QUEUED
        job.save(update_fields=["status"])
    if job.total_rows <= inline_rows():
        job_execute(job.pk)
    else:
        from salesdesk.imports.tasks import import_job_run

        transaction.on_commit(lambda: import_job_run(job.pk))
    job.refresh_from_db()
    return job


def _cache_key(job_id: int) -> str:
    return f"salesdesk:import-job:{job_id}"


PROGRESS_FIELDS = (
    "status",
    "processed_rows",
    "created_count",
    "updated_count",
    "skipped_count",
    "error_count",
)


def _progress(job: ImportJob, *, in_transaction: bool) -> None:
    cache.set(_cache_key(job.pk), {f: getattr(job, f) for f in PROGRESS_FIELDS}, 3600)
    if not in_transaction:
        ImportJob.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in PROGRESS_FIELDS})


def job_status(job: ImportJob) -> ImportJob:
    """The job with its latest progress (the cache holds it during an all-or-nothing run)."""
    if job.status in (ImportJob.Status.RUNNING, ImportJob.Status.QUEUED):
        live = cache.get(_cache_key(job.pk))
        if live and live.get("processed_rows", 0) >= job.processed_rows:
            for name, value in live.items():
                setattr(job, name, value)
    return job


class _Rollback(Exception):
    pass


def job_execute(job_id: int) -> ImportJob:
    """Do the import of one job (in the web process for small files, in a worker otherwise)."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job
    with translation.override(_language(job.user, job)):
        try:
            _execute(job)
        except Exception:
            logger.exception("Import job %s failed", job.pk)
            job.status = ImportJob.Status.FAILED
            job.message = _("The import stopped because of an unexpected error. Nothing was lost.")
            job.created_count = job.updated_count = 0
        job.finished_at = timezone.now()
        job.save()
        cache.delete(_cache_key(job.pk))
    return job


def _execute(job: ImportJob) -> None:
    adapter = registry.get(job.entity)
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.processed_rows = job.created_count = job.updated_count = 0
    job.skipped_count = job.error_count = 0
    job.save()
    try:
        table = _read(job)
    except (ImportFileError, OSError) as exc:
        job.status = ImportJob.Status.FAILED
        job.message = getattr(exc, "message", _("The uploaded file can no longer be read."))
        return
    rows = _mapped_rows(table, job.mapping)
    job.total_rows = len(rows)
    names = _column_names(job, adapter)
    state = adapter.begin(actor=job.user, policy=job.duplicate_policy)
    total = BatchResult()
    size = adapter.batch_size

    def run_batches(in_transaction: bool) -> None:
        batches = [rows[start : start + size] for start in range(0, len(rows), size)]
        done = 0
        for batch in prepared_batches(adapter, batches, names):
            if in_transaction:
                result = _process(adapter, job, batch, state=state, dry_run=False, names=names)
            else:
                with transaction.atomic():
                    result = _process(adapter, job, batch, state=state, dry_run=False, names=names)
            total.add(result)
            done += size
            job.processed_rows = min(len(rows), done)
            job.created_count, job.updated_count = total.created, total.updated
            job.skipped_count, job.error_count = total.skipped, len(total.error_rows)
            _progress(job, in_transaction=in_transaction)

    if job.all_or_nothing:
        try:
            with transaction.atomic():
                run_batches(True)
                if total.error_rows:
                    raise _Rollback
        except _Rollback:
            job.created_count = job.updated_count = job.skipped_count = 0
    else:
        run_batches(False)
    errors = len(total.error_rows)
    job.error_count = errors
    if job.created_count + job.updated_count >= STATISTICS_AFTER_ROWS:
        refresh_statistics(light=True)  # a large import changes what the planner should assume
    if total.issues:
        job.error_report_path = _write_issues(job, total.issues)
    if job.all_or_nothing and errors:
        job.status = ImportJob.Status.FAILED
        job.message = _(
            "Nothing was imported: %(count)s rows have errors. Correct them and import the file "
            "again, or choose to import only the valid rows."
        ) % {"count": errors}
    else:
        job.status = ImportJob.Status.DONE
        job.message = _(
            "%(created)s created, %(updated)s updated, %(skipped)s skipped, %(errors)s rows with "
            "errors."
        ) % {
            "created": job.created_count,
            "updated": job.updated_count,
            "skipped": job.skipped_count,
            "errors": errors,
        }


# --- error report ---------------------------------------------------------------------------


def _write_issues(job: ImportJob, issues: list[RowIssue]) -> str:
    path = Path(job.file_path).parent / "issues.json"
    ordered = sorted(issues, key=lambda i: (i.row, i.skipped, i.column))
    path.write_text(
        json.dumps([[i.row, i.column, i.message, i.skipped] for i in ordered], ensure_ascii=False),
        encoding="utf-8",
    )
    return str(path)


def job_issues(job: ImportJob) -> list[RowIssue]:
    if not job.error_report_path:
        return []
    try:
        data = json.loads(Path(job.error_report_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [RowIssue(row, column, message, skipped) for row, column, message, skipped in data]


def job_error_report(*, job: ImportJob, actor, file_format: str = "xlsx") -> tuple[bytes, str]:
    """The row-level problems as xlsx or CSV: row, column, problem, kind, then the row's cells."""
    _check_owner(job, actor)
    issues = job_issues(job)
    cells: dict[int, list[str]] = {}
    if issues:
        try:
            cells = dict(_read(job).rows)
        except (ImportFileError, OSError):
            cells = {}
    headers = [_("Row"), _("Column"), _("Problem"), _("Result"), *job.headers]
    rows = [
        [
            issue.row,
            issue.column,
            issue.message,
            _("Skipped") if issue.skipped else _("Error"),
            *cells.get(issue.row, []),
        ]
        for issue in issues
    ]
    stem = Path(job.file_name).stem or "import"
    if file_format == "csv":
        return csv_bytes(headers, rows), f"{stem}-errors.csv"
    return xlsx_bytes([(_("Errors"), headers, rows)]), f"{stem}-errors.xlsx"


def job_delete_files(job: ImportJob) -> None:
    shutil.rmtree(Path(job.file_path).parent, ignore_errors=True)


# --- template -------------------------------------------------------------------------------


def import_template(entity: str) -> tuple[bytes, str]:
    """An xlsx with the headers, an example row, and a sheet of allowed values per column."""
    adapter = registry.get(entity)
    headers = [str(c.label) + (" *" if c.required else "") for c in adapter.columns]
    example = [c.example for c in adapter.columns]
    allowed = []
    for column in adapter.columns:
        if column.choices:
            for code, label in column.choices():
                allowed.append([str(column.label), code, str(label)])
        elif column.help:
            allowed.append([str(column.label), "", str(column.help)])
    sheets = [
        (str(adapter.label), headers, [example]),
        (_("Allowed values"), [_("Column"), _("Code"), _("Meaning")], allowed),
    ]
    return xlsx_bytes(sheets), f"{adapter.key}-template.xlsx"
