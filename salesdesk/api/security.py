"""API authentication (ORG-5, DAT-2): a bearer token, or the browser's Django session + CSRF.

- `Authorization: Bearer <key>`: the key is checked by `salesdesk.org.tokens.token_authenticate`.
  A request that sends a bearer token is judged by that token alone: a wrong, revoked or expired
  token answers 401 even when a session cookie is present too.
- The Django session (same-origin browser use, Swagger UI): unsafe methods need the CSRF token
  (`X-CSRFToken` header), exactly as a form post would.
Inactive users are refused on both paths (401).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


class TokenAuth(HttpBearer):
    """Bearer API tokens. Shown in the OpenAPI document as the `TokenAuth` scheme."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from salesdesk.org.tokens import token_authenticate

        user = token_authenticate(token, request=request) if token else None
        if not _active(user):
            # A bad token is an answer of its own; do not fall back to the session cookie.
            raise AuthenticationError()
        request.user = user
        request.salesdesk_auth = "token"
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session. CSRF is checked on unsafe methods for signed-in users only,
    so an anonymous request answers 401 (not a CSRF 403)."""

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if not _active(user):
            return None
        if (
            request.method not in SAFE_METHODS
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise HttpError(403, "CSRF check Failed")
        request.salesdesk_auth = "session"
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
DEFAULT_AUTH = [token_auth, session_auth]
