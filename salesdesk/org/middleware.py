"""Per-user language and session expiry (ORG-5, DAT-5)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation

from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent

SESSION_STARTED = "salesdesk_started"
SESSION_SEEN = "salesdesk_seen"


class UserLanguageMiddleware:
    """Language: the user's saved choice, else the language cookie, else the browser's.

    Runs before authentication, so it reads the saved choice the login stored in the session.
    """

    session_key = "salesdesk_language"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(self.session_key) if hasattr(request, "session") else None
        if not language:
            language = translation.get_language_from_request(request)
        language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        from django.utils.cache import patch_vary_headers

        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


class SessionExpiryMiddleware:
    """Ends a session after `SALESDESK_SESSION_IDLE_MINUTES` of inactivity, and in any case
    `SALESDESK_SESSION_ABSOLUTE_HOURS` after sign-in. Activity is written at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN, started)
            idle = settings.SALESDESK_SESSION_IDLE_MINUTES * 60
            absolute = settings.SALESDESK_SESSION_ABSOLUTE_HOURS * 3600
            if started is None:
                request.session[SESSION_STARTED] = now
                request.session[SESSION_SEEN] = now
            elif now - started > absolute or (seen is not None and now - seen > idle):
                reason = "absolute" if now - started > absolute else "idle"
                audit_record(kind=AuditEvent.Kind.SESSION_EXPIRED, actor=user, request=request,
                             data={"reason": reason})
                logout(request)
                request.salesdesk_session_expired = True
            elif seen is None or now - seen >= 60:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)
