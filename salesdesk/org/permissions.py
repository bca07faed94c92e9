"""Who may use which function (ORG-3): the one set of predicates the web pages and the API share.

Record visibility is decided by salesdesk.org.scoping; these decide access to whole functions.
"""

from __future__ import annotations

from salesdesk.org.models import DataScope, FunctionPermission


def can_configure(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.CONFIGURE))


def can_edit_roles(user) -> bool:
    """Roles are company-wide: only administrators with the 'all records' scope change them."""
    return can_configure(user) and user.data_scope == DataScope.ALL


def can_use_recycle_bin(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.DELETE))


def can_purge(user) -> bool:
    return can_configure(user)


def can_view_audit_log(user) -> bool:
    return can_configure(user)


def can_manage_goals(user) -> bool:
    """Set, decompose and edit goals (TGT-1/2) for the units and people in the user's scope;
    everyone else reads the goals they can see."""
    return bool(user.is_authenticated and user.has_function(FunctionPermission.MANAGE_GOALS))


def can_evaluate(user) -> bool:
    """Compute, publish and lock scorecards (PRF-2) of the people and units in the user's scope;
    everyone else reads the published scorecards they can see."""
    return bool(user.is_authenticated and user.has_function(FunctionPermission.EVALUATE))


def can_manage_commissions(user) -> bool:
    """Edit commission plans, compute statements and lock a period (PRF-4) for the people in the
    user's scope; reps read their own statements."""
    return bool(user.is_authenticated and user.has_function(FunctionPermission.COMMISSIONS))


def can_manage_training(user) -> bool:
    """Run training programs, sessions, attendance and assessments (PRF-5) for the people in the
    user's scope; everyone reads the programs and their own attendance."""
    return bool(user.is_authenticated and user.has_function(FunctionPermission.TRAINING))
