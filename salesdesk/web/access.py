"""Access checks shared by the web pages: sign-in and function permissions (ORG-3)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from salesdesk.org.permissions import (  # noqa: F401 - re-exported for the views
    can_configure,
    can_edit_roles,
    can_purge,
    can_use_recycle_bin,
    can_view_audit_log,
)


def require(check):
    """Sign-in required; then `check(user)` must hold, else 403 (and nothing changes)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
