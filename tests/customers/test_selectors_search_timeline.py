"""Customer reads: exact visible ids per persona, list views, filters, search (pinyin, initials,
phone), sorting, tasks buckets, global search and the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from salesdesk.core.search import search_registry
from salesdesk.core.timeline import TimelineEntry, customer_timeline, timeline_registry
from salesdesk.customers import selectors, services
from salesdesk.customers.models import Tag
from tests.customers.conftest import make_customer

VISIBLE = {
    "rep": ["rep"],
    "other_rep": ["other_rep"],
    "lead": ["lead", "rep"],
    "director": ["director", "lead", "other_rep", "rep"],
    "admin": ["admin", "director", "lead", "other_rep", "rep"],
    "deactivated": [],
}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_visible_customers_and_contacts_per_persona(org, book, persona):
    user = org.personas()[persona]
    expected = sorted(book[p].pk for p in VISIBLE[persona])
    assert sorted(selectors.customers_visible(user).values_list("pk", flat=True)) == expected
    assert sorted(selectors.customer_list(user).values_list("pk", flat=True)) == expected
    assert (
        sorted(selectors.contacts_visible(user).values_list("customer_id", flat=True)) == expected
    )
    for owner, customer in book.items():
        if owner in VISIBLE[persona]:
            assert selectors.customer_detail(user, customer.pk) == customer
        else:
            with pytest.raises(Http404):
                selectors.customer_detail(user, customer.pk)


def test_views(org, book):
    lead = org.lead
    assert [c.pk for c in selectors.customer_list(lead, view="mine")] == [book["lead"].pk]
    assert [c.pk for c in selectors.customer_list(lead, view="subordinates")] == [book["rep"].pk]
    assert list(selectors.customer_list(org.rep, view="subordinates")) == []
    assert list(selectors.customer_list(lead, view="soon_to_pool")) == []
    assert list(selectors.customer_list(lead, view="nonsense")) == []
    now = timezone.now()
    services.follow_up_create(
        actor=org.rep,
        customer=book["rep"],
        kind="call",
        content="x",
        occurred_at=now - timedelta(hours=1),
        next_contact_at=now + timedelta(minutes=1),
    )
    services.task_create(
        actor=org.lead, title="t", due_at=now + timedelta(minutes=1), customer=book["lead"]
    )
    services.task_create(
        actor=org.lead, title="later", due_at=now + timedelta(days=3), customer=book["lead"]
    )
    # (run near midnight in Shanghai, "+1 minute" could fall on tomorrow: then both are empty)
    today = sorted(c.pk for c in selectors.customer_list(lead, view="today"))
    _start, end = selectors.day_bounds(lead)
    if now + timedelta(minutes=1) < end:
        assert today == sorted([book["rep"].pk, book["lead"].pk])


def test_filters_search_and_sort(org):
    golf = Tag.objects.create(name="高尔夫")
    a = make_customer(
        org.rep,
        "北京科技发展有限公司",
        level="A",
        city="北京",
        phone="+86 138 1111 2222",
        tags=[golf],
    )
    b = make_customer(
        org.rep, "Beijing Trading Ltd", level="B", city="北京", email="hi@bt.com", short_name="BT"
    )
    c = make_customer(org.rep, "杭州西湖科技", level="A", city="杭州", code="C-001")

    def names(**kw):
        return [x.name for x in selectors.customer_list(org.rep, **kw)]

    assert names(filters={"level": "A"}, sort="name") == [a.name, c.name] or names(
        filters={"level": "A"}, sort="name"
    ) == sorted([a.name, c.name])
    assert names(filters={"level": ["A", "B"], "city": "北京"}, sort="created_at") == [
        a.name,
        b.name,
    ]
    assert names(filters={"tags": [golf.pk]}) == [a.name]
    assert names(filters={"org_unit": org.east.pk}, sort="created_at") == [a.name, b.name, c.name]
    assert names(filters={"org_unit": org.team_b.pk}) == []
    assert names(filters={"no_follow_up_days": 7}, sort="created_at") == [a.name, b.name, c.name]
    assert names(q="bjkj") == [a.name]  # initials
    assert names(q="beijing", sort="created_at") == [a.name, b.name]  # pinyin and Latin name
    assert names(q="科技", sort="created_at") == [a.name, c.name]
    assert names(q="138 1111") == [a.name]
    assert names(q="hi@bt") == [b.name]
    assert names(q="c-001") == [c.name]
    assert names(q="BT") == [b.name]
    assert names(sort="-created_at") == [c.name, b.name, a.name]
    assert names(sort="bogus") == [c.name, b.name, a.name]
    assert names(sort="level") == [a.name, c.name, b.name]


def test_list_query_count_is_constant(org):
    def count():
        with CaptureQueriesContext(connection) as queries:
            list(selectors.customer_list(org.director, q="科技", sort="name")[:50])
        return len(queries)

    make_customer(org.rep, "一号科技")
    first = count()
    for i in range(15):
        make_customer(org.rep, f"{i}号科技", tags=[Tag.objects.get_or_create(name=f"t{i}")[0]])
    org.director.__dict__.pop("_salesdesk_scope_ids", None)
    assert count() == first == 3  # scope id list, page, tags


def test_task_buckets(org, book):
    now = timezone.now()
    start, end = selectors.day_bounds(org.rep)
    overdue = services.task_create(actor=org.rep, title="o", due_at=start - timedelta(hours=1))
    today = services.task_create(actor=org.rep, title="t", due_at=start + (end - start) / 2)
    upcoming = services.task_create(actor=org.rep, title="u", due_at=end + timedelta(hours=1))
    done = services.task_create(actor=org.rep, title="d", due_at=now, customer=book["rep"])
    services.task_complete(actor=org.rep, task=done)
    services.task_create(actor=org.lead, title="lead's", due_at=start + (end - start) / 2)

    def ids(bucket, user=org.rep):
        return [t.pk for t in selectors.tasks_of(user, bucket=bucket)]

    assert (ids("overdue"), ids("today"), ids("upcoming"), ids("done")) == (
        [overdue.pk],
        [today.pk],
        [upcoming.pk],
        [done.pk],
    )
    assert ids("bogus") == []
    assert [t.pk for t in selectors.tasks_of(org.lead, bucket="done", customer=book["rep"])] == [
        done.pk
    ]
    assert ids("today", org.other_rep) == []


def test_global_search_is_scoped_and_finds_pinyin_initials_and_phones(org, book):
    def titles(user, query):
        return {g.key: [h.title for h in g.hits] for g in search_registry.search(user, query)}

    assert titles(org.rep, "bjxc") == {"customers": ["北京星辰科技有限公司"]}
    assert titles(org.rep, "beijingxingchen") == {"customers": ["北京星辰科技有限公司"]}
    assert titles(org.other_rep, "bjxc") == {}
    assert titles(org.director, "星辰") == {"customers": ["北京星辰科技有限公司"]}
    assert titles(org.rep, "rep 联系人") == {"contacts": ["rep 联系人"]}
    # a mobile number is found once, under phones (with the contact's name as subtitle)
    assert titles(org.rep, "13800000000") == {"phones": ["13800000000"]}
    assert titles(org.rep, "010 6666") == {"phones": ["010-6666 0001"]}
    assert titles(org.deactivated, "bjxc") == {}


def test_timeline_merges_providers_newest_first(org, book):
    customer = book["rep"]
    now = timezone.now()
    with translation.override("en"):
        services.follow_up_create(
            actor=org.rep,
            customer=customer,
            kind="call",
            content="打电话",
            occurred_at=now - timedelta(days=400),
            next_contact_at=now + timedelta(days=1),
        )
        services.customer_update(actor=org.rep, customer=customer, level="B", city="北京")
        services.customer_transfer(actor=org.lead, customer=customer, new_owner=org.lead)
        entries = customer_timeline(customer, org.lead)
        assert [(e.kind, e.title) for e in entries] == [
            ("transfer", "Transferred from 张三 Zhang San to 李主管 Lead Li"),
            ("change", "Changed: level, city"),
            ("task", "Task planned: Contact 北京星辰科技有限公司"),
            ("contact", "Contact added: rep 联系人"),
            ("change", "Customer created"),
            ("follow_up", "Phone call"),
        ]
        assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
        assert len(customer_timeline(customer, org.lead, limit=2)) == 2
        # Out of scope: nothing.
        assert customer_timeline(customer, org.other_rep) == []


def test_timeline_extension_point(org, book):
    at = timezone.now() + timedelta(days=365)

    def provider(customer, user, limit):
        return [TimelineEntry(at=at, kind="opportunity", title=f"Deal of {customer.pk}")]

    timeline_registry.register("test_deals", provider)
    try:
        first = customer_timeline(book["rep"], org.rep, limit=1)
        assert first == [
            TimelineEntry(at=at, kind="opportunity", title=f"Deal of {book['rep'].pk}")
        ]
    finally:
        timeline_registry.unregister("test_deals")


@pytest.mark.parametrize("probe", [1, 2, 500])
def test_key_ranges_read_first_give_the_same_scoped_hits(org, monkeypatch, probe):
    """A key range read from its index first (fewer rows than PROBE) or filtered in the scope
    (PROBE reached) finds exactly the viewer's matches."""
    from salesdesk.customers import search

    monkeypatch.setattr(search, "PROBE", probe)
    make_customer(org.rep, "北京星辰科技", phone="13800138001")
    make_customer(org.other_rep, "北京星海科技", phone="13800138002")
    make_customer(org.rep, "北京星河贸易", phone="13800138003")
    make_customer(org.rep, "上海蓝海", phone="02155556666")
    titles = {
        who: sorted(h.title for h in search.search_customers(getattr(org, who), "bjx", 10))
        for who in ("rep", "other_rep", "director")
    }
    assert titles == {
        "rep": ["北京星河贸易", "北京星辰科技"],
        "other_rep": ["北京星海科技"],
        "director": ["北京星河贸易", "北京星海科技", "北京星辰科技"],
    }
    phones = sorted(h.title for h in search.search_phones(org.rep, "1380013", 10))
    assert phones == ["13800138001", "13800138003"]
