"""A user's own profile (ORG-5 account pages): name, contact details, language, time zone."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from salesdesk.core.locking import save_versioned
from salesdesk.org.models import User

PROFILE_FIELDS = ("display_name", "phone", "email", "language", "time_zone")


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """IANA time zones offered in the profile (Area/City names only)."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    }
    names.add(settings.TIME_ZONE)
    return tuple(sorted(names))


@transaction.atomic
def profile_update(
    *, user: User, expected_version: int | None = None, request=None, **changes
) -> User:
    """Save the user's own profile fields; optimistic locking like every other edit."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    for field, value in changes.items():
        setattr(user, field, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    if user.language and user.language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the offered languages.")]
    if user.time_zone and user.time_zone not in time_zone_names():
        errors["time_zone"] = [_("Choose a time zone from the list.")]
    if errors:
        raise ValidationError(errors)
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changes])
    user._change_reason = "profile"
    save_versioned(user, expected_version=expected_version, fields=list(changes))
    return user
