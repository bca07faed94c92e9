"""The application shell: home (my day), global search, notifications, language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from salesdesk.core.agenda import agenda
from salesdesk.core.models import Notification
from salesdesk.core.search import search_registry
from salesdesk.org.middleware import UserLanguageMiddleware
from salesdesk.org.profile import profile_update
from salesdesk.org.selectors import users_visible

NOTIFICATION_PANEL_SIZE = 8
HOME_TODO_SIZE = 8  # the "my day" card: overdue and today's to-dos from every inbox source
BELL_TODO_SIZE = 5


def _unread(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)


@login_required
def home(request):
    user = request.user
    now = timezone.now()
    todos = list(
        _unread(user).filter(level=Notification.Level.TODO).order_by("due_at", "-created_at")[:8]
    )
    for todo in todos:
        todo.overdue = bool(todo.due_at and todo.due_at < now)
        todo.due_today = bool(
            todo.due_at
            and not todo.overdue
            and timezone.localdate(todo.due_at) == timezone.localdate(now)
        )
    updates = list(
        Notification.objects.filter(user=user)
        .exclude(level=Notification.Level.TODO)
        .order_by("-created_at")[:6]
    )
    team = []
    if user.unit_id:
        team = list(
            users_visible(user, include_inactive=False)
            .filter(reports_to=user)
            .select_related("role")
            .order_by("username")[:12]
        )
    return render(
        request,
        "shell/home.html",
        {
            "todos": todos,
            "updates": updates,
            "team": team,
            "today": timezone.localdate(now),
        },
    )


@login_required
def home_my_day(request):
    """The home page's "My to-dos" card (htmx, loaded after the page like the bell): overdue and
    today's to-dos from every inbox source, so the home page's own queries do not grow with the
    number of sources."""
    from salesdesk.web.inbox.views import with_relative

    my_day = with_relative(agenda(request.user, days=0, limit=HOME_TODO_SIZE, with_counts=False))
    return render(request, "shell/_my_day.html", {"my_day": my_day})


@login_required
def search(request):
    query = request.GET.get("q", "").strip()
    limit = 5 if request.htmx else 20
    groups = search_registry.search(request.user, query, limit=limit)
    context = {
        "query": query,
        "search_query": query,
        "groups": groups,
        "max_length": search_registry.max_query_length,
    }
    if request.htmx:
        return render(request, "shell/search_results.html", context)
    return render(request, "shell/search.html", context)


@login_required
def notifications(request):
    """The bell's dropdown panel (htmx) or, without htmx, the full list."""
    items = list(
        Notification.objects.filter(user=request.user).order_by("-created_at", "-id")[
            : NOTIFICATION_PANEL_SIZE if request.htmx else 100
        ]
    )
    context = {"items": items, "unread_total": _unread(request.user).count()}
    if request.htmx:  # the bell's panel: today's to-dos first, then the notifications
        from salesdesk.web.inbox.views import with_relative

        plan = with_relative(agenda(request.user, days=0, limit=BELL_TODO_SIZE))
        context["my_day"] = plan
        context["bell_total"] = plan.total + context["unread_total"]
    template = "shell/notification_panel.html" if request.htmx else "shell/notifications.html"
    return render(request, template, context)


def _safe_next(request, fallback: str = "web:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    from django.urls import reverse

    return reverse(fallback)


@require_POST
@login_required
def notification_read(request, pk: int):
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(notification.url)
    return HttpResponseRedirect(_safe_next(request, "web:notifications"))


@require_POST
@login_required
def notifications_read_all(request):
    _unread(request.user).update(read_at=timezone.now())
    if request.htmx:
        return notifications(request)
    return HttpResponseRedirect(_safe_next(request, "web:notifications"))


@require_POST
def set_language(request):
    """Switch the interface language; remembered in the session and cookie, and for a signed-in
    user in their profile (User.language) so it follows them to other devices."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return redirect(_safe_next(request))
    response = redirect(_safe_next(request))
    request.session[UserLanguageMiddleware.session_key] = language
    if request.user.is_authenticated and request.user.language != language:
        profile_update(user=request.user, language=language, request=request)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response
