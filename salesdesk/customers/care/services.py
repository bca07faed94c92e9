"""Customer care (CUS-10): generating reminders, greetings, marking them sent or skipped.

The daily job (`care_reminders_generate`) creates reminders for the next N days
(`SALESDESK_CARE_DAYS_AHEAD`, default 3), for customers that have an active owner:
- contact birthdays (month and day of `Contact.birthday`; 29 February falls on 28 February in
  years without it);
- customer anniversaries: of the first purchase when it is known, otherwise of the day the
  customer was created; from the first full year on;
- Chinese holidays from the `holidays` package's China calendar (its lunar dates give 春节,
  端午, 中秋), plus the Lantern Festival (14 days after 春节) and Women's Day (8 March): one
  reminder per customer of the levels in `SALESDESK_CARE_HOLIDAY_LEVELS` (default A and B).
A unique constraint on (customer, contact, occasion, date) and insert-or-ignore make the job
idempotent: running it twice creates nothing new.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.records import require_active
from salesdesk.customers.care.models import (
    CareReminder,
    GreetingLanguage,
    GreetingTemplate,
    Occasion,
)
from salesdesk.customers.models import Contact, Customer
from salesdesk.org.models import User
from salesdesk.org.permissions import can_configure
from salesdesk.org.scoping import editable_by, visible_to

BATCH = 1000
PLACEHOLDERS = ("contact", "customer", "sender", "years")

# Names of the `holidays` China calendar (English) → occasion; the first day of each counts.
HOLIDAY_NAMES = {
    "New Year's Day": Occasion.NEW_YEAR,
    "Chinese New Year (Spring Festival)": Occasion.SPRING_FESTIVAL,
    "Labor Day": Occasion.LABOUR_DAY,
    "Dragon Boat Festival": Occasion.DRAGON_BOAT,
    "Mid-Autumn Festival": Occasion.MID_AUTUMN,
    "National Day": Occasion.NATIONAL_DAY,
}


def days_ahead() -> int:
    return int(getattr(settings, "SALESDESK_CARE_DAYS_AHEAD", 3))


def holiday_levels() -> tuple[str, ...]:
    return tuple(getattr(settings, "SALESDESK_CARE_HOLIDAY_LEVELS", ("A", "B")))


def holiday_dates(year: int) -> dict[date, str]:
    """The greeting occasions of one year: date → occasion key."""
    import holidays

    calendar_ = holidays.China(years=year, language="en_US")
    out: dict[date, str] = {}
    seen: set[str] = set()
    for day, name in sorted(calendar_.items()):
        occasion = HOLIDAY_NAMES.get(name)
        if occasion and occasion not in seen:
            seen.add(occasion)
            out[day] = occasion
            if occasion == Occasion.SPRING_FESTIVAL:
                out[day + timedelta(days=14)] = Occasion.LANTERN  # 正月十五
    out[date(year, 3, 8)] = Occasion.WOMEN_DAY
    return out


def birthday_in(year: int, month: int, day: int) -> date:
    """A birthday's date in `year`: 29 February becomes 28 February in common years."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_greeting(template: GreetingTemplate | None, **values) -> tuple[str, str]:
    """(subject, body) with the placeholders filled; unknown placeholders stay as written."""
    if template is None:
        return "", ""
    data = _Safe({k: ("" if v is None else str(v)) for k, v in values.items()})
    return template.subject.format_map(data), template.body.format_map(data)


def _templates() -> dict[tuple[str, str], GreetingTemplate]:
    return {(t.occasion, t.language): t for t in GreetingTemplate.objects.all()}


@dataclass(frozen=True)
class GenerateResult:
    birthdays: int
    anniversaries: int
    holidays: int


def _window(today: date) -> list[date]:
    return [today + timedelta(days=i) for i in range(days_ahead() + 1)]


def _insert(rows: list[CareReminder]) -> int:
    """Insert-or-ignore; returns how many rows were new."""
    if not rows:
        return 0
    before = CareReminder.objects.count()
    CareReminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return CareReminder.objects.count() - before


def _owned(qs):
    return qs.filter(owner__isnull=False, owner__is_active=True, deleted_at__isnull=True)


@transaction.atomic
def care_reminders_generate(*, today: date | None = None) -> GenerateResult:
    """Create the reminders of the next days (module docstring); idempotent."""
    today = today or timezone.localdate()
    window = _window(today)
    templates = _templates()

    def greeting(occasion, owner_language, owner_name, customer_name, contact_name, years):
        lang = greeting_language_code(owner_language)
        subject, body = render_greeting(
            templates.get((occasion, lang)),
            contact=contact_name or customer_name,
            customer=customer_name,
            sender=owner_name,
            years=years,
        )
        return f"{subject}\n{body}" if subject else body

    # Birthdays: one OR of (month, day) pairs over the window (plus 29 Feb in common years).
    pairs: dict[tuple[int, int], date] = {}
    for day in window:
        pairs[(day.month, day.day)] = day
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            pairs[(2, 29)] = day
    match = Q(pk__in=[])
    for month, day in pairs:
        match |= Q(birthday__month=month, birthday__day=day)
    contacts = (
        Contact.objects.filter(match, customer__in=_owned(Customer.objects.all()))
        .values_list(
            "pk",
            "name",
            "birthday",
            "customer_id",
            "customer__name",
            "customer__owner__language",
            "customer__owner__display_name",
        )
        .order_by("pk")
    )
    rows = []
    for pk, name, birthday, customer_id, customer_name, lang, owner_name in contacts:
        on = pairs[(birthday.month, birthday.day)]
        rows.append(
            CareReminder(
                customer_id=customer_id,
                contact_id=pk,
                occasion=Occasion.BIRTHDAY,
                date=on,
                greeting=greeting(Occasion.BIRTHDAY, lang, owner_name, customer_name, name, None),
            )
        )
    birthdays = _insert(rows)

    # Anniversaries of the first purchase (or of the customer's creation when unknown).
    match_purchase = Q(pk__in=[])
    match_created = Q(pk__in=[])
    for month, day in pairs:
        match_purchase |= Q(first_purchase_at__month=month, first_purchase_at__day=day)
        match_created |= Q(created_at__month=month, created_at__day=day)
    customers = (
        _owned(Customer.objects.all())
        .filter(match_purchase | (Q(first_purchase_at__isnull=True) & match_created))
        .values_list(
            "pk",
            "name",
            "first_purchase_at",
            "created_at",
            "owner__language",
            "owner__display_name",
        )
        .order_by("pk")
    )
    rows = []
    for pk, name, first_purchase, created_at, lang, owner_name in customers:
        since = first_purchase or timezone.localdate(created_at)
        on = pairs.get((since.month, since.day))
        if on is None:
            continue
        years = on.year - since.year
        if years < 1:
            continue
        rows.append(
            CareReminder(
                customer_id=pk,
                occasion=Occasion.ANNIVERSARY,
                date=on,
                years=years,
                greeting=greeting(Occasion.ANNIVERSARY, lang, owner_name, name, "", years),
            )
        )
    anniversaries = _insert(rows)

    # Chinese holidays: one reminder per owned customer of the chosen levels.
    occasions: dict[date, str] = {}
    for year in sorted({d.year for d in window}):
        occasions.update({d: o for d, o in holiday_dates(year).items() if d in window})
    created = 0
    if occasions:
        targets = list(
            _owned(Customer.objects.filter(level__in=holiday_levels()))
            .values_list("pk", "name", "owner__language", "owner__display_name")
            .order_by("pk")
        )
        for on, occasion in sorted(occasions.items()):
            rows = [
                CareReminder(
                    customer_id=pk,
                    occasion=occasion,
                    date=on,
                    greeting=greeting(occasion, lang, owner_name, name, "", None),
                )
                for pk, name, lang, owner_name in targets
            ]
            created += _insert(rows)
    return GenerateResult(birthdays=birthdays, anniversaries=anniversaries, holidays=created)


def greeting_language_code(language: str | None) -> str:
    return (
        GreetingLanguage.EN
        if (language or "").lower().startswith("en")
        else GreetingLanguage.ZH_HANS
    )


def _handle(*, actor: User, reminder: CareReminder, status: str) -> CareReminder:
    require_active(actor)
    current = (
        editable_by(CareReminder.objects.select_for_update(), actor).filter(pk=reminder.pk).first()
    )
    if current is None:
        if visible_to(CareReminder.objects.filter(pk=reminder.pk), actor).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        raise CareReminder.DoesNotExist
    if current.status != CareReminder.Status.OPEN:
        raise ValidationError({"status": [_("This reminder has already been handled.")]})
    current.status = status
    current.handled_at = timezone.now()
    current.handled_by = actor
    current.save(update_fields=["status", "handled_at", "handled_by", "updated_at"])
    return current


@transaction.atomic
def care_reminder_mark_sent(*, actor: User, reminder: CareReminder, request=None) -> CareReminder:
    """The greeting was sent."""
    return _handle(actor=actor, reminder=reminder, status=CareReminder.Status.SENT)


@transaction.atomic
def care_reminder_skip(*, actor: User, reminder: CareReminder, request=None) -> CareReminder:
    """No greeting this time."""
    return _handle(actor=actor, reminder=reminder, status=CareReminder.Status.SKIPPED)


@transaction.atomic
def greeting_template_update(
    *, actor: User, template: GreetingTemplate, subject: str, body: str, request=None
) -> GreetingTemplate:
    """Change a greeting (configuration: needs `can_configure`). Placeholders must be known."""
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to change settings."))
    subject = (subject or "").strip()
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Enter a subject.")]
    elif len(subject) > 120:
        errors["subject"] = [_("Use at most 120 characters.")]
    if not body:
        errors["body"] = [_("Enter the greeting.")]
    for field, text in (("subject", subject), ("body", body)):
        unknown = _unknown_placeholders(text)
        if unknown and field not in errors:
            errors[field] = [
                _("Unknown placeholder %(name)s. Use {contact}, {customer}, {sender} or {years}.")
                % {"name": ", ".join("{" + u + "}" for u in unknown)}
            ]
    if errors:
        raise ValidationError(errors)
    current = GreetingTemplate.objects.select_for_update().get(pk=template.pk)
    current.subject = subject
    current.body = body
    current.save(update_fields=["subject", "body", "updated_at"])
    return current


def _unknown_placeholders(text: str) -> list[str]:
    import string

    try:
        names = [f for _l, f, _s, _c in string.Formatter().parse(text) if f is not None]
    except ValueError:
        return ["?"]
    return sorted({n for n in names if n not in PLACEHOLDERS})
