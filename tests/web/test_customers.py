"""Customer pages (issue 3): access matrix over personas, scoping (404 out of scope), denied POSTs
change nothing, list views/filters/sort, pinned query counts, CSP, duplicate warning, forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from salesdesk.core.models import SavedView, UserPreference
from salesdesk.customers import services
from salesdesk.customers.models import Contact, Customer, FollowUp, Tag, Task
from tests.web.test_queries_and_security import assert_security_headers


def make_customer(owner, name, **fields):
    return services.customer_create(actor=owner, name=name, **fields)


@pytest.fixture
def data(org):
    """rep owns two customers (one with a contact), other_rep one, lead one."""
    alpha = make_customer(
        org.rep, "阿尔法科技 Alpha Tech", level="A", phone="13800000001", city="上海"
    )
    beta = make_customer(org.rep, "Beta Trading", level="C", kind="individual", city="杭州")
    gamma = make_customer(org.other_rep, "Gamma Works", level="B", credit_code="91310000MA1K000001")
    delta = make_customer(org.lead, "Delta Foods", level="D")
    contact = services.contact_create(
        actor=org.rep, customer=alpha, name="王经理", mobile="13900000009", is_primary=True
    )
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta, "contact": contact}


def snapshot() -> dict:
    return {
        "customers": list(Customer.all_objects.order_by("pk").values()),
        "contacts": list(Contact.all_objects.order_by("pk").values()),
        "follow_ups": list(FollowUp.all_objects.order_by("pk").values()),
        "tasks": list(Task.all_objects.order_by("pk").values()),
        "views": list(SavedView.objects.order_by("pk").values()),
    }


def names(response) -> list[str]:
    return [c.name for c in response.context["customers"]]


# ---- access matrix ---------------------------------------------------------------------------

# persona → which of the four customers the detail page shows (others: 404)
VISIBLE = {
    "rep": {"alpha", "beta"},
    "other_rep": {"gamma"},
    "lead": {"alpha", "beta", "delta"},
    "director": {"alpha", "beta", "gamma", "delta"},
    "admin": {"alpha", "beta", "gamma", "delta"},
    "deactivated": set(),
}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_detail_and_edit_follow_the_data_scope(org, data, login, persona):
    user = org.personas()[persona]
    client = login(user)
    for key in ("alpha", "beta", "gamma", "delta"):
        customer = data[key]
        for url in (
            reverse("web:customer_detail", args=[customer.pk]),
            reverse("web:customer_edit", args=[customer.pk]),
            reverse("web:contact_create", args=[customer.pk]),
            reverse("web:follow_up_create", args=[customer.pk]),
        ):
            response = client.get(url)
            if persona == "deactivated":
                assert response.status_code == 302 and "/account/login/" in response["Location"]
            elif key in VISIBLE[persona]:
                assert response.status_code == 200, (persona, key, url)
            else:
                assert response.status_code == 404, (persona, key, url)


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_list_pages_open_for_every_active_user(org, data, login, persona):
    client = login(org.personas()[persona])
    for name in ("web:customers", "web:contacts", "web:my_tasks", "web:customer_create"):
        response = client.get(reverse(name) + ("?view=all" if name == "web:customers" else ""))
        if persona == "deactivated":
            assert response.status_code == 302, name
        else:
            assert response.status_code == 200, (persona, name)
    if persona != "deactivated":
        response = client.get(reverse("web:customers") + "?view=all")
        assert sorted(names(response)) == sorted(data[k].name for k in VISIBLE[persona])
        contacts = client.get(reverse("web:contacts")).context["contacts"]
        assert [c.name for c in contacts] == (["王经理"] if "alpha" in VISIBLE[persona] else [])


def test_out_of_scope_posts_are_404_and_change_nothing(org, data, login):
    client = login(org.other_rep)
    before = snapshot()
    alpha = data["alpha"]
    for url, payload in [
        (reverse("web:customer_edit", args=[alpha.pk]), {"name": "Hacked", "version": 1}),
        (reverse("web:customer_delete", args=[alpha.pk]), {}),
        (reverse("web:customer_transfer", args=[alpha.pk]), {"new_owner": org.other_rep.pk}),
        (reverse("web:contact_create", args=[alpha.pk]), {"name": "X"}),
        (reverse("web:contact_edit", args=[data["contact"].pk]), {"name": "X", "version": 1}),
        (reverse("web:contact_delete", args=[data["contact"].pk]), {}),
        (reverse("web:follow_up_create", args=[alpha.pk]), {"kind": "call", "content": "x"}),
        (reverse("web:task_create", args=[alpha.pk]), {"title": "x", "due_at": "2030-01-01"}),
    ]:
        response = client.post(url, payload)
        assert response.status_code in (403, 404), url
    # Bulk actions silently skip records out of scope (other_rep may not transfer or delete).
    assert client.post(reverse("web:customer_bulk_delete"), {"ids": [alpha.pk]}).status_code == 403
    assert (
        client.post(
            reverse("web:customer_bulk_transfer"), {"ids": [alpha.pk], "new_owner": org.rep.pk}
        ).status_code
        == 403
    )
    assert snapshot() == before


def test_rep_without_function_permissions_cannot_delete_or_transfer(org, data, login):
    client = login(org.rep)
    before = snapshot()
    alpha = data["alpha"]
    assert client.post(reverse("web:customer_delete", args=[alpha.pk])).status_code == 403
    assert (
        client.post(
            reverse("web:customer_transfer", args=[alpha.pk]), {"new_owner": org.lead.pk}
        ).status_code
        == 403
    )
    assert client.post(reverse("web:customer_bulk_delete"), {"ids": [alpha.pk]}).status_code == 403
    assert snapshot() == before
    page = client.get(reverse("web:customer_detail", args=[alpha.pk])).content.decode()
    assert reverse("web:customer_delete", args=[alpha.pk]) not in page
    assert reverse("web:customer_transfer", args=[alpha.pk]) not in page
    assert reverse("web:customer_edit", args=[alpha.pk]) in page


def test_director_transfers_and_deletes(org, data, login):
    client = login(org.director)
    alpha, beta = data["alpha"], data["beta"]
    response = client.post(
        reverse("web:customer_transfer", args=[alpha.pk]), {"new_owner": org.other_rep.pk}
    )
    assert response.status_code == 302
    assert Customer.objects.get(pk=alpha.pk).owner == org.other_rep
    response = client.post(
        reverse("web:customer_bulk_delete"), {"ids": [beta.pk, data["gamma"].pk]}
    )
    assert response.status_code == 302
    assert set(Customer.objects.values_list("name", flat=True)) == {
        "阿尔法科技 Alpha Tech",
        "Delta Foods",
    }


# ---- list: views, filters, sort, remembered state, saved views --------------------------------


def test_views_filters_and_sort_return_exact_rows(org, data, login):
    client = login(org.lead)
    url = reverse("web:customers")
    assert names(client.get(url + "?view=mine")) == ["Delta Foods"]
    assert names(client.get(url + "?view=subordinates&sort=name")) == [
        "Beta Trading",
        "阿尔法科技 Alpha Tech",
    ]
    assert names(client.get(url + "?view=all&sort=level")) == [
        "阿尔法科技 Alpha Tech",
        "Beta Trading",
        "Delta Foods",
    ]
    assert names(client.get(url + "?view=all&sort=-level")) == [
        "Delta Foods",
        "Beta Trading",
        "阿尔法科技 Alpha Tech",
    ]
    assert names(client.get(url + "?view=all&level=A")) == ["阿尔法科技 Alpha Tech"]
    assert names(client.get(url + "?view=all&kind=individual")) == ["Beta Trading"]
    assert names(client.get(url + f"?view=all&owner={org.rep.pk}&sort=name")) == [
        "Beta Trading",
        "阿尔法科技 Alpha Tech",
    ]
    assert names(client.get(url + "?view=all&city=杭州")) == ["Beta Trading"]
    assert names(client.get(url + "?view=all&q=alpha")) == ["阿尔法科技 Alpha Tech"]
    assert names(client.get(url + "?view=soon_to_pool")) == []
    assert names(client.get(url + "?view=all&idle_days=30&sort=name")) == [
        "Beta Trading",
        "Delta Foods",
        "阿尔法科技 Alpha Tech",
    ]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert names(client.get(url + f"?view=all&created_from={tomorrow}")) == []
    tag = Tag.objects.create(name="环保")
    services.customer_update(actor=org.rep, customer=data["beta"], tags=[tag])
    assert names(client.get(url + f"?view=all&tag={tag.pk}")) == ["Beta Trading"]
    # Bad values are ignored, never an error page.
    assert client.get(url + "?view=nope&level=Z&owner=x&sort=evil&size=99999").status_code == 200


def test_list_remembers_the_view_and_columns_per_user(org, data, login):
    client = login(org.rep)
    url = reverse("web:customers")
    client.get(url + "?view=mine&level=A")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == url + "?level=A&view=mine"
    client.post(reverse("web:customer_columns"), {"columns": ["kind", "unit", "bogus"]})
    pref = UserPreference.objects.get(user=org.rep, key="customers.list")
    assert pref.value == {"query": "level=A&view=mine", "columns": ["kind", "unit"]}
    response = client.get(url + "?view=all")
    assert response.context["columns"] == ["kind", "unit"]
    # Another user's preference is untouched.
    assert not UserPreference.objects.filter(user=org.lead).exists()


def test_saved_views_are_personal(org, data, login):
    client = login(org.rep)
    response = client.post(
        reverse("web:customer_view_create"), {"name": "A 级", "query": "view=all&level=A&page=3"}
    )
    assert response.status_code == 302
    saved = SavedView.objects.get(user=org.rep)
    assert (saved.page, saved.name, saved.query) == ("customers", "A 级", "level=A&view=all")
    page = client.get(reverse("web:customers") + "?" + saved.query)
    assert [s.name for s in page.context["saved_views"]] == ["A 级"]
    assert page.context["saved_views"][0].active is True
    # Someone else cannot delete it.
    assert (
        login(org.lead).post(reverse("web:customer_view_delete", args=[saved.pk])).status_code
        == 404
    )
    client.post(reverse("web:customer_view_delete", args=[saved.pk]))
    assert not SavedView.objects.exists()


def test_htmx_refresh_returns_only_the_table(org, data, login):
    client = login(org.rep)
    response = client.get(
        reverse("web:customers") + "?view=all",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="customer-results",
    )
    content = response.content.decode()
    assert "<html" not in content
    assert "阿尔法科技 Alpha Tech" in content


def test_bulk_and_export_controls_follow_function_permissions(org, data, login):
    rep_page = login(org.rep).get(reverse("web:customers") + "?view=all").content.decode()
    assert reverse("web:customer_bulk_delete") not in rep_page
    assert reverse("web:customer_bulk_transfer") not in rep_page
    director_page = login(org.director).get(reverse("web:customers") + "?view=all").content.decode()
    assert reverse("web:customer_bulk_delete") in director_page
    assert reverse("web:customer_bulk_transfer") in director_page


def test_empty_list_says_what_to_do_next(org, login):
    content = login(org.rep).get(reverse("web:customers") + "?view=mine").content.decode()
    assert "No customers in this view" in content
    assert reverse("web:customer_create") in content


# ---- query counts -----------------------------------------------------------------------------


def add_customers(org, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        customer = make_customer(org.rep, f"Bulk customer {i:03d}", phone=f"1370000{i:04d}")
        services.contact_create(actor=org.rep, customer=customer, name=f"Contact {i}")
        services.task_create(
            actor=org.rep, title=f"Call {i}", due_at=timezone.now(), customer=customer
        )


PAGES = {
    "list": (lambda d: reverse("web:customers") + "?view=all", None),
    "list_filtered": (
        lambda d: reverse("web:customers") + "?view=mine&level=D&q=bulk&sort=name&idle_days=7",
        None,
    ),
    "contacts": (lambda d: reverse("web:contacts") + "?q=c", None),
    "tasks": (lambda d: reverse("web:my_tasks"), None),
    "detail": (lambda d: reverse("web:customer_detail", args=[d["alpha"].pk]), None),
    "detail_history": (
        lambda d: reverse("web:customer_detail", args=[d["alpha"].pk]) + "?tab=history",
        None,
    ),
    "detail_follow_ups": (
        lambda d: reverse("web:customer_detail", args=[d["alpha"].pk]) + "?tab=follow_ups",
        None,
    ),
    "timeline": (lambda d: reverse("web:customer_timeline", args=[d["alpha"].pk]), None),
}
PINNED = {
    "list": 11,
    "list_filtered": 11,
    "contacts": 5,
    "tasks": 5,
    # the timeline loads after the page (htmx): its providers' queries are pinned separately
    "detail": 8,
    "detail_history": 11,
    "detail_follow_ups": 10,
    # the timeline: session, user, customer, then one or two queries per provider (11 so far)
    "timeline": 19,
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_query_count_is_pinned_and_constant(org, data, login, django_assert_num_queries, page):
    client = login(org.rep)
    client.get(reverse("web:home"))
    url = PAGES[page][0](data)
    client.get(url)  # the remembered view is written once
    add_customers(org, 3)
    for i in range(2):
        services.follow_up_create(
            actor=org.rep, customer=data["alpha"], kind="call", content=f"Call {i}"
        )
    with django_assert_num_queries(PINNED[page]):
        assert client.get(url).status_code == 200
    add_customers(org, 12, start=3)
    for i in range(4):
        services.customer_update(actor=org.rep, customer=data["alpha"], notes=f"n{i}")
        services.follow_up_create(
            actor=org.rep, customer=data["alpha"], kind="visit", content=f"Visit {i}"
        )
        services.contact_create(actor=org.rep, customer=data["alpha"], name=f"More {i}")
    with django_assert_num_queries(PINNED[page]):
        assert client.get(url).status_code == 200


def test_director_list_with_bulk_transfer_stays_within_twelve_queries(
    org, data, login, django_assert_num_queries
):
    """The director's list also offers the transfer menu: its users come from the same query as
    the owner filter's (session, user, preference, units, count, saved views, users, units, tags,
    page, tags of the page, unread notifications)."""
    client = login(org.director)
    url = reverse("web:customers") + "?view=all&level=A&sort=-created_at"
    client.get(url)  # the remembered view is written once
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert 'name="new_owner"' in response.content.decode()
    add_customers(org, 8)
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200


# ---- security headers and CSP -----------------------------------------------------------------


def customer_pages(data) -> list[str]:
    alpha = data["alpha"]
    pages = [
        reverse("web:customers") + "?view=all",
        reverse("web:customer_create"),
        reverse("web:contacts"),
        reverse("web:my_tasks"),
        reverse("web:customer_edit", args=[alpha.pk]),
        reverse("web:contact_create", args=[alpha.pk]),
        reverse("web:contact_edit", args=[data["contact"].pk]),
        reverse("web:follow_up_create", args=[alpha.pk]),
        reverse("web:task_create", args=[alpha.pk]),
    ]
    pages += [
        reverse("web:customer_detail", args=[alpha.pk]) + f"?tab={tab}"
        for tab in ("overview", "contacts", "follow_ups", "tasks", "history")
    ]
    return pages


def test_security_headers_and_no_inline_scripts_on_customer_pages(org, data, login):
    client = login(org.admin)
    script = re.compile(r"<script\b([^>]*)>", re.I)
    for url in customer_pages(data):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        content = response.content.decode()
        for attrs in script.findall(content):
            assert re.search(r'\bsrc="/static/', attrs), (url, attrs)
        assert not re.search(r"\son[a-z]+\s*=", content, re.I), url
        assert "javascript:" not in content.lower(), url
        assert "http://" not in content and "https://" not in content, url


# ---- create / edit / duplicates ---------------------------------------------------------------


def test_create_customer_and_show_it(org, login):
    client = login(org.rep)
    response = client.post(
        reverse("web:customer_create"),
        {"kind": "company", "name": "新客户 New Co", "level": "B", "phone": "021 6000 0000"},
    )
    customer = Customer.objects.get(name="新客户 New Co")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:customer_detail", args=[customer.pk])
    assert (customer.owner, customer.org_unit, customer.level) == (org.rep, org.team_a, "B")


def test_invalid_form_shows_translated_inline_errors(org, login):
    client = login(org.rep)
    client.cookies.load({"django_language": "zh-hans"})
    response = login(org.rep).post(
        reverse("web:customer_create"),
        {"kind": "company", "name": "", "level": "B", "email": "nope"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "email"}
    assert Customer.objects.count() == 0


def test_duplicate_warning_masks_out_of_scope_owner(org, data, login):
    client = login(org.rep)
    # Live check while typing: gamma belongs to other_rep (outside rep's scope).
    response = client.get(reverse("web:customer_duplicates"), {"credit_code": "91310000MA1K000001"})
    content = response.content.decode()
    assert "赵*" in content
    assert "Gamma Works" not in content
    assert reverse("web:customer_detail", args=[data["gamma"].pk]) not in content
    # A visible hit is linked by name.
    response = client.get(reverse("web:customer_duplicates"), {"phone": "138 0000 0001"})
    content = response.content.decode()
    assert "阿尔法科技 Alpha Tech" in content
    assert reverse("web:customer_detail", args=[data["alpha"].pk]) in content


def test_duplicate_on_submit_offers_create_anyway_except_for_credit_code(org, data, login):
    client = login(org.rep)
    count = Customer.objects.count()
    payload = {"kind": "company", "name": "Another Gamma", "level": "C", "phone": "13800000001"}
    response = client.post(reverse("web:customer_create"), payload)
    assert response.status_code == 200
    assert response.context["duplicate_blocking"] is False
    assert 'name="allow_duplicate"' in response.content.decode()
    assert Customer.objects.count() == count
    response = client.post(reverse("web:customer_create"), {**payload, "allow_duplicate": "on"})
    assert response.status_code == 302
    assert Customer.objects.count() == count + 1
    # Credit code: never overridable.
    blocked = {
        "kind": "company",
        "name": "Gamma Clone",
        "level": "C",
        "credit_code": "91310000MA1K000001",
        "allow_duplicate": "on",
    }
    response = client.post(reverse("web:customer_create"), blocked)
    assert response.status_code == 200
    assert response.context["duplicate_blocking"] is True
    assert 'name="allow_duplicate"' not in response.content.decode()
    assert "赵*" in response.content.decode()
    assert Customer.objects.count() == count + 1


def test_stale_edit_is_refused_with_conflict(org, data, login):
    alpha = data["alpha"]
    client = login(org.rep)
    page = client.get(reverse("web:customer_edit", args=[alpha.pk]))
    version = page.context["form"].initial["version"]
    services.customer_update(actor=org.lead, customer=alpha, notes="changed by lead")
    response = client.post(
        reverse("web:customer_edit", args=[alpha.pk]),
        {"kind": "company", "name": alpha.name, "level": "B", "version": version},
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert Customer.objects.get(pk=alpha.pk).level == "A"


def test_edit_saves_changes(org, data, login):
    alpha = data["alpha"]
    client = login(org.rep)
    version = Customer.objects.get(pk=alpha.pk).version
    response = client.post(
        reverse("web:customer_edit", args=[alpha.pk]),
        {
            "kind": "company",
            "name": alpha.name,
            "level": "B",
            "phone": alpha.phone,
            "city": "北京",
            "version": version,
        },
    )
    assert response.status_code == 302
    alpha.refresh_from_db()
    assert (alpha.level, alpha.city) == ("B", "北京")


# ---- contacts, follow-ups, tasks --------------------------------------------------------------


def test_contact_create_and_edit(org, data, login):
    client = login(org.rep)
    beta = data["beta"]
    response = client.post(
        reverse("web:contact_create", args=[beta.pk]),
        {"name": "李四", "mobile": "13911112222", "decision_role": "decision_maker"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(name="李四")
    assert (contact.customer, contact.decision_role) == (beta, "decision_maker")
    response = client.post(
        reverse("web:contact_edit", args=[contact.pk]),
        {"name": "李四", "title": "CTO", "version": contact.version, "is_primary": "on"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.title, contact.is_primary, contact.mobile) == ("CTO", True, "")


def test_follow_up_with_next_contact_creates_a_task_in_my_tasks(org, data, login):
    client = login(org.rep)
    alpha = data["alpha"]
    due = timezone.localtime() + timedelta(days=3)
    response = client.post(
        reverse("web:follow_up_create", args=[alpha.pk]),
        {
            "kind": "visit",
            "content": "Visited the plant",
            "contacts": [data["contact"].pk],
            "next_contact_at": due.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get(customer=alpha)
    assert list(follow_up.contacts.all()) == [data["contact"]]
    task = Task.objects.get(follow_up=follow_up)
    assert task.owner == org.rep
    upcoming = client.get(reverse("web:my_tasks") + "?tab=upcoming")
    assert [t.pk for t in upcoming.context["tasks"]] == [task.pk]
    assert list(client.get(reverse("web:my_tasks") + "?tab=today").context["tasks"]) == []
    # Complete and reopen.
    client.post(reverse("web:task_complete", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None
    done = client.get(reverse("web:my_tasks") + "?tab=done")
    assert [t.pk for t in done.context["tasks"]] == [task.pk]
    client.post(reverse("web:task_reopen", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is None
    # Another rep cannot complete it.
    assert (
        login(org.other_rep).post(reverse("web:task_complete", args=[task.pk])).status_code == 404
    )


def test_nav_shows_customer_entries(org, login):
    content = login(org.rep).get(reverse("web:home")).content.decode()
    for name in ("web:customers", "web:contacts", "web:inbox"):  # "To-do" (CUS-8)
        assert f'href="{reverse(name)}"' in content
