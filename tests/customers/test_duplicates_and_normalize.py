"""Duplicate check (CUS-5): normalised phone, email, credit code and name; hits outside the
user's scope are masked; a fixed, small number of indexed queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdesk.customers import services
from salesdesk.customers.duplicates import duplicate_check, mask_name, mask_person
from salesdesk.customers.normalize import normalize_name, normalize_phone
from tests.customers.conftest import make_customer

CODE = "91310115MA1H7XY03K"


@pytest.fixture
def existing(org):
    customer = make_customer(
        org.other_rep,
        "上海蓝海贸易有限公司",
        phone="021-6888 1234",
        email="Sales@LanHai.com.cn",
        credit_code=CODE,
    )
    services.contact_create(
        actor=org.other_rep,
        customer=customer,
        name="李娜",
        mobile="139 1234 5678",
        email="Li.Na@LanHai.com.cn",
    )
    return customer


def _summary(hits):
    return [(h.customer_id, h.matched_on, h.visible, h.name, h.owner_name, h.url) for h in hits]


@pytest.mark.parametrize(
    ("query", "matched_on"),
    [
        ({"name": "上海蓝海贸易 有限责任公司"}, ["name"]),
        ({"name": "上海蓝海贸易"}, ["name"]),
        ({"name": "ＳＨＡＮＧＨＡＩ"}, None),
        ({"phone": "02168881234"}, ["phone"]),
        ({"phone": "+86 139-1234-5678"}, ["contact_phone"]),
        ({"phone": "0086 13912345678"}, ["contact_phone"]),
        ({"email": "  SALES@lanhai.COM.CN "}, ["email"]),
        ({"email": "li.na@lanhai.com.cn"}, ["contact_email"]),
        ({"credit_code": "91310115ma1h7xy03k"}, ["credit_code"]),
        (
            {"name": "上海蓝海贸易公司", "credit_code": CODE, "email": "sales@lanhai.com.cn"},
            ["credit_code", "name", "email"],
        ),
        ({"phone": "1234"}, None),  # too short to mean anything
    ],
)
def test_duplicate_matches(org, existing, query, matched_on):
    hits = duplicate_check(actor=org.rep, **query)
    if matched_on is None:
        assert hits == []
    else:
        assert _summary(hits) == [(existing.pk, matched_on, False, "上海****公司", "赵*", "")]


def test_hits_in_scope_show_name_and_owner(org, existing):
    hits = duplicate_check(actor=org.director, phone="021 6888 1234")
    assert [(h.visible, h.name, h.owner_name) for h in hits] == [
        (True, "上海蓝海贸易有限公司", "赵六 Zhao Liu")
    ]
    assert duplicate_check(actor=org.director, phone="021 6888 1234", exclude_pk=existing.pk) == []


def test_deleted_customers_are_not_duplicates(org, existing):
    services.customer_delete(actor=org.admin, customer=existing)
    assert duplicate_check(actor=org.admin, credit_code=CODE, phone="13912345678") == []


def test_strongest_hit_first_and_limit(org, existing):
    for i in range(3):
        make_customer(org.rep, "上海蓝海贸易", notes=str(i))
    hits = duplicate_check(actor=org.rep, name="上海蓝海贸易", credit_code=CODE, limit=3)
    assert [h.matched_on for h in hits] == [["credit_code", "name"], ["name"], ["name"]]
    assert [h.visible for h in hits] == [False, True, True]


def test_duplicate_check_runs_three_queries(org, existing):
    with CaptureQueriesContext(connection) as queries:
        duplicate_check(
            actor=org.lead,
            name="上海蓝海贸易",
            phone="13912345678",
            email="x@y.cn",
            credit_code=CODE,
        )
    # contacts, customers, which of them are visible (+1: the lead's scope id list, see D8)
    assert len(queries) == 4
    with CaptureQueriesContext(connection) as queries:
        assert duplicate_check(actor=org.lead, name="没有这个客户") == []
    assert len(queries) == 1


def test_masks():
    assert mask_name("北京星辰科技有限公司") == "北京****公司"
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == "*"
    assert mask_person("张三") == "张*"
    assert mask_person("Alice Chen") == "A*"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalize_name_is_idempotent(text):
    once = normalize_name(text)
    assert normalize_name(once) == once


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.from_regex(r"(\+86|0086|86)?[ -]?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}", fullmatch=True),
    )
)
def test_normalize_phone_is_idempotent_and_digits_only(text):
    once = normalize_phone(text)
    assert normalize_phone(once) == once
    assert once == "" or once.isdigit()


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["+86 ", "0086", "86", ""])
)
def test_country_code_and_spacing_do_not_matter(mobile, prefix):
    spaced = f"{prefix}{mobile[:3]} {mobile[3:7]}-{mobile[7:]}"
    assert normalize_phone(spaced) == mobile


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(categories=["Lo", "Ll", "Lu", "Nd", "Zs", "Po"]), max_size=40)
)
def test_normalize_name_is_idempotent_on_precomposed_text(text):
    """Names as people type them (precomposed letters, CJK, digits, spaces, punctuation)."""
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    once = normalize_name(text)
    assert normalize_name(once) == once


def test_group_words_in_brackets_and_landlines_with_country_code():
    assert normalize_name("上海远航贸易(集团)有限公司") == normalize_name("上海远航贸易有限公司")
    assert normalize_name("远航控股（集团）股份有限公司") == "远航控股"
    assert normalize_phone("+86 21 5555 6666") == "02155556666"
    assert normalize_phone("8613800138000") == "13800138000"
    assert normalize_phone("021-5555 6666") == "02155556666"
