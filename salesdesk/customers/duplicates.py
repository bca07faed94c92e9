"""Duplicate check (查重, CUS-5) on every entry path: form, import, API, lead conversion, pool.

A candidate customer is compared with every live customer — not only the ones the user can see,
or two reps would create the same company twice — by exact equality of the normalised keys of
salesdesk.customers.normalize (name without legal-form suffixes, phone digits without +86, email in
lower case, credit code in upper case) and with the contacts' mobile and email keys. Every lookup is
an equality on an indexed column, so the check costs three indexed queries at any data size.

A hit outside the user's data scope (ORG-2) reveals only that it exists: a masked name and a
masked owner, and no link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CharField, Value
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from salesdesk.customers.models import Contact, Customer
from salesdesk.customers.normalize import (
    normalize_credit_code,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from salesdesk.org.scoping import visible_to

# Order of the reasons in a hit, strongest first.
MATCH_ORDER = ("credit_code", "name", "phone", "email", "contact_phone", "contact_email")
# Phones shorter than this (extensions, typos) are too unspecific to call a duplicate.
MIN_PHONE_DIGITS = 6


@dataclass
class DuplicateHit:
    customer_id: int
    matched_on: list[str] = field(default_factory=list)
    visible: bool = False
    name: str = ""
    owner_name: str = ""
    url: str = ""
    # A customer in a public pool (CUS-6) has no owner: the hit names the pool instead, and links
    # to the pool page when the actor belongs to the pool and may claim it.
    pool_name: str = ""
    claimable: bool = False

    @property
    def blocking(self) -> bool:
        """An exact credit-code match is the same legal entity: never created twice."""
        return "credit_code" in self.matched_on

    def as_dict(self) -> dict:
        return {
            "customer_id": self.customer_id,
            "matched_on": list(self.matched_on),
            "visible": self.visible,
            "name": self.name,
            "owner_name": self.owner_name,
            "url": self.url,
            "pool_name": self.pool_name,
            "claimable": self.claimable,
        }


def _field_messages() -> dict[str, str]:
    return {
        "credit_code": _("A customer with this unified social credit code already exists."),
        "name": _("A customer with the same name already exists."),
        "phone": _("A customer or contact with this phone number already exists."),
        "email": _("A customer or contact with this email address already exists."),
    }


# Which input field a reason belongs to.
_REASON_FIELD = {
    "credit_code": "credit_code",
    "name": "name",
    "phone": "phone",
    "email": "email",
    "contact_phone": "phone",
    "contact_email": "email",
}


class DuplicateCustomerError(ValidationError):
    """The customer looks like one that exists. `hits` lists them (masked when out of scope);
    `blocking` is True when a credit code matches, which `allow_duplicate` cannot override."""

    def __init__(self, hits: list[DuplicateHit]):
        self.hits = hits
        self.blocking = any(hit.blocking for hit in hits)
        messages = _field_messages()
        errors: dict[str, list[ValidationError]] = {}
        for hit in hits:
            for reason in hit.matched_on:
                name = _REASON_FIELD[reason]
                if name not in errors:
                    errors[name] = [ValidationError(messages[name], code="duplicate")]
        if not errors:  # pragma: no cover - a hit always has a reason
            errors[NON_FIELD_ERRORS] = [
                ValidationError(_("This customer may already exist."), code="duplicate")
            ]
        super().__init__(errors)


def mask_name(name: str) -> str:
    """'北京星辰科技有限公司' → '北京****公司'; short names keep only their first character."""
    name = (name or "").strip()
    if len(name) >= 6:
        return f"{name[:2]}****{name[-2:]}"
    if len(name) >= 2:
        return name[0] + "*" * (len(name) - 1)
    return "*"


def mask_person(name: str) -> str:
    """'张三' → '张*', 'Alice Chen' → 'A*'."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else "*"


def customer_url(pk: int) -> str:
    try:
        return reverse("web:customer_detail", args=[pk])
    except NoReverseMatch:
        return ""


def pool_customer_url(pk: int) -> str:
    try:
        return reverse("web:pool_customer_detail", args=[pk])
    except NoReverseMatch:
        return ""


def _owner_name(row, seen: bool) -> str:
    """The owner's name (masked outside the scope); a pool customer has no owner to mask."""
    if row.owner_id is None:
        return ""
    return row.owner.name if seen else mask_person(row.owner.name)


def duplicate_check(
    *,
    actor,
    name: str = "",
    phone: str = "",
    email: str = "",
    credit_code: str = "",
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[DuplicateHit]:
    """Live customers matching any of the given values, strongest first (at most `limit`)."""
    keys = {
        "name": normalize_name(name),
        "phone": normalize_phone(phone),
        "email": normalize_email(email),
        "credit_code": normalize_credit_code(credit_code),
    }
    if len(keys["phone"]) < MIN_PHONE_DIGITS:
        keys["phone"] = ""
    reasons: dict[int, set[str]] = {}

    # One statement, one indexed equality lookup per key: a UNION of (customer id, reason) pairs.
    # (An OR of the keys makes SQLite scan the table in id order.) Contacts' mobile and email
    # point to their customer.
    parts = []
    for reason, key in keys.items():
        if key:
            parts.append(
                Customer.objects.filter(**{f"{reason}_key": key})
                .exclude(pk=exclude_pk)
                .annotate(reason=Value(reason, output_field=CharField()))
                .order_by()
                .values_list("id", "reason")
            )
    for reason, key_field, key in (
        ("contact_phone", "mobile_key", keys["phone"]),
        ("contact_email", "email_key", keys["email"]),
    ):
        if key:
            parts.append(
                Contact.objects.filter(**{key_field: key}, customer__deleted_at__isnull=True)
                .exclude(customer_id=exclude_pk)
                .annotate(reason=Value(reason, output_field=CharField()))
                .order_by()
                .values_list("customer_id", "reason")
            )
    if not parts:
        return []
    pairs = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for customer_id, reason in pairs[: limit * 20]:
        reasons.setdefault(customer_id, set()).add(reason)
    if not reasons:
        return []
    rows = list(
        Customer.objects.filter(pk__in=sorted(reasons)[: limit * 5])
        .select_related("owner", "pool")
        .only(
            "id",
            "name",
            "pool__name",
            "owner__username",
            "owner__display_name",
            "owner__first_name",
            "owner__last_name",
            *(f"{reason}_key" for reason in keys),
        )
        .order_by("id")[: limit * 5]
    )
    if not rows:
        return []
    visible = set(
        visible_to(Customer.objects.filter(pk__in=[r.pk for r in rows]), actor).values_list(
            "pk", flat=True
        )
    )
    member_pools: set[int] = set()
    if any(row.pool_id for row in rows):
        from salesdesk.customers.pool.selectors import pool_ids_of

        member_pools = set(pool_ids_of(actor))
    hits = []
    for row in rows:
        matched = [reason for reason in MATCH_ORDER if reason in reasons.get(row.pk, ())]
        if not matched:
            continue
        seen = row.pk in visible
        claimable = bool(row.pool_id and row.pool_id in member_pools)
        hits.append(
            DuplicateHit(
                customer_id=row.pk,
                matched_on=matched,
                visible=seen,
                name=row.name if seen or claimable else mask_name(row.name),
                owner_name=_owner_name(row, seen),
                url=(
                    pool_customer_url(row.pk) if claimable else customer_url(row.pk) if seen else ""
                ),
                pool_name=row.pool.name if row.pool_id else "",
                claimable=claimable,
            )
        )
    hits.sort(key=lambda h: (MATCH_ORDER.index(h.matched_on[0]), -len(h.matched_on), h.customer_id))
    return hits[:limit]
