"""Segments (CUS-3): criteria → customers equals a brute-force oracle (property test), the
persona's numbers on a small fixture, and scoping (each viewer counts only their customers)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from salesdesk.customers.segments import selectors, services
from salesdesk.customers.segments.criteria import clean_criteria

NOW = timezone.now()


def make(owner, name, *, tags=(), **fields) -> Customer:
    customer = Customer.objects.create(owner=owner, org_unit=owner.unit, name=name, **fields)
    if tags:
        customer.tags.set(tags)
    return customer


# --- the oracle ----------------------------------------------------------------------------

FIELDS = {
    "provinces": "province",
    "cities": "city",
    "regions": "region",
    "kinds": "kind",
    "industries": "industry",
    "company_sizes": "company_size",
    "age_bands": "age_band",
    "genders": "gender",
    "income_bands": "income_band",
    "levels": "level",
    "sources": "source",
}


def matches(c: Customer, tag_ids: set[int], crit: dict, today: date, now: datetime) -> bool:
    for key, field in FIELDS.items():
        if key in crit and getattr(c, field) not in crit[key]:
            return False
    bounds = {
        "revenue_min": ("annual_revenue", 1),
        "revenue_max": ("annual_revenue", -1),
        "purchase_value_min": ("purchase_value", 1),
        "purchase_value_max": ("purchase_value", -1),
        "purchase_count_min": ("purchase_count", 1),
        "purchase_count_max": ("purchase_count", -1),
    }
    for key, (field, sign) in bounds.items():
        if key in crit:
            value = getattr(c, field)
            bound = Decimal(str(crit[key]))
            if value is None or (value - bound) * sign < 0:
                return False
    if "last_purchase_within_days" in crit:
        since = today - timedelta(days=crit["last_purchase_within_days"])
        if c.last_purchase_at is None or c.last_purchase_at < since:
            return False
    if "not_purchased_for_days" in crit:
        since = today - timedelta(days=crit["not_purchased_for_days"])
        if c.last_purchase_at is not None and c.last_purchase_at >= since:
            return False
    for key, field in (("rfm_r_min", "rfm_recency"), ("rfm_f_min", "rfm_frequency")):
        if key in crit and (getattr(c, field) is None or getattr(c, field) < crit[key]):
            return False
    if "rfm_m_min" in crit and (c.rfm_monetary is None or c.rfm_monetary < crit["rfm_m_min"]):
        return False
    if "last_follow_up_within_days" in crit:
        since = now - timedelta(days=crit["last_follow_up_within_days"])
        if c.last_follow_up_at is None or c.last_follow_up_at < since:
            return False
    if "tags_any" in crit and not tag_ids & set(crit["tags_any"]):
        return False
    if "tags_all" in crit and not set(crit["tags_all"]) <= tag_ids:
        return False
    needle = crit.get("needs_contains")
    return needle is None or needle.lower() in c.needs.lower()


def sub(values):
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


PROVINCES = ["广东", "江苏", "浙江", ""]
CITIES = ["广州", "南京", "杭州", ""]
NEEDS = ["", "需要ERP对接", "降低成本 erp", "Faster delivery", "需要定制化方案"]

customers_st = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["rep", "other_rep", "lead"]),
        "province": st.sampled_from(PROVINCES),
        "city": st.sampled_from(CITIES),
        "region": st.sampled_from(["华东大区", "华南大区", ""]),
        "kind": st.sampled_from(CustomerKind.values),
        "industry": st.sampled_from(["", *Industry.values[:4]]),
        "company_size": st.sampled_from(["", *CompanySize.values]),
        "annual_revenue": st.sampled_from([None, Decimal("0"), Decimal("500.50"), Decimal("9000")]),
        "age_band": st.sampled_from(["", *AgeBand.values]),
        "gender": st.sampled_from(["", *Gender.values]),
        "income_band": st.sampled_from(["", *IncomeBand.values]),
        "level": st.sampled_from(CustomerLevel.values),
        "source": st.sampled_from(["", *CustomerSource.values[:4]]),
        "purchase_count": st.integers(0, 6),
        "purchase_value": st.sampled_from([Decimal("0"), Decimal("100"), Decimal("2500.50")]),
        "last_purchase_days": st.one_of(st.none(), st.integers(0, 400)),
        "rfm": st.one_of(st.none(), st.tuples(*[st.integers(1, 5)] * 3)),
        "follow_up_days": st.one_of(st.none(), st.integers(0, 60)),
        "tags": st.lists(st.integers(0, 3), max_size=3, unique=True),
        "needs": st.sampled_from(NEEDS),
    }
)

criteria_st = st.fixed_dictionaries(
    {},
    optional={
        "provinces": sub(PROVINCES[:3]),
        "cities": sub(CITIES[:3]),
        "regions": sub(["华东大区", "华南大区"]),
        "kinds": sub(CustomerKind.values),
        "industries": sub(Industry.values[:4]),
        "company_sizes": sub(CompanySize.values),
        "revenue_min": st.sampled_from(["0", "500.50", "501"]),
        "revenue_max": st.sampled_from(["500.50", "10000"]),
        "age_bands": sub(AgeBand.values),
        "genders": sub(Gender.values),
        "income_bands": sub(IncomeBand.values),
        "levels": sub(CustomerLevel.values),
        "sources": sub(CustomerSource.values[:4]),
        "purchase_count_min": st.integers(0, 4),
        "purchase_count_max": st.integers(4, 6),
        "purchase_value_min": st.sampled_from(["0", "100", "2500.50"]),
        "purchase_value_max": st.sampled_from(["2500.50", "99999"]),
        "last_purchase_within_days": st.integers(1, 400),
        "not_purchased_for_days": st.integers(1, 400),
        "rfm_r_min": st.integers(1, 5),
        "rfm_f_min": st.integers(1, 5),
        "rfm_m_min": st.integers(1, 5),
        "last_follow_up_within_days": st.integers(1, 60),
        "tags_any": st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True),
        "tags_all": st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True),
        "needs_contains": st.sampled_from(["ERP", "erp", "定制", "delivery"]),
    },
)


class Rollback(Exception):
    pass


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(customers_st, max_size=10),
    raw=criteria_st,
    viewer=st.sampled_from(["rep", "lead", "director", "other_rep"]),
)
def test_segment_customers_equal_a_brute_force_oracle(org, rows, raw, viewer):
    try:
        with transaction.atomic():
            _check(org, rows, raw, viewer)
            raise Rollback
    except Rollback:
        pass


def _check(org, rows, raw, viewer_name):
    tags = [Tag.objects.create(name=f"t{i}", category="interest") for i in range(4)]
    viewer = getattr(org, viewer_name)
    now, today = selectors.viewer_clock(viewer)
    made = []
    for i, row in enumerate(rows):
        row = dict(row)
        owner = getattr(org, row.pop("owner"))
        days = row.pop("last_purchase_days")
        rfm = row.pop("rfm")
        fu = row.pop("follow_up_days")
        tag_idx = row.pop("tags")
        c = make(
            owner,
            f"C{i}",
            tags=[tags[t] for t in tag_idx],
            last_purchase_at=None if days is None else today - timedelta(days=days),
            rfm_recency=rfm and rfm[0],
            rfm_frequency=rfm and rfm[1],
            rfm_monetary=rfm and rfm[2],
            last_follow_up_at=None if fu is None else now - timedelta(days=fu, hours=1),
            **row,
        )
        made.append((c, {tags[t].pk for t in tag_idx}))
    raw = dict(raw)
    for key in ("tags_any", "tags_all"):
        if key in raw:
            raw[key] = [tags[t].pk for t in raw[key]]
    low, high = raw.get("revenue_min"), raw.get("revenue_max")
    if low and high and Decimal(low) > Decimal(high):
        raw.pop("revenue_max")
    crit = clean_criteria(raw)
    visible = set(selectors.customers_visible(viewer).values_list("pk", flat=True))
    expected = {c.pk for c, t in made if c.pk in visible and matches(c, t, crit, today, now)}
    got = set(selectors.segment_customers(viewer, crit).values_list("pk", flat=True))
    assert got == expected, crit
    assert selectors.segment_count(viewer, crit) == len(expected)
    assert selectors.persona(viewer, crit)["size"] == len(expected)


# --- persona numbers -----------------------------------------------------------------------


@pytest.fixture
def book(org):
    """Six customers of the rep, two of other_rep; tags; needs."""
    today = selectors.viewer_clock(org.rep)[1]
    quality = Tag.objects.create(name="重视品质", category="value")
    price = Tag.objects.create(name="价格敏感", category="value")
    golf = Tag.objects.create(name="高尔夫", category="interest")
    label = Tag.objects.create(name="VIP", category="label")
    rows = [
        # name, kind, industry, province, size, level, count, value, days since last purchase
        ("甲", "company", "manufacturing", "广东", "100-499", "A", 3, "1000.00", 10),
        ("乙", "company", "manufacturing", "广东", "100-499", "B", 3, "3000.00", 45),
        ("丙", "company", "it", "江苏", "20-99", "B", 2, "500.00", 200),
        ("丁", "company", "manufacturing", "广东", "500-1999", "B", 5, "5500.00", 400),
        ("戊", "individual", "", "广东", "", "C", 0, "0.00", None),
        ("己", "company", "manufacturing", "", "", "D", 1, "0.00", 20),
    ]
    made = {}
    for name, kind, industry, province, size, level, count, value, days in rows:
        made[name] = make(
            org.rep,
            name,
            kind=kind,
            industry=industry,
            province=province,
            company_size=size,
            level=level,
            purchase_count=count,
            purchase_value=Decimal(value),
            last_purchase_at=None if days is None else today - timedelta(days=days),
            source="referral" if name in "甲乙" else "",
            rfm_recency=5 if name == "甲" else None,
            rfm_frequency=4 if name == "甲" else None,
            rfm_monetary=3 if name == "甲" else None,
        )
    made["甲"].tags.set([quality, golf, label])
    made["乙"].tags.set([quality, price])
    made["丙"].tags.set([price])
    Customer.objects.filter(pk=made["甲"].pk).update(needs="需要ERP对接")
    Customer.objects.filter(pk=made["乙"].pk).update(
        needs="交付周期长", updated_at=timezone.now() + timedelta(minutes=1)
    )
    made["外1"] = make(
        org.other_rep, "外1", industry="manufacturing", purchase_value=Decimal("4000")
    )
    made["外2"] = make(org.other_rep, "外2", industry="it", purchase_value=Decimal("6000"))
    return made


def bars(persona, key):
    d = next(d for d in persona["distributions"] if d["key"] == key)
    return [(b["key"], b["count"], b["share"]) for b in d["bars"]]


def test_persona_numbers_are_exact(org, book):
    p = selectors.persona(org.rep, {"kinds": ["company"]})
    assert p["size"] == 5
    assert p["total_customers"] == 6  # the rep's own customers only
    assert p["size_share"] == 83.3
    assert p["value"] == Decimal("10000.00")
    assert p["total_value"] == Decimal("10000.00")
    assert p["value_share"] == 100.0
    assert p["avg_value"] == Decimal("2000.00")
    assert p["median_value"] == Decimal("1000.00")
    assert p["avg_count"] == 2.8
    assert p["buyers"] == 5
    assert bars(p, "industry") == [("manufacturing", 4, 80.0), ("it", 1, 20.0)]
    assert bars(p, "level") == [("A", 1, 20.0), ("B", 3, 60.0), ("D", 1, 20.0)]
    assert bars(p, "province") == [("广东", 3, 60.0), ("江苏", 1, 20.0)]
    assert bars(p, "company_size") == [
        ("20-99", 1, 20.0),
        ("100-499", 2, 40.0),
        ("500-1999", 1, 20.0),
        ("__none__", 1, 20.0),
    ]
    assert bars(p, "kind") == [("company", 5, 100.0)]
    assert bars(p, "source") == [("referral", 2, 40.0), ("__none__", 3, 60.0)]
    assert bars(p, "recency") == [
        ("30", 2, 40.0),
        ("90", 1, 20.0),
        ("365", 1, 20.0),
        ("older", 1, 20.0),
    ]
    assert [(t["label"], t["count"], t["share"]) for t in p["tags"]] == [
        ("价格敏感", 2, 40.0),
        ("重视品质", 2, 40.0),
        ("VIP", 1, 20.0),
        ("高尔夫", 1, 20.0),
    ]
    assert [t["label"] for t in p["need_tags"]] == ["价格敏感", "重视品质", "高尔夫"]
    assert [(n["customer_name"], n["needs"]) for n in p["needs"]] == [
        ("乙", "交付周期长"),
        ("甲", "需要ERP对接"),
    ]
    assert p["rfm"]["r"][4] == {"score": 5, "count": 1, "share": 20.0}
    assert p["rfm"]["grid"] == [[5, 4, 1]]
    typical = {part["field"]: (part["key"], part["share"]) for part in p["typical"]["parts"]}
    assert typical == {
        "kind": ("company", 100.0),
        "industry": ("manufacturing", 80.0),
        "province": ("广东", 60.0),
        "company_size": ("100-499", 40.0),
        "level": ("B", 60.0),
        "source": ("referral", 40.0),
        "recency": ("30", 40.0),
    }
    assert p["typical"]["sentence"] == (
        "Typical: Company (100%), Manufacturing (80%), 广东 (60%), 100–499 employees (40%), "
        "B · Important (60%), Referral (40%), Last 30 days (40%), bought 2.8 times on average."
    )


def test_empty_segment_has_zero_numbers_and_no_profile(org, book):
    p = selectors.persona(org.rep, {"provinces": ["西藏"]})
    assert (p["size"], p["value"], p["value_share"], p["median_value"]) == (0, 0, 0.0, 0)
    assert all(d["bars"] == [] for d in p["distributions"])
    assert p["typical"] == {"parts": [], "sentence": ""}
    assert p["tags"] == p["needs"] == []


def test_a_shared_segment_counts_only_each_viewers_customers(org, book):
    segment = services.segment_create(
        actor=org.rep,
        name="制造业",
        visibility="shared",
        criteria={"industries": ["manufacturing"]},
    )
    assert selectors.persona(org.rep, segment.criteria)["size"] == 4
    other = selectors.persona(org.other_rep, segment.criteria)
    assert (other["size"], other["value"], other["total_value"]) == (1, 4000, 10000)
    assert other["value_share"] == 40.0
    assert selectors.persona(org.director, segment.criteria)["size"] == 5
    assert selectors.persona(org.lead, segment.criteria)["size"] == 4  # the rep reports to lead
    assert selectors.persona(org.deactivated, segment.criteria)["size"] == 0


def test_persona_runs_a_constant_number_of_queries(org, book, django_assert_num_queries):
    criteria = {"kinds": ["company"], "tags_any": [Tag.objects.first().pk]}
    selectors.persona(org.director, criteria)  # warm the per-user scope cache
    with django_assert_num_queries(6):
        selectors.persona(org.director, criteria)
    for i in range(30):
        make(org.rep, f"more{i}", industry="it", province=f"省{i}")
    with django_assert_num_queries(6):
        selectors.persona(org.director, criteria)


def test_segment_filter_of_the_customer_list(org, book):
    from salesdesk.customers.selectors import customer_list

    segment = services.segment_create(
        actor=org.rep, name="S", visibility="shared", criteria={"levels": ["B"]}
    )
    private = services.segment_create(actor=org.rep, name="P", criteria={"levels": ["B"]})
    names = lambda user, pk: sorted(  # noqa: E731
        customer_list(user, filters={"segment": pk}).values_list("name", flat=True)
    )
    assert names(org.rep, segment.pk) == ["丁", "丙", "乙"]
    assert names(org.director, segment.pk) == ["丁", "丙", "乙"]
    assert names(org.other_rep, segment.pk) == []
    assert names(org.director, private.pk) == []  # not theirs: nothing, not everything
    assert names(org.rep, 999999) == []
