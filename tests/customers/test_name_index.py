"""The substring search index over customer and contact names (D43): kept current by every
writer, rebuilt to the same content, and searches through it find exactly what a scan finds."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdesk.customers import name_index, search, services
from salesdesk.customers.models import Contact, Customer
from tests.customers.conftest import make_customer
from tests.imports.conftest import csv_file, run_import


def expected(kind: str) -> dict[int, list[int]]:
    model = Customer if kind == "customer" else Contact
    return {
        pk: name_index.gram_codes(name) for pk, name in model.all_objects.values_list("pk", "name")
    }


def test_gram_codes():
    assert name_index.gram_codes("北京科技") == sorted(
        {
            ord("北") * 0x110000 + ord("京"),
            ord("京") * 0x110000 + ord("科"),
            ord("科") * 0x110000 + ord("技"),
        }
    )
    assert name_index.gram_codes("ABab") == name_index.gram_codes("abab")
    assert len(name_index.gram_codes("abab")) == 2  # ab, ba
    assert name_index.gram_codes("京") == [] and name_index.gram_codes("") == []


def test_services_keep_the_index_current(org):
    star = make_customer(org.rep, "北京华信科技有限公司")
    contact = services.contact_create(actor=org.rep, customer=star, name="欧阳晓明")
    assert name_index.entries("customer") == expected("customer")
    assert name_index.entries("contact") == expected("contact")

    def hits(user, query):
        return [h.title for h in search.search_customers(user, query, 10)]

    assert hits(org.director, "华信") == ["北京华信科技有限公司"]
    assert hits(org.director, "华信科技") == ["北京华信科技有限公司"]
    assert hits(org.other_rep, "华信") == []
    services.customer_update(actor=org.rep, customer=star, name="北京中科创新有限公司")
    services.contact_update(actor=org.rep, contact=contact, name="司马光")
    assert name_index.entries("customer") == expected("customer")
    assert name_index.entries("contact") == expected("contact")
    assert hits(org.director, "华信") == []
    assert hits(org.director, "科创") == ["北京中科创新有限公司"]
    assert [h.title for h in search.search_contacts(org.director, "马光", 10)] == ["司马光"]
    assert [h.title for h in search.search_contacts(org.director, "晓明", 10)] == []
    # one character: no pair to look up, answered by the scan
    assert hits(org.director, "创") == ["北京中科创新有限公司"]
    # a deleted customer leaves the results (its entry stays for a restore)
    services.customer_delete(actor=org.admin, customer=star)
    assert hits(org.director, "科创") == []


def test_import_indexes_created_and_updated_names_and_rebuild_gives_the_same(org):
    headers = ["客户名称", "联系人"]
    job = run_import(
        org.rep, csv_file(headers, [["杭州云栖科技有限公司", "诸葛亮"], ["Acme Ltd", "John Smith"]])
    )
    assert job.created_count == 2, job.message
    job = run_import(
        org.rep, csv_file(headers, [["杭州云栖科技有限公司", "诸葛孔明"]]), policy="update"
    )
    assert job.updated_count == 1, job.message
    for kind in ("customer", "contact"):
        assert name_index.entries(kind) == expected(kind)
    assert [h.title for h in search.search_contacts(org.rep, "孔明", 10)] == ["诸葛孔明"]
    assert [h.title for h in search.search_customers(org.rep, "me l", 10)] == ["Acme Ltd"]
    before = {kind: name_index.entries(kind) for kind in ("customer", "contact")}
    call_command("rebuild_name_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert {kind: name_index.entries(kind) for kind in ("customer", "contact")} == before


ALPHABET = "北京科技华信海"


@pytest.mark.parametrize("candidates,chunk", [(6000, 2000), (3, 2), (1, 1)])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    names=st.lists(
        st.tuples(
            st.sampled_from(["rep", "other_rep", "lead"]), st.text(ALPHABET, min_size=1, max_size=6)
        ),
        min_size=1,
        max_size=12,
    ),
    query=st.text(ALPHABET, min_size=1, max_size=3),
)
def test_index_search_finds_what_a_scan_finds(org, monkeypatch, candidates, chunk, names, query):
    """Whatever the names, query, scope and candidate limits: the hits are the viewer's
    customers whose name contains the query (all of them when they fit the limit)."""
    monkeypatch.setattr(search, "CANDIDATES", candidates)
    monkeypatch.setattr(search, "CHUNK", chunk)
    Customer.all_objects.all().delete()
    for owner, name in names:
        make_customer(getattr(org, owner), name)
    for viewer in ("rep", "lead", "director"):
        user = getattr(org, viewer)
        want = sorted(
            c.name for c in search.customers_visible(user) if query.lower() in c.name.lower()
        )
        got = [h.title for h in search.search_customers(user, query, 5)]
        if len(want) <= 5:
            assert sorted(got) == want
        else:
            assert len(got) == 5 and all(query in t for t in got)
