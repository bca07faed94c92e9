"""The to-do inbox (CUS-8): the page, the bell's count, inline task completion and the daily
to-do email preference. Transport only: the agenda (salesdesk.core.agenda) and the services do
the work."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.core.agenda import DEFAULT_HORIZON, HORIZONS, agenda, due_count
from salesdesk.core.digest import digest_preference, digest_preference_update
from salesdesk.core.models import Notification
from salesdesk.web.forms import apply_service_error

SECTIONS = (
    ("overdue", gettext_lazy("Overdue"), "exclamation-circle", "danger"),
    ("today", gettext_lazy("Today"), "calendar-day", "warning"),
    ("upcoming", gettext_lazy("Upcoming"), "calendar-week", "neutral"),
)


def relative(due, now) -> str:
    if due < now:
        return _("%(time)s ago") % {"time": timesince(due, now, depth=1)}
    return _("in %(time)s") % {"time": timeuntil(due, now, depth=1)}


def with_relative(plan):
    for item in plan.items:
        item.relative = relative(item.due_at, plan.now)
    return plan


def bell_total(user) -> int:
    """The bell's number: to-dos overdue or due today (every source) + unread notifications."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return due_count(user) + unread


def _days(request) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_HORIZON))
    except (TypeError, ValueError):
        return DEFAULT_HORIZON
    return days if days in (0, *HORIZONS) else DEFAULT_HORIZON


@login_required
def inbox(request):
    days = _days(request)
    kind = request.GET.get("kind", "")
    plan = agenda(request.user, days=days, kinds=[kind] if kind else None)
    if kind and kind not in plan.counts:
        kind = ""
        plan = agenda(request.user, days=days)
    with_relative(plan)
    sections = [
        {"key": key, "label": label, "icon": icon, "tone": tone, "items": plan.section(key)}
        for key, label, icon, tone in SECTIONS
        if key != "upcoming" or days
    ]
    horizons = [(0, _("Today")), *((d, _("Next %(days)s days") % {"days": d}) for d in HORIZONS)]
    context = {
        "plan": plan,
        "sections": sections,
        "kind": kind,
        "days": days,
        "horizons": horizons,
        "chips": plan.chips(),
        "shown_total": plan.counts.get(kind, 0) if kind else plan.total,
    }
    return render(request, "inbox/inbox.html", context)


@login_required
def inbox_bell(request):
    """The bell's badge (htmx, loaded after the page so pages themselves pay no query for it)."""
    return render(request, "inbox/_bell_badge.html", {"count": bell_total(request.user)})


@require_POST
@login_required
def inbox_task_complete(request, pk: int):
    """Complete one of the user's tasks from the inbox (htmx: the row disappears)."""
    from salesdesk.customers import services
    from salesdesk.customers.models import Task

    task = Task.objects.editable_by(request.user).filter(pk=pk, owner_id=request.user.pk).first()
    if task is None:
        raise Http404
    try:
        services.task_complete(actor=request.user, task=task, request=request)
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if request.htmx:
            return render(request, "inbox/_item_error.html", {"message": text, "title": task.title})
        messages.error(request, text)
    else:
        done = _("“%(title)s” is done.") % {"title": task.title}
        if request.htmx:
            response = render(request, "inbox/_item_done.html", {"message": done})
            response["HX-Trigger"] = "sd-inbox-changed"
            return response
        messages.success(request, done)
    return redirect(reverse("web:inbox"))


class DigestForm(forms.Form):
    enabled = forms.BooleanField(
        label=gettext_lazy("Send me a daily to-do email"),
        required=False,
        help_text=gettext_lazy(
            "What is overdue or due today, once a day. No email on days with nothing to do."
        ),
    )
    hour = forms.TypedChoiceField(
        label=gettext_lazy("At"),
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
        help_text=gettext_lazy("In your time zone (set in your profile)."),
    )


@login_required
def inbox_email(request):
    current = digest_preference(request.user)
    initial = {"enabled": current.enabled, "hour": current.hour}
    form = DigestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            digest_preference_update(
                actor=request.user,
                enabled=form.cleaned_data["enabled"],
                hour=form.cleaned_data["hour"],
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Your daily to-do email settings are saved."))
            return redirect(reverse("web:inbox_email"))
    return render(
        request,
        "inbox/email.html",
        {"form": form, "account_tab": "digest", "has_email": bool(request.user.email)},
    )
