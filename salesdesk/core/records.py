"""Writes shared by the services of configuration records (KPI schemes, commission plans, sales
tiers, ...): argument checks, the actor check, and create / update with optimistic locking.

Each service keeps its own permission check and its own `clean(instance)`; what is the same for
every such record lives here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from salesdesk.core.locking import check_version, save_versioned


def require_active(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))


def reject_unknown(fields: Iterable[str], allowed: Iterable[str], what: str = "") -> None:
    """A programming error, not a user's: services take only the fields they know."""
    unknown = set(fields) - set(allowed)
    if unknown:
        label = f"{what} " if what else ""
        raise ValueError(f"unknown {label}fields: {sorted(unknown)}")


def parse_decimal(raw: Any, field: str, message: str | None = None) -> Decimal:
    """A finite number below 10^12 from a form or API value, or a ValidationError on `field`."""
    message = message or _("Enter a number.")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [message]}) from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ValidationError({field: [message]})
    return value


def role_as_id(data: dict[str, Any]) -> dict[str, Any]:
    """`prepare` for records with a role: a role given by its id under "role" goes to role_id."""
    from salesdesk.org.models import Role

    if "role" in data and not isinstance(data["role"], Role):
        data["role_id"] = data.pop("role")
    return data


Prepare = Callable[[dict[str, Any]], dict[str, Any]]


def _prepared(values: dict[str, Any], prepare: Prepare | None) -> dict[str, Any]:
    return prepare(dict(values)) if prepare else dict(values)


@transaction.atomic
def create_record(
    model: type[models.Model],
    *,
    actor,
    fields: dict[str, Any],
    clean: Callable[[models.Model], None],
    prepare: Prepare | None = None,
) -> models.Model:
    """A new record from `fields` (after `prepare`), validated by `clean`, history by `actor`."""
    instance = model(**_prepared(fields, prepare))
    clean(instance)
    instance._history_user = actor
    instance.save()
    return instance


@transaction.atomic
def update_record(
    model: type[models.Model],
    *,
    actor,
    pk: int,
    changes: dict[str, Any],
    clean: Callable[[models.Model], None],
    save_fields: Iterable[str],
    expected_version: int | None = None,
    prepare: Prepare | None = None,
) -> models.Model:
    """Apply `changes` to the live record `pk` under a row lock: a stale `expected_version` is
    refused (StaleEditError), `clean` validates, then one versioned save of `save_fields`."""
    current = model.objects.select_for_update().filter(pk=pk, deleted_at__isnull=True).first()
    if current is None:
        raise model.DoesNotExist
    check_version(current, expected_version)
    for name, value in _prepared(changes, prepare).items():
        setattr(current, name, value)
    clean(current)
    save_versioned(current, expected_version=current.version, fields=list(save_fields), actor=actor)
    return current
