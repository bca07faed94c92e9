"""Reads for segments and personas (CUS-3).

- `segments_visible(user)`: the segments a user may open: their own and the shared ones.
- `criteria_q(criteria, ...)`: the one translation of criteria into a filter on customers.
- `segment_customers(user, criteria)`: the customers of a segment, always inside
  `visible_to(user)` (the customer list's "all" view): a rep's segment counts only the rep's
  customers, a director's the customers of their units. Whatever the data scope shows is in the
  universe (public-pool customers included exactly when `visible_to` shows them).
- `persona(user, criteria)`: size, value share, averages, distributions and the typical profile,
  each a single SQL aggregate; a constant number of queries whatever the number of customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.customers.models import (
    AgeBand,
    CompanySize,
    Customer,
    CustomerKind,
    CustomerLevel,
    CustomerSource,
    Gender,
    IncomeBand,
    Industry,
    Tag,
)
from salesdesk.customers.segments.criteria import (
    CHOICE_KEYS,
    COUNT_KEYS,
    GROUPS,
    LABELS,
    MONEY_KEYS,
    RFM_KEYS,
    TEXT_KEYS,
)
from salesdesk.customers.segments.models import Segment, SegmentVisibility
from salesdesk.customers.selectors import customers_visible, user_zone
from salesdesk.org.models import User

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "name"


# --- segments -------------------------------------------------------------------------------


def segments_visible(user: User) -> QuerySet[Segment]:
    """Live segments the user may open: their own, and every shared one. Inactive: none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Segment.objects.none()
    return Segment.objects.filter(
        Q(owner_id=user.pk) | Q(visibility=SegmentVisibility.SHARED)
    ).select_related("owner")


def segment_list(user: User, *, q: str = "", mine: bool = False, sort: str = DEFAULT_SORT):
    qs = segments_visible(user)
    if mine:
        qs = qs.filter(owner_id=user.pk)
    if q and q.strip():
        text = q.strip()[:80]
        qs = qs.filter(Q(name__icontains=text) | Q(description__icontains=text))
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def segment_detail(user: User, pk: int) -> Segment:
    segment = segments_visible(user).filter(pk=pk).first()
    if segment is None:
        raise Http404
    return segment


def can_manage(user: User, segment: Segment) -> bool:
    """The author edits and deletes a segment; administrators may also tidy shared ones."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if segment.owner_id == user.pk:
        return True
    return segment.visibility == SegmentVisibility.SHARED and user.has_function("can_configure")


# --- criteria -> filter -------------------------------------------------------------------


def criteria_q(criteria: dict[str, Any], *, now: datetime, today: date) -> Q:
    """The filter on Customer of (clean) criteria; `today` is the viewer's local date."""
    q = Q()
    for key, field in TEXT_KEYS.items():
        if criteria.get(key):
            q &= Q(**{f"{field}__in": criteria[key]})
    for key, (field, _choices) in CHOICE_KEYS.items():
        if criteria.get(key):
            q &= Q(**{f"{field}__in": criteria[key]})
    for key, (field, lower) in {**MONEY_KEYS, **COUNT_KEYS}.items():
        if criteria.get(key) is not None:
            value = criteria[key]
            value = Decimal(value) if key in MONEY_KEYS else value
            q &= Q(**{f"{field}__{'gte' if lower else 'lte'}": value})
    if criteria.get("last_purchase_within_days"):
        since = today - timedelta(days=criteria["last_purchase_within_days"])
        q &= Q(last_purchase_at__gte=since)
    if criteria.get("not_purchased_for_days"):
        since = today - timedelta(days=criteria["not_purchased_for_days"])
        q &= Q(last_purchase_at__isnull=True) | Q(last_purchase_at__lt=since)
    for key, field in RFM_KEYS.items():
        if criteria.get(key):
            q &= Q(**{f"{field}__gte": criteria[key]})
    if criteria.get("last_follow_up_within_days"):
        since = now - timedelta(days=criteria["last_follow_up_within_days"])
        q &= Q(last_follow_up_at__gte=since)
    through = Customer.tags.through.objects
    if criteria.get("tags_any"):
        q &= Q(pk__in=through.filter(tag_id__in=criteria["tags_any"]).values("customer_id"))
    for tag_id in criteria.get("tags_all") or ():
        q &= Q(pk__in=through.filter(tag_id=tag_id).values("customer_id"))
    if criteria.get("needs_contains"):
        q &= Q(needs__icontains=criteria["needs_contains"])
    return q


def viewer_clock(user: User) -> tuple[datetime, date]:
    now = timezone.now()
    return now, now.astimezone(user_zone(user)).date()


def segment_customers(user: User, criteria: dict[str, Any]) -> QuerySet[Customer]:
    """The customers of a segment the user can see (unordered; add the order you need)."""
    now, today = viewer_clock(user)
    return customers_visible(user).filter(criteria_q(criteria, now=now, today=today))


def segment_count(user: User, criteria: dict[str, Any]) -> int:
    return segment_customers(user, criteria).count()


# --- describing criteria ------------------------------------------------------------------


def criteria_summary(criteria: dict[str, Any]) -> list[dict[str, Any]]:
    """[{group, label, items: [{label, value}]}] for the groups that have criteria (1 query at
    most: the names of the chosen tags)."""
    tag_ids = {pk for k in ("tags_any", "tags_all") for pk in criteria.get(k) or ()}
    tag_names = (
        dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name")) if tag_ids else {}
    )
    out = []
    for group, label, keys in GROUPS:
        items = []
        for key in keys:
            if key not in criteria:
                continue
            value = criteria[key]
            if key in CHOICE_KEYS:
                labels = dict(CHOICE_KEYS[key][1].choices)
                text = ", ".join(str(labels.get(v, v)) for v in value)
            elif key in ("tags_any", "tags_all"):
                text = ", ".join(tag_names.get(pk, "?") for pk in value)
            elif isinstance(value, list):
                text = ", ".join(value)
            else:
                text = str(value)
            items.append({"key": key, "label": str(LABELS[key]), "value": text})
        if items:
            out.append({"group": group, "label": str(label), "items": items})
    return out


# --- persona ------------------------------------------------------------------------------

# Distributions of fixed choices: counted together in one conditional aggregate.
DISTRIBUTION_FIELDS: tuple[tuple[str, Any, Any], ...] = (
    ("level", gettext_lazy("Level"), CustomerLevel),
    ("kind", gettext_lazy("Kind"), CustomerKind),
    ("industry", gettext_lazy("Industry"), Industry),
    ("company_size", gettext_lazy("Company size"), CompanySize),
    ("age_band", gettext_lazy("Age band"), AgeBand),
    ("gender", gettext_lazy("Gender"), Gender),
    ("income_band", gettext_lazy("Income band"), IncomeBand),
    ("source", gettext_lazy("Source"), CustomerSource),
)
# Recency of the last purchase, in days before today: (key, label, newest day, oldest day).
RECENCY_BUCKETS: tuple[tuple[str, Any, int, int | None], ...] = (
    ("30", gettext_lazy("Last 30 days"), 0, 30),
    ("90", gettext_lazy("31–90 days"), 31, 90),
    ("180", gettext_lazy("91–180 days"), 91, 180),
    ("365", gettext_lazy("181–365 days"), 181, 365),
    ("older", gettext_lazy("Over a year"), 366, None),
)
RFM_FIELDS = (("r", "rfm_recency"), ("f", "rfm_frequency"), ("m", "rfm_monetary"))
TOP_PROVINCES = 10
TOP_TAGS = 15
TOP_NEED_TAGS = 10
RECENT_NEEDS = 10
NOT_SET = "__none__"


def _share(part: int | Decimal, whole: int | Decimal) -> float:
    if not whole:
        return 0.0
    ratio = Decimal(part) * 100 / Decimal(whole)
    return float(ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Bar:
    key: str
    label: str
    count: int
    share: float  # percent of the segment

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "count": self.count, "share": self.share}


def _bars(counts: list[tuple[str, str, int]], size: int) -> list[Bar]:
    return [Bar(key, label, n, _share(n, size)) for key, label, n in counts if n]


def persona(user: User, criteria: dict[str, Any]) -> dict[str, Any]:
    """Every number of the persona page (and of the API's persona), in six queries whatever
    the number of customers: universe totals; one pass over the segment counting size, value,
    averages, every fixed-choice distribution, recency buckets and RFM scores (conditional
    aggregates); the median; provinces (top 10); tags; the most recent needs."""
    now, today = viewer_clock(user)
    universe = customers_visible(user)
    members = universe.filter(criteria_q(criteria, now=now, today=today))

    totals = universe.aggregate(count=Count("id"), value=Sum("purchase_value"))
    total_count = totals["count"] or 0
    total_value = _money(totals["value"])

    aggregates: dict[str, Any] = {
        "size": Count("id"),
        "value": Sum("purchase_value"),
        "avg_value": Avg("purchase_value"),
        "avg_count": Avg("purchase_count"),
        "buyers": Count("id", filter=Q(purchase_count__gt=0)),
        "never": Count("id", filter=Q(last_purchase_at__isnull=True)),
    }
    for field, _label, choices in DISTRIBUTION_FIELDS:
        for value in choices.values:
            aggregates[f"{field}:{value}"] = Count("id", filter=Q(**{field: value}))
    for key, _label, newest, oldest in RECENCY_BUCKETS:
        cond = Q(last_purchase_at__lte=today - timedelta(days=newest))
        if oldest is not None:
            cond &= Q(last_purchase_at__gte=today - timedelta(days=oldest))
        aggregates[f"recency:{key}"] = Count("id", filter=cond)
    for short, field in RFM_FIELDS:
        for score in range(1, 6):
            aggregates[f"rfm_{short}:{score}"] = Count("id", filter=Q(**{field: score}))
    for r in range(1, 6):
        for f in range(1, 6):
            cell = Q(rfm_recency=r, rfm_frequency=f)
            aggregates[f"rfm_grid:{r}:{f}"] = Count("id", filter=cell)
    agg = members.aggregate(**aggregates)
    size = agg["size"] or 0
    value = _money(agg["value"])

    median_value = Decimal("0.00")
    if size:
        row = members.order_by("purchase_value", "id").values_list("purchase_value", flat=True)[
            (size - 1) // 2 : (size - 1) // 2 + 1
        ]
        median_value = _money(next(iter(row), 0))

    distributions: list[dict[str, Any]] = []
    for field, label, choices in DISTRIBUTION_FIELDS:
        counts = [(v, str(lbl), agg[f"{field}:{v}"]) for v, lbl in choices.choices]
        missing = size - sum(n for _v, _l, n in counts)
        counts.append((NOT_SET, _("Not set"), missing))
        distributions.append(
            {"key": field, "label": str(label), "bars": [b.as_dict() for b in _bars(counts, size)]}
        )

    def grouped(field: str, limit: int) -> list[dict[str, Any]]:
        rows = (
            members.exclude(**{field: ""})
            .values(field)
            .annotate(n=Count("id"))
            .order_by("-n", field)[:limit]
        )
        return [Bar(r[field], r[field], r["n"], _share(r["n"], size)).as_dict() for r in rows]

    provinces = grouped("province", TOP_PROVINCES)
    distributions.insert(
        2, {"key": "province", "label": str(_("Province (top 10)")), "bars": provinces}
    )

    recency = [(k, str(lbl), agg[f"recency:{k}"]) for k, lbl, _n, _o in RECENCY_BUCKETS]
    recency.append(("never", _("Never bought"), agg["never"]))
    distributions.append(
        {
            "key": "recency",
            "label": str(_("Last purchase")),
            "bars": [b.as_dict() for b in _bars(recency, size)],
        }
    )

    # One GROUP BY over the segment's tags (tags are a curated list: few groups), then the top
    # tags overall and the top value/interest tags ("needs and pain points") from it.
    tag_rows = list(
        Customer.tags.through.objects.filter(customer__in=members.values("pk"))
        .values("tag_id", "tag__name", "tag__category")
        .annotate(n=Count("customer_id"))
        .order_by("-n", "tag__name", "tag_id")
    )

    def tag_bar(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "key": str(r["tag_id"]),
            "label": r["tag__name"],
            "category": r["tag__category"],
            "count": r["n"],
            "share": _share(r["n"], size),
        }

    tags = [tag_bar(r) for r in tag_rows[:TOP_TAGS]]
    need_categories = (Tag.Category.VALUE, Tag.Category.INTEREST)
    need_tags = [tag_bar(r) for r in tag_rows if r["tag__category"] in need_categories][
        :TOP_NEED_TAGS
    ]
    needs = [
        {"customer_id": r["id"], "customer_name": r["name"], "needs": r["needs"]}
        for r in members.exclude(needs="")
        .order_by("-updated_at", "-id")
        .values("id", "name", "needs")[:RECENT_NEEDS]
    ]

    rfm = {
        short: [
            {
                "score": s,
                "count": agg[f"rfm_{short}:{s}"],
                "share": _share(agg[f"rfm_{short}:{s}"], size),
            }
            for s in range(1, 6)
        ]
        for short, _field in RFM_FIELDS
    }
    rfm["grid"] = [
        [r, f, agg[f"rfm_grid:{r}:{f}"]]
        for r in range(1, 6)
        for f in range(1, 6)
        if agg[f"rfm_grid:{r}:{f}"]
    ]

    avg_value = _money(agg["avg_value"])
    avg_count = float(
        Decimal(agg["avg_count"] or 0).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    )
    return {
        "size": size,
        "total_customers": total_count,
        "size_share": _share(size, total_count),
        "value": value,
        "total_value": total_value,
        "value_share": _share(value, total_value),
        "avg_value": avg_value,
        "median_value": median_value,
        "avg_count": avg_count,
        "buyers": agg["buyers"] or 0,
        "distributions": distributions,
        "tags": tags,
        "need_tags": need_tags,
        "needs": needs,
        "rfm": rfm,
        "typical": typical_profile(distributions, avg_count=avg_count, size=size),
    }


# Fields of the typical profile, in the order of the sentence.
TYPICAL_FIELDS = (
    "kind",
    "industry",
    "province",
    "company_size",
    "age_band",
    "gender",
    "income_band",
    "level",
    "source",
    "recency",
)


def typical_profile(
    distributions: list[dict[str, Any]], *, avg_count: float, size: int
) -> dict[str, Any]:
    """The most common value of each field (ties: the first in the field's order) with its
    share, and a sentence built from them. Values "not set" are skipped."""
    by_key = {d["key"]: d for d in distributions}
    parts = []
    for key in TYPICAL_FIELDS:
        bars = [b for b in by_key.get(key, {}).get("bars", []) if b["key"] != NOT_SET]
        if not bars:
            continue
        top = max(bars, key=lambda b: b["count"])  # max keeps the first of equal counts
        parts.append(
            {
                "field": key,
                "field_label": by_key[key]["label"],
                "key": top["key"],
                "label": top["label"],
                "share": top["share"],
            }
        )
    if not size:
        return {"parts": [], "sentence": ""}
    words = [f"{p['label']} ({p['share']:g}%)" for p in parts]
    words.append(_("bought %(n)s times on average") % {"n": f"{avg_count:g}"})
    return {
        "parts": parts,
        "sentence": _("Typical: %(profile)s.") % {"profile": ", ".join(words)},
    }


def segment_filter_q(user: User, pk: int) -> Q:
    """The customer-list filter `segment=<id>`: the segment's criteria, or nothing when the
    user cannot open that segment (1 query)."""
    criteria = segments_visible(user).filter(pk=pk).values_list("criteria", flat=True).first()
    if criteria is None:
        return Q(pk__in=[])
    now, today = viewer_clock(user)
    return criteria_q(criteria, now=now, today=today)


def visible_count(user: User) -> int:
    return customers_visible(user).count()


def share(part, whole) -> float:
    return _share(part, whole)


def criteria_summary_cheap(criteria: dict[str, Any]) -> str:
    """A one-line description of criteria without queries (tags counted, not named): for the
    segment list."""
    parts = []
    for key in (k for _g, _l, keys in GROUPS for k in keys):
        if key not in criteria:
            continue
        value = criteria[key]
        if key in CHOICE_KEYS:
            labels = dict(CHOICE_KEYS[key][1].choices)
            text = ", ".join(str(labels.get(v, v)) for v in value)
        elif key in ("tags_any", "tags_all"):
            text = _("%(n)d tags") % {"n": len(value)}
        elif isinstance(value, list):
            text = ", ".join(value)
        else:
            text = str(value)
        parts.append(f"{LABELS[key]}: {text}")
    return " · ".join(parts) if parts else _("All customers I can see")
