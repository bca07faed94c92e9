"""Function-permission checks of the API (ORG-3), with the web pages' rules from
salesdesk.org.permissions. A missing function permission answers 403 before any record is looked
up, so the answer never depends on which records exist."""

from __future__ import annotations

from django.utils.translation import gettext as _

from salesdesk.api.errors import forbidden
from salesdesk.org.permissions import (  # noqa: F401 - re-exported for the routers
    can_configure,
    can_edit_roles,
    can_purge,
    can_use_recycle_bin,
    can_view_audit_log,
)


def require_configure(user) -> None:
    if not can_configure(user):
        raise forbidden(_("You do not have permission to configure the organisation."))


def require_recycle_bin(user) -> None:
    if not can_use_recycle_bin(user):
        raise forbidden(_("You do not have permission to use the recycle bin."))


def require_purge(user) -> None:
    if not can_purge(user):
        raise forbidden(_("Only administrators may purge the recycle bin."))


def require_audit_log(user) -> None:
    if not can_view_audit_log(user):
        raise forbidden(_("You do not have permission to view the audit log."))
