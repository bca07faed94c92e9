"""Work report pages (PRF-6, D49): list with tabs (mine / my team / unread) and filters, form
with the live numbers, detail with the numbers, the comment thread (htmx) and who read it, and
the "not yet submitted" overview for managers.

Transport only: reads through salesdesk.workreports.selectors (scoped), writes through its
services. Out of scope (or another person's draft) → 404; visible but not the author → 403.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesdesk.web.access import require
from salesdesk.web.forms import apply_service_error, save_through_service
from salesdesk.web.forms import errors_to_messages as _errors_to_messages
from salesdesk.web.lists import parse_int as _int
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.workreports.forms import WorkReportForm
from salesdesk.workreports import selectors, services
from salesdesk.workreports.models import ReportKind, WorkReport, period_for
from salesdesk.workreports.numbers import numbers_table


def _report_or_404(user, pk: int) -> WorkReport:
    report = selectors.report_detail(user, pk)
    if report is None:
        raise Http404
    return report


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def workreport_list(request):
    user = request.user
    params = request.GET
    team = selectors.has_team(user)
    tab = params.get("tab", "mine")
    if tab not in selectors.TABS or (tab != "mine" and not team):
        tab = "mine"
    filters = {
        "kind": params.get("kind", "") if params.get("kind") in ReportKind.values else "",
        "on": _date(params.get("on")),
        "author": _int(params.get("author")) if tab != "mine" else None,
    }
    page = paginate(request, selectors.report_list(user, tab=tab, **filters))
    context = {
        "page": page,
        "reports": page.object_list,
        "tab": tab,
        "has_team": team,
        "unread": selectors.unread_count(user) if team else 0,
        "filters": filters,
        "kinds": ReportKind.choices,
        "authors": list(selectors.team_members(user)[:500]) if team and tab != "mine" else [],
        "page_query": query_without(request, "page"),
        "is_filtered": any(v for v in filters.values()),
    }
    return render(request, "workreports/list.html", context)


def _form_page(request, report: WorkReport | None):
    user = request.user
    today = timezone.localdate()
    if report is None:
        kind = request.GET.get("kind") if request.GET.get("kind") in ReportKind.values else "daily"
        initial = {"kind": kind, "day": _date(request.GET.get("day")) or today}
    else:
        initial = {"plan": report.plan, "summary": report.summary, "version": report.version}
    form = WorkReportForm(request.POST or None, initial=initial, editing=report is not None)
    conflict = None
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submit = "submit" in request.POST
        if report is None:
            try:
                created = services.workreport_create(
                    actor=user,
                    kind=data["kind"],
                    day=data["day"],
                    plan=data["plan"],
                    summary=data["summary"],
                    submit=submit,
                    request=request,
                )
            except services.DuplicateReportError as exc:
                duplicate = exc.existing
                apply_service_error(form, exc)
            except (ValidationError, PermissionDenied) as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("The report was saved."))
                return redirect("web:workreport_detail", created.pk)
        else:
            saved, conflict = save_through_service(
                form,
                lambda: services.workreport_update(
                    actor=user,
                    report=report,
                    expected_version=data["version"],
                    plan=data["plan"],
                    summary=data["summary"],
                    submit=submit,
                    request=request,
                ),
            )
            if saved:
                messages.success(request, _("The report was saved."))
                return redirect("web:workreport_detail", report.pk)
    if report is not None:
        preview = report
    else:
        kind = form["kind"].value() or "daily"
        kind = kind if kind in ReportKind.values else "daily"
        day = _date(str(form["day"].value() or "")) or today
        start, end = period_for(kind, day)
        preview = WorkReport(owner=user, kind=kind, period_start=start, period_end=end)
    context = {
        "form": form,
        "report": report,
        "preview": preview,
        "numbers": numbers_table(preview),
        "conflict": conflict,
        "duplicate": duplicate,
    }
    return render(request, "workreports/form.html", context, status=409 if conflict else 200)


@login_required
def workreport_create(request):
    return _form_page(request, None)


@login_required
def workreport_edit(request, pk: int):
    report = _report_or_404(request.user, pk)
    if not services.can_edit(report, request.user):
        raise PermissionDenied
    return _form_page(request, report)


@login_required
def workreport_detail(request, pk: int):
    user = request.user
    report = _report_or_404(user, pk)
    services.workreport_mark_read(reader=user, report=report)
    comments = selectors.report_comments(report)
    manager_commented = any(c.author_id != report.owner_id for c in comments)
    context = {
        "report": report,
        "numbers": numbers_table(report),
        "comments": comments,
        "reads": selectors.report_reads(report),
        "is_author": report.owner_id == user.pk,
        "can_edit": services.can_edit(report, user, manager_commented=manager_commented),
        "can_comment": report.is_submitted and user.is_active,
        "can_delete": services.can_delete(report, user),
        "uses_recycle_bin": user.has_function("can_delete"),
    }
    return render(request, "workreports/detail.html", context)


@login_required
@require_POST
def workreport_submit(request, pk: int):
    report = _report_or_404(request.user, pk)
    try:
        services.workreport_submit(
            actor=request.user,
            report=report,
            expected_version=_int(request.POST.get("version")),
            request=request,
        )
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied) and report.owner_id != request.user.pk:
            raise
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("The report was submitted."))
    return redirect("web:workreport_detail", report.pk)


@login_required
@require_POST
def workreport_comment(request, pk: int):
    user = request.user
    report = _report_or_404(user, pk)
    error = ""
    try:
        services.workreport_comment(
            actor=user, report=report, text=request.POST.get("text", ""), request=request
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(reverse("web:workreport_detail", args=[report.pk]) + "#comments")
    context = {
        "report": report,
        "comments": selectors.report_comments(report),
        "can_comment": True,
        "comment_error": error,
    }
    return render(request, "workreports/_comments.html", context, status=422 if error else 200)


@login_required
@require_POST
def workreport_delete(request, pk: int):
    report = _report_or_404(request.user, pk)
    try:
        services.workreport_delete(actor=request.user, report=report, request=request)
    except WorkReport.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("The report was moved to the recycle bin."))
    return redirect("web:workreport_list")


@require(selectors.has_team)
def workreport_missing(request):
    overview = selectors.missing_overview(request.user, today=timezone.localdate())
    return render(request, "workreports/missing.html", {"overview": overview})
