"""Public pools (公海, CUS-6): pools, their auto-return rules and the record of every move.

Imported at the bottom of salesdesk/customers/models.py, so the models belong to the customers
app (app label "customers").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel

__all__ = ["Pool", "PoolEvent", "PoolReminder", "PoolRule"]


class Pool(TimeStampedModel, SoftDeleteModel, VersionedModel):
    """A public pool. Members (users of the member units and their sub-units, plus the member
    users) see its customers and may claim them. A customer returned to the pool goes to the
    first active pool (by id) whose member units cover its org unit, else to the default pool."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    member_units = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("member units"), blank=True, related_name="+"
    )
    member_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("member users"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default pool"),
        default=False,
        help_text=_("Customers of units no other pool covers return to this pool."),
    )
    claim_limit_per_day = models.PositiveIntegerField(
        _("claims per user per day"), default=0, help_text=_("0: no limit.")
    )
    cooldown_days = models.PositiveIntegerField(
        _("cool-down days"),
        default=0,
        help_text=_("Days before the previous owner may claim a returned customer again."),
    )
    reminder_days = models.PositiveIntegerField(
        _("reminder days"),
        default=3,
        help_text=_("Working days before an automatic return when the owner is reminded."),
    )
    quota = models.PositiveIntegerField(
        _("customer quota per user"),
        default=0,
        help_text=_("A user owning this many customers may not claim more. 0: no limit."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return self.name


class PoolRule(TimeStampedModel):
    """An auto-return rule of a pool: owned customers of the given levels with no follow-up (or
    no deal) for `days` working days go back to the pool."""

    class Kind(models.TextChoices):
        NO_FOLLOW_UP = "no_follow_up", _("No follow-up")
        NO_DEAL = "no_deal", _("No deal")

    pool = models.ForeignKey(
        Pool, verbose_name=_("public pool"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    days = models.PositiveIntegerField(_("working days"))
    levels = models.JSONField(
        _("customer levels"), default=list, blank=True, help_text=_("Empty: every level.")
    )
    exempt_won = models.BooleanField(
        _("won customers exempt"),
        default=True,
        help_text=_("Customers who have bought (purchases > 0) never return by this rule."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pool", "kind", "days", "id"]
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.days}"


class PoolEvent(models.Model):
    """One move of a customer into or out of a pool."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        ASSIGN = "assign", _("Assigned")
        RETURN = "return", _("Returned")
        AUTO_RETURN = "auto_return", _("Returned automatically")

    # Few indexes: the job inserts events in bulk. (customer, -at) and (actor, kind, at) below
    # cover the customer and actor lookups.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="pool_events", db_index=False
    )
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    rule = models.ForeignKey(
        PoolRule, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        indexes = [
            models.Index(fields=["customer", "-at"], name="poolevent_customer_at"),
            models.Index(fields=["actor", "kind", "at"], name="poolevent_actor_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} {self.at:%Y-%m-%d}"


class PoolReminder(models.Model):
    """The record that an owner was reminded of a customer's automatic return on a due date:
    the reminder job sends one notification per (customer, owner, due date), looked up here by
    its unique index (the notifications table has no index for that question)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    rule = models.ForeignKey(
        PoolRule, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "due_at", "owner"], name="poolreminder_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.due_at:%Y-%m-%d}"
