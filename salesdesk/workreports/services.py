"""Writes for work reports (PRF-6, D49); one transaction each.

- Only the author writes their report: create (the period defaults to today's day, week or
  month), edit plan and summary, submit. A draft is editable; a submitted report stays editable
  by its author until someone else has commented on it (then it is what the manager answered).
- Submitting needs a summary and stores the snapshot of the author's figures for the period.
- Periods that have not started yet are refused; one live report per author, kind and period.
- Anyone who sees a submitted report may comment on it (managers, and the author to reply);
  opening it as someone other than the author marks it read by them.
- Deleting moves the report to the recycle bin (the recycle bin's rule: the delete permission
  and write access; an author may also discard their own draft); a restore that would duplicate
  a live report is refused.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.records import require_active
from salesdesk.core.recycle import record_restore, record_soft_delete, recycle_bin
from salesdesk.org.models import User
from salesdesk.workreports import selectors
from salesdesk.workreports.models import (
    ReportKind,
    ReportStatus,
    WorkReport,
    WorkReportComment,
    WorkReportRead,
    period_for,
    period_label,
)
from salesdesk.workreports.numbers import live_numbers

MAX_TEXT = 10_000
MAX_COMMENT = 4_000


class DuplicateReportError(ValidationError):
    """The author already has a live report of this kind for this period (`existing`)."""

    def __init__(self, existing: WorkReport):
        self.existing = existing
        super().__init__(
            {
                "day": [
                    _("You already have a %(kind)s for %(period)s (report #%(id)s).")
                    % {
                        "kind": existing.get_kind_display().lower(),
                        "period": existing.period_label,
                        "id": existing.pk,
                    }
                ]
            },
        )


def _restore_check(report: WorkReport) -> None:
    existing = _live_duplicate(report.owner_id, report.kind, report.period_start, report.pk)
    if existing is not None:
        raise DuplicateReportError(existing)


recycle_bin.register(WorkReport, can_restore=_restore_check)


def _live_duplicate(owner_id: int, kind: str, start: date, exclude_pk=None) -> WorkReport | None:
    qs = WorkReport.objects.filter(owner_id=owner_id, kind=kind, period_start=start)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _own_report(actor: User, pk: int, *, lock: bool = True) -> WorkReport:
    """The actor's own report for a change: DoesNotExist when they cannot see it,
    PermissionDenied when they see it but are not its author."""
    require_active(actor)
    report = selectors.report_detail(actor, pk, lock=lock)
    if report is None:
        raise WorkReport.DoesNotExist
    if report.owner_id != actor.pk:
        raise PermissionDenied(_("Only the author may change a work report."))
    return report


def can_edit(report: WorkReport, actor: User, *, manager_commented: bool | None = None) -> bool:
    """The author may edit a draft, and a submitted report until someone else commented."""
    if report.owner_id != actor.pk or not actor.is_active:
        return False
    if not report.is_submitted:
        return True
    if manager_commented is None:
        manager_commented = (
            report.comments.exclude(author_id=report.owner_id).exists() if report.pk else False
        )
    return not manager_commented


def _clean_texts(report: WorkReport, errors: dict[str, list[str]]) -> None:
    report.plan = (report.plan or "").strip()
    report.summary = (report.summary or "").strip()
    for field in ("plan", "summary"):
        if len(getattr(report, field)) > MAX_TEXT:
            errors[field] = [_("Use at most %(n)d characters.") % {"n": MAX_TEXT}]


def _snapshot(report: WorkReport) -> None:
    if not report.summary:
        raise ValidationError({"summary": [_("Write a summary before submitting the report.")]})
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.numbers = live_numbers(report)


@transaction.atomic
def workreport_create(
    *,
    actor: User,
    kind: str,
    day: date | None = None,
    plan: str = "",
    summary: str = "",
    submit: bool = False,
    request=None,
) -> WorkReport:
    """Start (and optionally submit) the actor's report of `kind` for the period holding `day`
    (default today)."""
    require_active(actor)
    errors: dict[str, list[str]] = {}
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("Select a valid choice.")]})
    if actor.unit_id is None:
        raise ValidationError({"kind": [_("This user does not belong to an org unit.")]})
    start, end = period_for(kind, day or timezone.localdate())
    if start > timezone.localdate():
        errors["day"] = [_("This period has not started yet; report on it when it has.")]
    report = WorkReport(
        owner=actor,
        org_unit_id=actor.unit_id,
        kind=kind,
        period_start=start,
        period_end=end,
        plan=plan,
        summary=summary,
    )
    _clean_texts(report, errors)
    if errors:
        raise ValidationError(errors)
    existing = _live_duplicate(actor.pk, kind, start)
    if existing is not None:
        raise DuplicateReportError(existing)
    if submit:
        _snapshot(report)
    report._history_user = actor
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # a concurrent create of the same period won
        raise DuplicateReportError(_live_duplicate(actor.pk, kind, start)) from None
    return report


@transaction.atomic
def workreport_update(
    *,
    actor: User,
    report: WorkReport,
    expected_version: int | None = None,
    plan: str | None = None,
    summary: str | None = None,
    submit: bool = False,
    request=None,
) -> WorkReport:
    """Change plan and/or summary (the author only, while editable); `submit` also submits."""
    current = _own_report(actor, report.pk)
    check_version(current, expected_version)
    if not can_edit(current, actor):
        raise PermissionDenied(
            _("This report has been commented on by a manager and can no longer be changed.")
        )
    fields = []
    if plan is not None:
        current.plan = plan
        fields.append("plan")
    if summary is not None:
        current.summary = summary
        fields.append("summary")
    errors: dict[str, list[str]] = {}
    _clean_texts(current, errors)
    if errors:
        raise ValidationError(errors)
    if submit and not current.is_submitted:
        _snapshot(current)
        fields += ["status", "submitted_at", "numbers"]
    save_versioned(
        current,
        expected_version=expected_version if expected_version is not None else current.version,
        fields=fields,
        actor=actor,
    )
    return current


def workreport_submit(
    *, actor: User, report: WorkReport, expected_version: int | None = None, request=None
) -> WorkReport:
    """Submit a draft: needs a summary; snapshots the author's figures for the period."""
    current = _own_report(actor, report.pk, lock=False)
    if current.is_submitted:
        raise ValidationError(_("This report has already been submitted."))
    return workreport_update(
        actor=actor, report=current, expected_version=expected_version, submit=True
    )


@transaction.atomic
def workreport_comment(
    *, actor: User, report: WorkReport, text: str, request=None
) -> WorkReportComment:
    """Comment on a submitted report the actor can see (a manager; the author may reply)."""
    require_active(actor)
    current = selectors.report_detail(actor, report.pk)
    if current is None:
        raise WorkReport.DoesNotExist
    if not current.is_submitted:
        raise ValidationError(_("Only submitted reports can be commented on."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write a comment.")]})
    if len(text) > MAX_COMMENT:
        raise ValidationError({"text": [_("Use at most %(n)d characters.") % {"n": MAX_COMMENT}]})
    comment = WorkReportComment.objects.create(report=current, author=actor, text=text)
    if actor.pk != current.owner_id:
        WorkReportRead.objects.get_or_create(report=current, reader=actor)
    return comment


def workreport_mark_read(*, reader: User, report: WorkReport) -> bool:
    """Record that `reader` (not the author) has opened a submitted report; True when new."""
    if reader.pk == report.owner_id or not report.is_submitted or not reader.is_active:
        return False
    _read, created = WorkReportRead.objects.get_or_create(report=report, reader=reader)
    return created


def can_discard(report: WorkReport, actor: User) -> bool:
    """The author may discard their own draft without the delete permission."""
    return report.owner_id == actor.pk and report.status == ReportStatus.DRAFT


def can_delete(report: WorkReport, actor: User) -> bool:
    return actor.is_active and (actor.has_function("can_delete") or can_discard(report, actor))


@transaction.atomic
def workreport_delete(*, actor: User, report: WorkReport, request=None) -> WorkReport:
    """Move a report to the recycle bin: with the delete permission and write access, or the
    author's own draft."""
    require_active(actor)
    current = selectors.report_detail(actor, report.pk)
    if current is None:
        raise WorkReport.DoesNotExist
    return record_soft_delete(
        model=WorkReport,
        pk=report.pk,
        actor=actor,
        request=request,
        permitted=can_discard(current, actor),
    )


def workreport_restore(*, actor: User, report: WorkReport, request=None) -> WorkReport:
    return record_restore(model=WorkReport, pk=report.pk, actor=actor, request=request)


__all__ = [
    "DuplicateReportError",
    "can_delete",
    "can_discard",
    "can_edit",
    "period_label",
    "workreport_comment",
    "workreport_create",
    "workreport_delete",
    "workreport_mark_read",
    "workreport_restore",
    "workreport_submit",
    "workreport_update",
]
