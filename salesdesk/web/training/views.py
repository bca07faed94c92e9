"""Training pages (PRF-5): the program list, a program with its sessions and assessment scores,
a session with its attendance and score grid, "My training" and the effect page.

Transport only: reads through salesdesk.training.selectors (attendance scoped by the person),
writes through salesdesk.training.services. Writing needs `can_manage_training` (403 before
anything is read); people outside the actor's scope are refused by the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesdesk.metrics.definitions import METRICS
from salesdesk.org.permissions import can_manage_training
from salesdesk.training import effect as fx
from salesdesk.training import selectors, services
from salesdesk.training.models import AttendanceStatus, ProgramStatus
from salesdesk.web.access import require
from salesdesk.web.forms import apply_service_error, errors_to_messages, save_through_service
from salesdesk.web.lists import parse_int, sort_columns
from salesdesk.web.pagination import paginate, query_without
from salesdesk.web.training.forms import ProgramForm, SessionForm

DEFAULT_METRIC = "signed_amount"


def _program_or_404(pk: int):
    program = selectors.program(pk)
    if program is None:
        raise Http404
    return program


def _session_or_404(pk: int):
    session = selectors.session(pk)
    if session is None:
        raise Http404
    return session


# ---- programs --------------------------------------------------------------------------------


@login_required
def program_list(request):
    params = request.GET
    sorts = {
        "title": _("Title"),
        "topic": _("Topic"),
        "status": _("Status"),
        "first_session": _("First session"),
        "created": _("Created"),
    }
    sort, columns = sort_columns(request, sorts, "-created")
    search = params.get("q", "").strip()[:100]
    status = params.get("status", "") if params.get("status") in ProgramStatus.values else ""
    page = paginate(request, selectors.program_list(search=search, status=status, sort=sort))
    context = {
        "page": page,
        "programs": page.object_list,
        "columns": columns,
        "search": search,
        "status": status,
        "statuses": ProgramStatus.choices,
        "is_filtered": bool(search or status),
        "page_query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "can_manage": can_manage_training(request.user),
    }
    return render(request, "training/programs.html", context)


def _program_form_page(request, form, *, program=None, conflict=None):
    status = 409 if conflict else (422 if form.errors else 200)
    return render(
        request,
        "training/program_form.html",
        {"form": form, "program": program, "conflict": conflict},
        status=status,
    )


@require(can_manage_training)
def program_create(request):
    form = ProgramForm(
        request.POST or None, user=request.user, initial={"status": ProgramStatus.PLANNED}
    )
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create(
                actor=request.user, request=request, **form.service_fields()
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request, _("Training program “%(title)s” created.") % {"title": program}
            )
            return redirect("web:training_program_detail", program.pk)
    return _program_form_page(request, form)


@require(can_manage_training)
def program_edit(request, pk: int):
    program = _program_or_404(pk)
    if not services.can_change_program(request.user, program):
        raise PermissionDenied
    initial = {
        "title": program.title,
        "topic": program.topic,
        "status": program.status,
        "owner_unit": program.owner_unit_id,
        "description": program.description,
        "version": program.version,
    }
    form = ProgramForm(request.POST or None, user=request.user, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_through_service(
            form,
            lambda: services.program_update(
                actor=request.user,
                program=program,
                expected_version=form.cleaned_data["version"],
                request=request,
                **form.service_fields(),
            ),
        )
        if saved:
            messages.success(request, _("The training program was saved."))
            return redirect("web:training_program_detail", program.pk)
    return _program_form_page(request, form, program=program, conflict=conflict)


@require(can_manage_training)
@require_POST
def program_delete(request, pk: int):
    program = _program_or_404(pk)
    try:
        services.program_delete(actor=request.user, program=program, request=request)
    except PermissionDenied as exc:
        errors_to_messages(request, exc)
        return redirect("web:training_program_detail", program.pk)
    messages.success(request, _("The training program was moved to the recycle bin."))
    return redirect("web:training_list")


@login_required
def program_detail(request, pk: int):
    program = _program_or_404(pk)
    context = {
        "program": program,
        "sessions": selectors.program_sessions(program),
        "scores": selectors.program_scores(request.user, program),
        "can_change": services.can_change_program(request.user, program),
        "can_delete": request.user.has_function("can_delete"),
    }
    return render(request, "training/program_detail.html", context)


# ---- sessions --------------------------------------------------------------------------------


def _session_form_page(request, form, *, program, session=None, conflict=None):
    status = 409 if conflict else (422 if form.errors else 200)
    context = {"form": form, "program": program, "session": session, "conflict": conflict}
    return render(request, "training/session_form.html", context, status=status)


@require(can_manage_training)
def session_create(request, pk: int):
    program = _program_or_404(pk)
    if not services.can_change_program(request.user, program):
        raise PermissionDenied
    form = SessionForm(request.POST or None, initial={"title": program.title})
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                actor=request.user, program=program, request=request, **form.service_fields()
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The session was added."))
            return redirect("web:training_session_detail", session.pk)
    return _session_form_page(request, form, program=program)


@require(can_manage_training)
def session_edit(request, pk: int):
    session = _session_or_404(pk)
    if not services.can_change_program(request.user, session.program):
        raise PermissionDenied
    initial = {
        "title": session.title,
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(session.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "trainer": session.trainer_id,
        "trainer_name": session.trainer_name,
        "location": session.location,
        "online_link": session.online_link,
        "capacity": session.capacity,
        "version": session.version,
    }
    form = SessionForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_through_service(
            form,
            lambda: services.session_update(
                actor=request.user,
                session=session,
                expected_version=form.cleaned_data["version"],
                request=request,
                **form.service_fields(),
            ),
        )
        if saved:
            messages.success(request, _("The session was saved."))
            return redirect("web:training_session_detail", session.pk)
    return _session_form_page(
        request, form, program=session.program, session=session, conflict=conflict
    )


@require(can_manage_training)
@require_POST
def session_delete(request, pk: int):
    session = _session_or_404(pk)
    program = session.program
    try:
        services.session_delete(actor=request.user, session=session, request=request)
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
        return redirect("web:training_session_detail", session.pk)
    messages.success(request, _("The session was deleted."))
    return redirect("web:training_program_detail", program.pk)


@login_required
def session_detail(request, pk: int):
    user = request.user
    session = _session_or_404(pk)
    can_change = services.can_change_program(user, session.program)
    rows = selectors.session_attendance(user, session)
    context = {
        "session": session,
        "program": session.program,
        "rows": rows,
        "statuses": AttendanceStatus.choices,
        "can_change": can_change,
        "invitable": list(selectors.invitable_people(user, session)[:500]) if can_change else [],
    }
    return render(request, "training/session_detail.html", context)


@require(can_manage_training)
@require_POST
def session_invite(request, pk: int):
    session = _session_or_404(pk)
    ids = [i for i in (parse_int(v) for v in request.POST.getlist("users")) if i is not None]
    try:
        result = services.attendance_invite(
            actor=request.user, session=session, user_ids=ids, request=request
        )
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(request, _("%(count)s people invited.") % {"count": result.invited})
    return redirect("web:training_session_detail", session.pk)


@require(can_manage_training)
@require_POST
def session_record(request, pk: int):
    """The attendance grid: one row per `row` user id, cells named `<field>-<user id>`."""
    session = _session_or_404(pk)
    post = request.POST
    rows = []
    for user_id in (parse_int(v) for v in post.getlist("row")):
        if user_id is None:
            continue
        rows.append(
            services.AttendanceRow(
                user_id=user_id,
                status=post.get(f"status-{user_id}"),
                pre_score=post.get(f"pre-{user_id}", ""),
                post_score=post.get(f"post-{user_id}", ""),
                feedback=post.get(f"feedback-{user_id}", ""),
                clear_scores=True,
            )
        )
    try:
        services.attendance_record(actor=request.user, session=session, rows=rows, request=request)
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
    else:
        messages.success(request, _("Attendance and scores were saved."))
    return redirect(reverse("web:training_session_detail", args=[session.pk]) + "#attendance")


@login_required
def my_training(request):
    return render(request, "training/mine.html", {"rows": selectors.my_attendance(request.user)})


# ---- effect ----------------------------------------------------------------------------------


@login_required
def program_effect(request, pk: int):
    program = _program_or_404(pk)
    metric = request.GET.get("metric", DEFAULT_METRIC)
    if metric not in METRICS:
        metric = DEFAULT_METRIC
    weeks = parse_int(request.GET.get("weeks")) or fx.DEFAULT_WEEKS
    weeks = min(max(weeks, 1), fx.MAX_WEEKS)
    report = selectors.program_effect(request.user, program, metric=metric, weeks=weeks)
    chart, weekly_rows = None, []
    if report.effect is not None:
        labels = [
            (_("%(n)s wk before") % {"n": -k}) if k < 0 else (_("%(n)s wk after") % {"n": k})
            for k, _t, _p in report.effect.weekly
        ]
        weekly_rows = [
            (label, t, p) for label, (_k, t, p) in zip(labels, report.effect.weekly, strict=True)
        ]
        chart = {
            "labels": labels,
            "trainees": [None if t is None else float(t) for _k, t, _p in report.effect.weekly],
            "peers": [None if p is None else float(p) for _k, _t, p in report.effect.weekly],
            "names": {"trainees": _("Trainees"), "peers": _("Untrained peers")},
            "training": _("Training"),
        }
    context = {
        "program": program,
        "report": report,
        "metrics": list(METRICS.values()),
        "metric": METRICS[metric],
        "weeks": weeks,
        "chart": chart,
        "weekly_rows": weekly_rows,
    }
    return render(request, "training/effect.html", context)
