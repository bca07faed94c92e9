"""Segment pages (CUS-3): list, create/edit with preview, persona page, delete; access matrix,
pinned query counts, the customer list and the export filtered by a segment."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from salesdesk.core.models import AuditEvent
from salesdesk.customers.models import Customer, Tag
from salesdesk.customers.segments import services
from salesdesk.customers.segments.models import Segment
from salesdesk.org.models import Role


def make(owner, name, **fields) -> Customer:
    return Customer.objects.create(owner=owner, org_unit=owner.unit, name=name, **fields)


def snapshot() -> dict:
    return {
        "segments": list(Segment.all_objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "kind")),
    }


@pytest.fixture
def data(org):
    make(org.rep, "广东制造甲", industry="manufacturing", province="广东", level="A",
         purchase_value=Decimal("1000"), needs="需要ERP对接")  # fmt: skip
    make(org.rep, "江苏零售乙", industry="retail", province="江苏", level="B")
    make(org.other_rep, "广东制造丙", industry="manufacturing", province="广东", level="A")
    shared = services.segment_create(
        actor=org.rep,
        name="广东制造业",
        visibility="shared",
        criteria={"industries": ["manufacturing"], "provinces": ["广东"]},
    )
    private = services.segment_create(actor=org.rep, name="我的A级", criteria={"levels": ["A"]})
    return {"shared": shared, "private": private}


FORM = {
    "name": "新画像",
    "description": "说明",
    "visibility": "private",
    "levels": ["A", "B"],
    "provinces": "广东，江苏",
    "revenue_min": "",
    "purchase_count_min": "0",
}


# --- access matrix -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "list_", "shared", "private", "edit_shared", "edit_private"),
    [
        ("rep", 200, 200, 200, 200, 200),
        ("other_rep", 200, 200, 404, 403, 404),
        ("lead", 200, 200, 404, 403, 404),
        ("director", 200, 200, 404, 403, 404),
        ("admin", 200, 200, 404, 200, 404),
        ("anonymous", 302, 302, 302, 302, 302),
    ],
)
def test_access_matrix(
    org, data, login, persona, list_, shared, private, edit_shared, edit_private
):
    user = None if persona == "anonymous" else getattr(org, persona)
    c = login(user)
    s, p = data["shared"].pk, data["private"].pk
    assert c.get(reverse("web:segments")).status_code == list_
    assert c.get(reverse("web:segment_detail", args=[s])).status_code == shared
    assert c.get(reverse("web:segment_detail", args=[p])).status_code == private
    assert c.get(reverse("web:segment_edit", args=[s])).status_code == edit_shared
    assert c.get(reverse("web:segment_edit", args=[p])).status_code == edit_private


@pytest.mark.parametrize("persona", ["other_rep", "director", "anonymous"])
def test_denied_writes_change_nothing(org, data, login, persona):
    c = login(None if persona == "anonymous" else getattr(org, persona))
    before = snapshot()
    s, p = data["shared"].pk, data["private"].pk
    for pk in (s, p):
        c.post(reverse("web:segment_delete", args=[pk]))
        c.post(reverse("web:segment_edit", args=[pk]), {**FORM, "version": 1})
    assert snapshot() == before


# --- list ---------------------------------------------------------------------------------


def test_list_shows_own_and_shared_segments_with_their_criteria(org, data, login):
    mine = login(org.rep).get(reverse("web:segments")).content.decode()
    assert "广东制造业" in mine and "我的A级" in mine
    assert "Provinces: 广东 · Industries: Manufacturing" in mine
    other = login(org.other_rep).get(reverse("web:segments")).content.decode()
    assert "广东制造业" in other and "我的A级" not in other
    only_mine = login(org.other_rep).get(reverse("web:segments") + "?tab=mine")
    assert "No segments yet" in only_mine.content.decode()
    found = login(org.rep).get(reverse("web:segments") + "?q=A级").content.decode()
    assert "我的A级" in found and "广东制造业" not in found
    none = login(org.rep).get(reverse("web:segments") + "?q=zzz").content.decode()
    assert "No segment matches" in none


def test_list_page_runs_a_constant_number_of_queries(org, login, django_assert_num_queries):
    c = login(org.director)
    url = reverse("web:segments") + "?sort=-updated"
    for i in range(3):
        services.segment_create(actor=org.rep, name=f"S{i}", visibility="shared")
    c.get(url)
    with django_assert_num_queries(5) as ctx:
        c.get(url)
    for i in range(3, 30):
        services.segment_create(actor=org.other_rep, name=f"S{i}", visibility="shared",
                                criteria={"levels": ["A"], "tags_any": []})  # fmt: skip
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert c.get(url).status_code == 200


# --- create / edit / preview -------------------------------------------------------------


def test_create_from_the_form(org, login):
    tag = Tag.objects.create(name="价格敏感", category="value")
    response = login(org.rep).post(
        reverse("web:segment_create"), {**FORM, "tags_all": [tag.pk], "industries": ["it"]}
    )
    segment = Segment.objects.get(name="新画像")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:segment_detail", args=[segment.pk])
    assert segment.owner == org.rep
    assert segment.criteria == {
        "provinces": ["广东", "江苏"],
        "industries": ["it"],
        "levels": ["A", "B"],
        "purchase_count_min": 0,
        "tags_all": [tag.pk],
    }


def test_form_errors_are_shown_and_nothing_is_saved(org, login):
    before = snapshot()
    response = login(org.rep).post(
        reverse("web:segment_create"),
        {**FORM, "name": "", "rfm_r_min": "9", "levels": ["Z"], "cities": "x" * 40},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "rfm_r_min", "levels"}
    # the criteria validator's own message for a name that is too long
    response = login(org.rep).post(reverse("web:segment_create"), {**FORM, "cities": "x" * 40})
    assert response.context["form"].errors == {
        "cities": ["Each name may have at most 30 characters."]
    }
    assert snapshot() == before


def test_edit_with_a_stale_version_is_a_conflict(org, data, login):
    segment = data["private"]
    c = login(org.rep)
    response = c.get(reverse("web:segment_edit", args=[segment.pk]))
    assert response.context["form"].initial["levels"] == ["A"]
    ok = c.post(reverse("web:segment_edit", args=[segment.pk]), {**FORM, "version": 1})
    assert ok.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.version) == ("新画像", 2)
    before = snapshot()
    stale = c.post(
        reverse("web:segment_edit", args=[segment.pk]), {**FORM, "name": "X", "version": 1}
    )
    assert stale.status_code == 409
    assert snapshot() == before


def test_preview_counts_matching_customers_in_scope(org, data, login):
    url = reverse("web:segment_preview")
    body = {"name": "", "visibility": "private", "provinces": "广东"}
    assert "1 of the 2 customers you can see match (50.0%)." in (
        login(org.rep).post(url, body).content.decode()
    )
    assert "2 of the 3 customers you can see match (66.7%)." in (
        login(org.director).post(url, body).content.decode()
    )
    bad = login(org.rep).post(url, {**body, "rfm_r_min": "7"}).content.decode()
    assert "Fix the highlighted criteria" in bad


# --- persona page ---------------------------------------------------------------------------


def test_persona_page_shows_numbers_charts_data_and_links(org, data, login):
    segment = data["shared"]
    other = login(org.other_rep).get(reverse("web:segment_detail", args=[segment.pk]))
    assert other.context["persona"]["size"] == 1
    assert "/customers/export/" not in other.content.decode()  # no export permission
    assert "/edit/" not in other.content.decode()
    Role.objects.filter(code="rep").update(can_export=True)
    response = login(org.rep).get(reverse("web:segment_detail", args=[segment.pk]))
    content = response.content.decode()
    assert response.context["persona"]["size"] == 1
    assert response.context["persona"]["value_share"] == 100.0
    assert 'id="persona-data" type="application/json"' in content
    assert '<script src="/static/vendor/echarts/echarts.min.js"' in content
    assert "需要ERP对接" in content
    assert "Typical: Company (100%), Manufacturing (100%), 广东 (100%)" in content
    assert f'href="/customers/?view=all&amp;segment={segment.pk}"' in content
    assert f'href="/customers/export/?segment={segment.pk}&amp;view=all"' in content


def test_empty_segment_shows_an_empty_state(org, data, login):
    segment = services.segment_create(actor=org.rep, name="空", criteria={"provinces": ["西藏"]})
    content = login(org.rep).get(reverse("web:segment_detail", args=[segment.pk])).content
    assert "No customers in this segment" in content.decode()


def test_persona_page_runs_a_constant_number_of_queries(
    org, data, login, django_assert_num_queries
):
    url = reverse("web:segment_detail", args=[data["shared"].pk])
    c = login(org.director)
    c.get(url)
    with django_assert_num_queries(11) as ctx:
        c.get(url)
    for i in range(40):
        make(org.other_rep, f"更多{i}", industry="manufacturing", province="广东", needs=f"n{i}")
    with django_assert_num_queries(len(ctx.captured_queries)):
        c.get(url)


def test_delete_moves_the_segment_to_the_recycle_bin(org, data, login):
    segment = data["private"]
    response = login(org.rep).post(reverse("web:segment_delete", args=[segment.pk]))
    assert response.status_code == 302
    assert Segment.all_objects.get(pk=segment.pk).deleted_at is not None
    assert login(org.rep).get(reverse("web:segment_detail", args=[segment.pk])).status_code == 404
    assert AuditEvent.objects.filter(kind="record_deleted").count() == 1


# --- customer list and export by segment -----------------------------------------------------


def test_open_in_customer_list_filters_by_the_segment(org, data, login):
    url = reverse("web:customers") + f"?view=all&segment={data['shared'].pk}"
    response = login(org.director).get(url)
    names = [c.name for c in response.context["customers"]]
    assert sorted(names) == sorted(["广东制造甲", "广东制造丙"])
    assert "Showing the customers of a segment." in response.content.decode()
    private = reverse("web:customers") + f"?view=all&segment={data['private'].pk}"
    assert list(login(org.director).get(private).context["customers"]) == []
    bad = login(org.director).get(reverse("web:customers") + "?view=all&segment=x")
    assert len(bad.context["customers"]) == 3  # an invalid value is ignored, as other filters


def test_export_of_a_segment_is_scoped_and_needs_the_permission(org, data, login):
    url = reverse("web:customer_export") + f"?format=csv&view=all&segment={data['shared'].pk}"
    assert login(org.rep).get(url).status_code == 403
    response = login(org.director).get(url)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert "广东制造甲" in text and "广东制造丙" in text and "江苏零售乙" not in text
    event = AuditEvent.objects.get(kind="export")
    assert event.data["rows"] == 2
    assert event.data["filters"] == {"segment": str(data["shared"].pk)}


def test_persona_page_has_no_inline_scripts(org, data, login):
    content = login(org.rep).get(reverse("web:segment_detail", args=[data["shared"].pk]))
    for attrs in re.findall(r"<script\b([^>]*)>", content.content.decode(), re.I):
        assert 'src="/static/' in attrs or 'type="application/json"' in attrs


def test_segment_pages_send_the_security_headers(org, data, login):
    from tests.web.test_queries_and_security import assert_security_headers

    pk = data["shared"].pk
    c = login(org.rep)
    for url in (
        reverse("web:segments"),
        reverse("web:segment_create"),
        reverse("web:segment_detail", args=[pk]),
        reverse("web:segment_edit", args=[pk]),
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)


def test_deleted_segment_is_listed_in_the_recycle_bin_and_restored(org, data, login):
    segment = data["shared"]
    login(org.rep).post(reverse("web:segment_delete", args=[segment.pk]))
    bin_url = reverse("web:recycle_bin") + "?type=customers.segment"
    assert "广东制造业" in login(org.director).get(bin_url).content.decode()
    assert login(org.rep).get(bin_url).status_code == 403  # reps have no recycle bin
    response = login(org.director).post(
        reverse("web:recycle_restore", args=["customers.segment", segment.pk])
    )
    assert response.status_code == 302
    assert (
        login(org.other_rep).get(reverse("web:segment_detail", args=[segment.pk])).status_code
        == 200
    )


def test_list_rows_load_their_size_lazily_within_the_viewers_scope(org, data, login):
    s, p = data["shared"].pk, data["private"].pk
    page = login(org.rep).get(reverse("web:segments")).content.decode()
    assert f'hx-get="{reverse("web:segment_size", args=[s])}"' in page
    size = lambda user, pk: login(user).get(reverse("web:segment_size", args=[pk]))  # noqa: E731
    assert 'data-segment-size="1"' in size(org.rep, s).content.decode()
    assert 'data-segment-size="2"' in size(org.director, s).content.decode()
    assert 'data-segment-size="1"' in size(org.rep, p).content.decode()
    assert size(org.director, p).status_code == 404
