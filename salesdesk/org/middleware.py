"""Per-user language and time zone, and session expiry (ORG-5, DAT-5)."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent

SESSION_STARTED = "salesdesk_started"
SESSION_SEEN = "salesdesk_seen"
SESSION_LANGUAGE = "salesdesk_language"
# Set in the fresh session after an expiry; the sign-in page shows "your session expired".
SESSION_EXPIRED_NOTICE = "salesdesk_session_expired"
# Requests carrying this header (background polling, e.g. the notification bell) do not count
# as activity for the idle timeout.
BACKGROUND_HEADER = "X-SalesDesk-Background"


def _valid_language(language: str | None) -> str | None:
    return language if language in dict(settings.LANGUAGES) else None


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserLanguageMiddleware:
    """Language: the user's saved choice, else the language cookie, else the browser's.

    Runs before authentication, so it reads the saved choice the login stored in the session.
    """

    session_key = SESSION_LANGUAGE

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(self.session_key) if hasattr(request, "session") else None
        if not _valid_language(language):
            language = translation.get_language_from_request(request)
        language = _valid_language(language) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


class SessionExpiryMiddleware:
    """Ends a session after `SALESDESK_SESSION_IDLE_MINUTES` of inactivity, and in any case
    `SALESDESK_SESSION_ABSOLUTE_HOURS` after sign-in. Activity is written at most once a minute.

    After an expiry the user is logged out and sent to the sign-in page (htmx requests get an
    `HX-Redirect` header); API requests simply continue unauthenticated. For signed-in users it
    also activates their saved time zone and, when the session has none yet, their language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.deactivate()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            reason = self._expired(request)
            if reason:
                response = self._expire(request, user, reason)
                if response is not None:
                    return response
            else:
                self._activate_preferences(request, user)
        return self.get_response(request)

    def _expired(self, request) -> str | None:
        now = int(timezone.now().timestamp())
        session = request.session
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN, started)
        idle = settings.SALESDESK_SESSION_IDLE_MINUTES * 60
        absolute = settings.SALESDESK_SESSION_ABSOLUTE_HOURS * 3600
        if not isinstance(started, int):
            session[SESSION_STARTED] = now
            session[SESSION_SEEN] = now
            return None
        if now - started > absolute:
            return "absolute"
        if isinstance(seen, int) and now - seen > idle:
            return "idle"
        background = request.headers.get(BACKGROUND_HEADER)
        if not background and (not isinstance(seen, int) or now - seen >= 60):
            session[SESSION_SEEN] = now
        return None

    def _expire(self, request, user, reason: str):
        language = request.session.get(SESSION_LANGUAGE)
        audit_record(
            kind=AuditEvent.Kind.SESSION_EXPIRED,
            actor=user,
            request=request,
            target=user,
            data={"reason": reason},
        )
        logout(request)
        request.salesdesk_session_expired = True
        request.session[SESSION_EXPIRED_NOTICE] = reason
        if _valid_language(language):
            request.session[SESSION_LANGUAGE] = language
        path = request.path
        if path.startswith("/api/"):
            return None  # the API answers 401 by itself
        login_url = reverse(settings.LOGIN_URL)
        if path == login_url:
            return None
        next_url = request.get_full_path() if request.method == "GET" else ""
        target = login_url + (f"?{urlencode({'next': next_url})}" if next_url else "")
        if request.headers.get("HX-Request") == "true":
            # htmx follows this with a full page load instead of swapping a fragment.
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            page = current.path + (f"?{current.query}" if current.query else "")
            target = login_url + (f"?{urlencode({'next': page})}" if current.path else "")
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

    def _activate_preferences(self, request, user) -> None:
        tz_name = getattr(user, "time_zone", "")
        zone = _zone(tz_name) if tz_name else None
        if zone is not None:
            timezone.activate(zone)
        saved = _valid_language(getattr(user, "language", ""))
        if saved and not request.session.get(SESSION_LANGUAGE):
            request.session[SESSION_LANGUAGE] = saved
            translation.activate(saved)
            request.LANGUAGE_CODE = saved
