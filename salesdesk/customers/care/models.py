"""Customer care (CUS-10): greeting templates and care reminders.

Reminders are scoped through their customer (like contacts, D13): the customer's owner acts on
them, so a transfer or handover needs no second update.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salesdesk.core.models import TimeStampedModel
from salesdesk.customers.models import Contact, Customer
from salesdesk.org.models import BusinessAllManager


class Occasion(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    ANNIVERSARY = "anniversary", _("Customer anniversary")
    NEW_YEAR = "new_year", _("New Year's Day")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    LANTERN = "lantern", _("Lantern Festival")
    WOMEN_DAY = "women_day", _("Women's Day")
    LABOUR_DAY = "labour_day", _("Labour Day")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival")
    NATIONAL_DAY = "national_day", _("National Day")


HOLIDAY_OCCASIONS = tuple(
    o for o in Occasion.values if o not in (Occasion.BIRTHDAY, Occasion.ANNIVERSARY)
)


class GreetingLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class GreetingTemplate(TimeStampedModel):
    """The greeting of one occasion in one language. Placeholders: {contact}, {customer},
    {sender}, {years}."""

    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    language = models.CharField(_("language"), max_length=10, choices=GreetingLanguage.choices)
    subject = models.CharField(_("subject"), max_length=120)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["occasion", "language"]
        verbose_name = _("greeting template")
        verbose_name_plural = _("greeting templates")
        constraints = [
            models.UniqueConstraint(fields=["occasion", "language"], name="care_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.occasion}/{self.language}"


class CareReminder(TimeStampedModel):
    """A reminder to greet a customer (or one of its contacts) on an occasion's date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="care_reminders",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_reminders",
    )
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    date = models.DateField(_("date"))
    years = models.PositiveSmallIntegerField(_("years"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    greeting = models.TextField(_("greeting"), blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = BusinessAllManager()

    scope_owner_field = "customer__owner"
    scope_unit_field = "customer__org_unit"
    scope_share_via = "customer"

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("care reminder")
        verbose_name_plural = _("care reminders")
        constraints = [
            # Two partial constraints: NULL contacts are distinct in a plain unique index.
            models.UniqueConstraint(
                fields=["customer", "contact", "occasion", "date"],
                condition=Q(contact__isnull=False),
                name="care_reminder_contact_unique",
            ),
            models.UniqueConstraint(
                fields=["customer", "occasion", "date"],
                condition=Q(contact__isnull=True),
                name="care_reminder_customer_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "date"], name="care_status_date"),
            models.Index(fields=["customer", "date"], name="care_customer_date"),
        ]

    def __str__(self) -> str:
        return f"{self.occasion} {self.date}"
