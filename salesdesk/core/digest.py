"""The daily to-do email (CUS-8): each active user with an email address gets, once per local
day at the hour they chose (default 08:00 in their time zone), the list of what is overdue or due
today, per source, in their language. Users with nothing to do get no email.

- The preference is a UserPreference (`inbox.digest`: {"enabled": bool, "hour": 0–23}); without
  one, the email is on for users with an address, at DEFAULT_HOUR.
- `digests_send()` runs every 15 minutes (core.tasks.inbox_digests_send). A user is due when
  their local time is within CATCH_UP_HOURS after their hour and no DigestLog exists for their
  local date; the DigestLog row (unique user + date) is written first, so a rerun or a second
  worker never sends twice, and the email is queued with `transaction.on_commit`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesdesk.core.agenda import agenda, user_zone
from salesdesk.core.models import DigestLog, UserPreference

logger = logging.getLogger(__name__)

PREFERENCE_KEY = "inbox.digest"
DEFAULT_HOUR = 8
CATCH_UP_HOURS = 4  # a worker that was down at the hour still sends within this window
DIGEST_ITEM_LIMIT = 50


@dataclass(frozen=True)
class DigestPreference:
    enabled: bool
    hour: int


def _preference_from(user, value: dict | None) -> DigestPreference:
    value = value or {}
    enabled = value.get("enabled")
    hour = value.get("hour")
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        hour = DEFAULT_HOUR
    if not isinstance(enabled, bool):
        enabled = bool(user.email)
    return DigestPreference(enabled=enabled, hour=hour)


def digest_preference(user) -> DigestPreference:
    row = UserPreference.objects.filter(user=user, key=PREFERENCE_KEY).first()
    return _preference_from(user, row.value if row else None)


@transaction.atomic
def digest_preference_update(*, actor, enabled: bool, hour: int) -> DigestPreference:
    """Save the actor's own daily to-do email choice."""
    if not getattr(actor, "is_active", False):
        raise ValidationError({"enabled": [_("This user is deactivated.")]})
    errors: dict[str, list[str]] = {}
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        errors["hour"] = [_("Choose an hour between 0 and 23.")]
    if enabled and not actor.email:
        errors["enabled"] = [_("Add an email address to your profile first.")]
    if errors:
        raise ValidationError(errors)
    UserPreference.objects.update_or_create(
        user=actor, key=PREFERENCE_KEY, defaults={"value": {"enabled": bool(enabled), "hour": hour}}
    )
    return DigestPreference(enabled=bool(enabled), hour=hour)


def _candidates():
    from salesdesk.org.models import User

    return list(
        User.objects.filter(is_active=True, deactivated_at__isnull=True)
        .exclude(email="")
        .order_by("pk")
    )


def digests_due(now: datetime | None = None) -> list[tuple]:
    """(user, local date) of every user whose digest is due now and not yet handled.
    Three queries whatever the number of users."""
    now = now or timezone.now()
    users = _candidates()
    prefs = dict(
        UserPreference.objects.filter(key=PREFERENCE_KEY, user__in=users).values_list(
            "user_id", "value"
        )
    )
    due = []
    for user in users:
        pref = _preference_from(user, prefs.get(user.pk))
        if not pref.enabled:
            continue
        local = now.astimezone(user_zone(user))
        start = local.replace(hour=pref.hour, minute=0, second=0, microsecond=0)
        if start <= local < start + timedelta(hours=CATCH_UP_HOURS):
            due.append((user, local.date()))
    if not due:
        return []
    done = set(
        DigestLog.objects.filter(
            user__in=[u for u, _d in due], date__in={d for _u, d in due}
        ).values_list("user_id", "date")
    )
    return [(user, day) for user, day in due if (user.pk, day) not in done]


def digests_send(*, now: datetime | None = None, dry_run: bool = False) -> list[tuple]:
    """Claim (DigestLog) and queue the digest of every due user; returns (user, date) claimed.
    With `dry_run`, only says who is due."""
    due = digests_due(now)
    if dry_run:
        return due
    claimed = []
    for user, day in due:
        try:
            with transaction.atomic():
                log = DigestLog.objects.create(user=user, date=day)
                transaction.on_commit(lambda pk=log.pk: _queue(pk))
        except IntegrityError:  # another worker claimed it first
            continue
        claimed.append((user, day))
    return claimed


def _queue(log_id: int) -> None:
    from salesdesk.core.tasks import inbox_digest_email

    inbox_digest_email(log_id)


def absolute_url(url: str) -> str:
    if url.startswith("/"):
        return settings.SALESDESK_BASE_URL.rstrip("/") + url
    return url


def digest_message(user, day: date, *, now: datetime | None = None):
    """The email for `user` (None when they have nothing overdue or due today)."""
    now = now or timezone.now()
    plan = agenda(user, days=0, limit=DIGEST_ITEM_LIMIT, now=now, with_counts=False)
    if not plan.items:
        return None, 0
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user_zone(user)):
        groups = []
        for source in plan.sources:
            rows = [
                {
                    "title": item.title,
                    "customer_name": item.customer_name,
                    "due_at": item.due_at,
                    "overdue": item.section == "overdue",
                    "url": absolute_url(item.url),
                }
                for item in plan.items
                if item.kind == source.key
            ]
            if rows:
                groups.append({"label": str(source.label), "items": rows})
        overdue = len(plan.overdue)
        context = {
            "user": user,
            "day": day,
            "groups": groups,
            "overdue": overdue,
            "today": len(plan.items) - overdue,
            "truncated": plan.truncated,
            "inbox_url": absolute_url("/inbox/"),
            "preferences_url": absolute_url("/inbox/email/"),
        }
        subject = _("Your to-dos for %(date)s: %(overdue)s overdue, %(today)s today") % {
            "date": day.isoformat(),
            "overdue": context["overdue"],
            "today": context["today"],
        }
        text = render_to_string("email/digest.txt", context)
        html = render_to_string("email/digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message, len(plan.items)


def digest_deliver(log_id: int, *, now: datetime | None = None) -> bool:
    """Send the digest a DigestLog claimed (once: a sent log is never sent again)."""
    log = DigestLog.objects.select_related("user").filter(pk=log_id).first()
    if log is None or log.sent_at is not None:
        return False
    user = log.user
    if not user.is_active or not user.email:
        return False
    message, count = digest_message(user, log.date, now=now)
    if message is None:
        return False
    message.send()
    DigestLog.objects.filter(pk=log.pk).update(sent_at=timezone.now(), item_count=count)
    return True
