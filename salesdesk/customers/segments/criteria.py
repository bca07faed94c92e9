"""The criteria of a segment (CUS-3): the schema, validated in this one place.

Criteria are a flat JSON object; every key is optional and an empty value means "any". Keys, by
the four kinds of segmentation (GROUPS):

geography       provinces[], cities[], regions[]                 (text, exact match)
firmographic /  kinds[], industries[], company_sizes[], age_bands[], genders[], income_bands[]
demographic     (choice values of customers/models.py); revenue_min, revenue_max (annual revenue,
                yuan, inclusive; customers without a revenue do not match a bound)
behavioural     levels[], sources[]; purchase_count_min/max, purchase_value_min/max (inclusive);
                last_purchase_within_days (bought in the last N days);
                not_purchased_for_days (no purchase in the last N days, never bought included);
                rfm_r_min, rfm_f_min, rfm_m_min (1–5; unscored customers do not match);
                last_follow_up_within_days (a follow-up in the last N days)
psychographic   tags_any[] (tag ids: any of them), tags_all[] (tag ids: all of them),
                needs_contains (text in "needs and pain points", case-insensitive)

`clean_criteria(raw)` returns the normalised criteria (only non-empty keys; lists sorted and
de-duplicated; money as strings with two decimals) or raises ValidationError({key: [message]})
with translated messages. Unknown keys are refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.customers.models import (
    AgeBand,
    CompanySize,
    CustomerKind,
    CustomerLevel,
    CustomerSource,
    Gender,
    IncomeBand,
    Industry,
    Tag,
)

# list key -> (customer field, choices or None for free text)
CHOICE_KEYS: dict[str, tuple[str, Any]] = {
    "kinds": ("kind", CustomerKind),
    "industries": ("industry", Industry),
    "company_sizes": ("company_size", CompanySize),
    "age_bands": ("age_band", AgeBand),
    "genders": ("gender", Gender),
    "income_bands": ("income_band", IncomeBand),
    "levels": ("level", CustomerLevel),
    "sources": ("source", CustomerSource),
}
TEXT_KEYS: dict[str, str] = {"provinces": "province", "cities": "city", "regions": "region"}
TAG_KEYS = ("tags_any", "tags_all")
# key -> (customer field, lower bound?)
MONEY_KEYS: dict[str, tuple[str, bool]] = {
    "revenue_min": ("annual_revenue", True),
    "revenue_max": ("annual_revenue", False),
    "purchase_value_min": ("purchase_value", True),
    "purchase_value_max": ("purchase_value", False),
}
COUNT_KEYS: dict[str, tuple[str, bool]] = {
    "purchase_count_min": ("purchase_count", True),
    "purchase_count_max": ("purchase_count", False),
}
DAY_KEYS = ("last_purchase_within_days", "not_purchased_for_days", "last_follow_up_within_days")
RFM_KEYS: dict[str, str] = {
    "rfm_r_min": "rfm_recency",
    "rfm_f_min": "rfm_frequency",
    "rfm_m_min": "rfm_monetary",
}
TEXT_CONTAINS_KEYS = ("needs_contains",)

GROUPS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("geography", gettext_lazy("Geography"), ("provinces", "cities", "regions")),
    (
        "firmographic",
        gettext_lazy("Firmographics and demographics"),
        (
            "kinds",
            "industries",
            "company_sizes",
            "revenue_min",
            "revenue_max",
            "age_bands",
            "genders",
            "income_bands",
        ),
    ),
    (
        "behavioural",
        gettext_lazy("Behaviour"),
        (
            "levels",
            "sources",
            "purchase_count_min",
            "purchase_count_max",
            "purchase_value_min",
            "purchase_value_max",
            "last_purchase_within_days",
            "not_purchased_for_days",
            "rfm_r_min",
            "rfm_f_min",
            "rfm_m_min",
            "last_follow_up_within_days",
        ),
    ),
    ("psychographic", gettext_lazy("Psychographics"), ("tags_any", "tags_all", "needs_contains")),
)
ALL_KEYS: tuple[str, ...] = tuple(k for _g, _l, keys in GROUPS for k in keys)

LABELS: dict[str, Any] = {
    "provinces": gettext_lazy("Provinces"),
    "cities": gettext_lazy("Cities"),
    "regions": gettext_lazy("Sales regions"),
    "kinds": gettext_lazy("Kinds"),
    "industries": gettext_lazy("Industries"),
    "company_sizes": gettext_lazy("Company sizes"),
    "revenue_min": gettext_lazy("Annual revenue from"),
    "revenue_max": gettext_lazy("Annual revenue up to"),
    "age_bands": gettext_lazy("Age bands"),
    "genders": gettext_lazy("Genders"),
    "income_bands": gettext_lazy("Income bands"),
    "levels": gettext_lazy("Levels"),
    "sources": gettext_lazy("Sources"),
    "purchase_count_min": gettext_lazy("Purchases at least"),
    "purchase_count_max": gettext_lazy("Purchases at most"),
    "purchase_value_min": gettext_lazy("Purchase value from"),
    "purchase_value_max": gettext_lazy("Purchase value up to"),
    "last_purchase_within_days": gettext_lazy("Bought in the last N days"),
    "not_purchased_for_days": gettext_lazy("No purchase for N days"),
    "rfm_r_min": gettext_lazy("R score at least"),
    "rfm_f_min": gettext_lazy("F score at least"),
    "rfm_m_min": gettext_lazy("M score at least"),
    "last_follow_up_within_days": gettext_lazy("Followed up in the last N days"),
    "tags_any": gettext_lazy("Any of these tags"),
    "tags_all": gettext_lazy("All of these tags"),
    "needs_contains": gettext_lazy("Needs and pain points contain"),
}

MAX_LIST = 100
MAX_TEXT = 30
MAX_DAYS = 3650
MAX_MONEY = Decimal("99999999999999.99")


def _as_list(value: Any) -> list | None:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        raise ValueError
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not amount.is_finite():
        raise ValueError
    return amount


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError


def clean_criteria(raw: Any) -> dict[str, Any]:
    """Validate and normalise criteria; ValidationError({key: [message]}) on bad input."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"criteria": [_("Criteria must be an object of named criteria.")]})
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    unknown = sorted(str(k) for k in raw if k not in ALL_KEYS)
    if unknown:
        errors["criteria"] = [_("Unknown criteria: %(keys)s.") % {"keys": ", ".join(unknown)}]

    for key, (_field, choices) in CHOICE_KEYS.items():
        values = _as_list(raw.get(key))
        if values is None:
            errors[key] = [_("Give a list of values.")]
            continue
        valid = set(choices.values)
        bad = [v for v in values if not isinstance(v, str) or v not in valid]
        if bad:
            errors[key] = [
                _("Select valid choices; not valid: %(values)s.")
                % {"values": ", ".join(str(v) for v in bad[:5])}
            ]
        elif values:
            out[key] = sorted(set(values))

    for key in TEXT_KEYS:
        values = _as_list(raw.get(key))
        if values is None or not all(isinstance(v, str) for v in values):
            errors[key] = [_("Give a list of names.")]
            continue
        cleaned = sorted({v.strip() for v in values if v.strip()})
        if len(cleaned) > MAX_LIST:
            errors[key] = [_("Give at most %(n)d values.") % {"n": MAX_LIST}]
        elif any(len(v) > MAX_TEXT for v in cleaned):
            errors[key] = [_("Each name may have at most %(n)d characters.") % {"n": MAX_TEXT}]
        elif cleaned:
            out[key] = cleaned

    tag_ids: dict[str, list[int]] = {}
    for key in TAG_KEYS:
        values = _as_list(raw.get(key))
        try:
            if values is None:
                raise ValueError
            ids = sorted({_integer(v) for v in values})
        except ValueError:
            errors[key] = [_("Select valid tags.")]
            continue
        if len(ids) > MAX_LIST:
            errors[key] = [_("Give at most %(n)d values.") % {"n": MAX_LIST}]
        elif ids:
            tag_ids[key] = ids
    wanted = {pk for ids in tag_ids.values() for pk in ids}
    if wanted:
        found = set(Tag.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        for key, ids in tag_ids.items():
            if set(ids) - found:
                errors[key] = [_("Select valid tags.")]
            else:
                out[key] = ids

    for key in MONEY_KEYS:
        value = raw.get(key)
        if value is None or value == "":
            continue
        try:
            amount = _money(value)
        except ValueError:
            errors[key] = [_("Enter a number.")]
            continue
        if amount < 0:
            errors[key] = [_("Enter a value of zero or more.")]
        elif amount > MAX_MONEY:
            errors[key] = [_("Enter a smaller value.")]
        else:
            out[key] = str(amount.quantize(Decimal("0.01")))

    for key in (*COUNT_KEYS, *DAY_KEYS, *RFM_KEYS):
        value = raw.get(key)
        if value is None or value == "":
            continue
        try:
            number = _integer(value)
        except ValueError:
            errors[key] = [_("Enter a whole number.")]
            continue
        if key in RFM_KEYS:
            if not 1 <= number <= 5:
                errors[key] = [_("Enter a score from 1 to 5.")]
                continue
        elif key in DAY_KEYS:
            if not 1 <= number <= MAX_DAYS:
                errors[key] = [_("Enter a number of days from 1 to %(n)d.") % {"n": MAX_DAYS}]
                continue
        elif not 0 <= number <= 1_000_000_000:
            errors[key] = [_("Enter a value of zero or more.")]
            continue
        out[key] = number

    for key in TEXT_CONTAINS_KEYS:
        value = raw.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            errors[key] = [_("Enter a text.")]
        elif len(value.strip()) > 100:
            errors[key] = [_("Enter at most %(n)d characters.") % {"n": 100}]
        elif value.strip():
            out[key] = value.strip()

    for low, high in (
        ("revenue_min", "revenue_max"),
        ("purchase_value_min", "purchase_value_max"),
        ("purchase_count_min", "purchase_count_max"),
    ):
        if low in out and high in out and Decimal(str(out[low])) > Decimal(str(out[high])):
            errors.setdefault(high, []).append(
                _("The upper bound must not be below the lower bound.")
            )
    if errors:
        raise ValidationError(errors)
    return {k: out[k] for k in ALL_KEYS if k in out}
