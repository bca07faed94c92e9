"""Customer care (CUS-10): reminders for birthdays, anniversaries and Chinese holidays."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from salesdesk.customers import services
from salesdesk.customers.care import services as care
from salesdesk.customers.care.models import CareReminder, GreetingTemplate
from salesdesk.customers.models import Customer
from tests.customers.conftest import make_customer

pytestmark = pytest.mark.django_db


def reminders():
    return sorted(
        CareReminder.objects.values_list("customer__name", "contact__name", "occasion", "date")
    )


def test_lunar_holidays_2026():
    dates = care.holiday_dates(2026)
    assert dates[date(2026, 2, 17)] == "spring_festival"
    assert dates[date(2026, 3, 3)] == "lantern"
    assert dates[date(2026, 6, 19)] == "dragon_boat"
    assert dates[date(2026, 9, 25)] == "mid_autumn"
    assert dates[date(2026, 10, 1)] == "national_day"
    assert dates[date(2026, 1, 1)] == "new_year"
    assert dates[date(2026, 3, 8)] == "women_day"
    assert dates[date(2026, 5, 1)] == "labour_day"
    assert len(dates) == 8  # first days only: no second day of a festival, no make-up days


def test_holiday_reminders_for_a_and_b_customers_with_owner(org):
    a = make_customer(org.rep, "甲公司", level="A")
    make_customer(org.other_rep, "乙公司", level="B")
    make_customer(org.rep, "丙公司", level="C")
    gone = make_customer(org.lead, "丁公司", level="A")
    Customer.all_objects.filter(pk=gone.pk).update(owner=org.deactivated)
    result = care.care_reminders_generate(today=date(2026, 2, 14))
    assert result.holidays == 2
    assert reminders() == [
        ("乙公司", None, "spring_festival", date(2026, 2, 17)),
        ("甲公司", None, "spring_festival", date(2026, 2, 17)),
    ]
    greeting = CareReminder.objects.get(customer=a).greeting
    assert greeting.startswith("新春快乐\n甲公司，您好！")
    assert greeting.endswith("——张三 Zhang San")
    # 中秋 2026-09-25
    assert care.care_reminders_generate(today=date(2026, 9, 22)).holidays == 2
    assert CareReminder.objects.filter(occasion="mid_autumn", date=date(2026, 9, 25)).count() == 2


def test_greeting_in_the_owners_language(org):
    org.rep.language = "en"
    org.rep.save(update_fields=["language"])
    make_customer(org.rep, "Acme", level="A")
    care.care_reminders_generate(today=date(2026, 9, 25))
    assert CareReminder.objects.get().greeting == (
        "Happy Mid-Autumn Festival\nDear Acme, wishing you and your family a joyful "
        "Mid-Autumn Festival. — 张三 Zhang San"
    )


@override_settings(SALESDESK_CARE_HOLIDAY_LEVELS=("A",), SALESDESK_CARE_DAYS_AHEAD=0)
def test_settings_choose_levels_and_window(org):
    make_customer(org.rep, "甲公司", level="A")
    make_customer(org.rep, "乙公司", level="B")
    assert care.care_reminders_generate(today=date(2026, 9, 24)).holidays == 0
    assert care.care_reminders_generate(today=date(2026, 9, 25)).holidays == 1


def test_birthdays_including_29_february_and_idempotent(org):
    customer = make_customer(org.rep, "甲公司", level="C")
    services.contact_create(
        actor=org.rep, customer=customer, name="王五", birthday=date(1988, 2, 29)
    )
    services.contact_create(
        actor=org.rep, customer=customer, name="李四", birthday=date(1990, 3, 1)
    )
    services.contact_create(
        actor=org.rep, customer=customer, name="钱七", birthday=date(1990, 3, 9)
    )
    first = care.care_reminders_generate(today=date(2027, 2, 26))  # 2027: no 29 February
    assert first.birthdays == 2
    assert reminders() == [
        ("甲公司", "李四", "birthday", date(2027, 3, 1)),
        ("甲公司", "王五", "birthday", date(2027, 2, 28)),
    ]
    again = care.care_reminders_generate(today=date(2027, 2, 26))
    assert (again.birthdays, again.anniversaries, again.holidays) == (0, 0, 0)
    assert CareReminder.objects.count() == 2
    # In a leap year the 29th is the 29th.
    CareReminder.objects.all().delete()
    care.care_reminders_generate(today=date(2028, 2, 27))
    assert ("甲公司", "王五", "birthday", date(2028, 2, 29)) in reminders()


def test_anniversary_of_first_purchase_or_creation(org):
    bought = make_customer(org.rep, "甲公司", level="C", first_purchase_at=date(2023, 5, 20))
    created = make_customer(org.rep, "乙公司", level="C")
    Customer.all_objects.filter(pk=created.pk).update(
        created_at=timezone.make_aware(datetime(2024, 5, 21, 10, 0))
    )
    result = care.care_reminders_generate(today=date(2026, 5, 19))
    assert result.anniversaries == 2
    rows = dict(
        CareReminder.objects.filter(occasion="anniversary").values_list("customer_id", "years")
    )
    assert rows == {bought.pk: 3, created.pk: 2}
    assert CareReminder.objects.get(customer=bought, occasion="anniversary").greeting.startswith(
        "合作3周年"
    )
    # Less than a year: no anniversary.
    make_customer(org.rep, "丙公司", level="C", first_purchase_at=date(2026, 5, 20))
    assert care.care_reminders_generate(today=date(2026, 5, 19)).anniversaries == 0


def test_mark_sent_and_skip(org):
    customer = make_customer(org.rep, "甲公司", level="A")
    care.care_reminders_generate(today=date(2026, 9, 25))
    reminder = CareReminder.objects.get()
    with pytest.raises(CareReminder.DoesNotExist):
        care.care_reminder_mark_sent(actor=org.other_rep, reminder=reminder)
    with pytest.raises(PermissionDenied):
        care.care_reminder_skip(actor=org.deactivated, reminder=reminder)
    reminder.refresh_from_db()
    assert reminder.status == "open"
    care.care_reminder_mark_sent(actor=org.lead, reminder=reminder)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.handled_by_id) == ("sent", org.lead.pk)
    with pytest.raises(ValidationError):
        care.care_reminder_skip(actor=org.rep, reminder=reminder)
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert customer.pk == reminder.customer_id


def test_template_update_validates_placeholders(org):
    template = GreetingTemplate.objects.get(occasion="birthday", language="en")
    before = (template.subject, template.body)
    with pytest.raises(PermissionDenied):
        care.greeting_template_update(actor=org.rep, template=template, subject="x", body="y")
    with pytest.raises(ValidationError) as exc:
        care.greeting_template_update(
            actor=org.admin, template=template, subject="Hi", body="Dear {name}"
        )
    assert exc.value.message_dict["body"] == [
        "Unknown placeholder {name}. Use {contact}, {customer}, {sender} or {years}."
    ]
    with pytest.raises(ValidationError) as exc:
        care.greeting_template_update(actor=org.admin, template=template, subject=" ", body="")
    assert set(exc.value.message_dict) == {"subject", "body"}
    template.refresh_from_db()
    assert (template.subject, template.body) == before
    care.greeting_template_update(
        actor=org.admin, template=template, subject="Hi {contact}", body="From {sender}"
    )
    template.refresh_from_db()
    assert care.render_greeting(template, contact="Li", sender="Wang") == ("Hi Li", "From Wang")
