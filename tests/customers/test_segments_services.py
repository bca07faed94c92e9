"""Segments (CUS-3): criteria validation, create/edit/delete, visibility, recycle bin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesdesk.core.locking import StaleEditError
from salesdesk.core.models import AuditEvent
from salesdesk.core.recycle import record_restore
from salesdesk.customers.models import Tag
from salesdesk.customers.segments import selectors, services
from salesdesk.customers.segments.criteria import clean_criteria
from salesdesk.customers.segments.models import Segment


def segment_snapshot() -> dict:
    return {
        "segments": list(Segment.all_objects.order_by("pk").values()),
        "history": Segment.history.count(),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "kind")),
    }


# --- criteria validation -------------------------------------------------------------------


def test_clean_criteria_normalises_lists_money_and_drops_empty_values(db):
    tag = Tag.objects.create(name="价格敏感", category="value")
    cleaned = clean_criteria(
        {
            "levels": ["B", "A", "A"],
            "provinces": [" 广东 ", "江苏", ""],
            "cities": [],
            "revenue_min": "1000",
            "purchase_value_max": 2500.5,
            "purchase_count_min": "2",
            "tags_all": [str(tag.pk)],
            "needs_contains": "  ERP ",
            "sources": None,
            "rfm_r_min": 4,
        }
    )
    assert cleaned == {
        "provinces": ["广东", "江苏"],
        "revenue_min": "1000.00",
        "levels": ["A", "B"],
        "purchase_count_min": 2,
        "purchase_value_max": "2500.50",
        "rfm_r_min": 4,
        "tags_all": [tag.pk],
        "needs_contains": "ERP",
    }


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ({"colour": ["red"]}, {"criteria": ["Unknown criteria: colour."]}),
        ({"levels": ["Z"]}, {"levels": ["Select valid choices; not valid: Z."]}),
        ({"levels": "A"}, {"levels": ["Give a list of values."]}),
        ({"industries": [1]}, {"industries": ["Select valid choices; not valid: 1."]}),
        ({"provinces": "广东"}, {"provinces": ["Give a list of names."]}),
        ({"cities": ["x" * 31]}, {"cities": ["Each name may have at most 30 characters."]}),
        ({"revenue_min": "lots"}, {"revenue_min": ["Enter a number."]}),
        ({"revenue_min": "NaN"}, {"revenue_min": ["Enter a number."]}),
        ({"purchase_value_min": -1}, {"purchase_value_min": ["Enter a value of zero or more."]}),
        ({"purchase_count_min": 1.5}, {"purchase_count_min": ["Enter a whole number."]}),
        ({"purchase_count_max": True}, {"purchase_count_max": ["Enter a whole number."]}),
        ({"rfm_m_min": 6}, {"rfm_m_min": ["Enter a score from 1 to 5."]}),
        ({"rfm_r_min": 0}, {"rfm_r_min": ["Enter a score from 1 to 5."]}),
        (
            {"last_purchase_within_days": 0},
            {"last_purchase_within_days": ["Enter a number of days from 1 to 3650."]},
        ),
        (
            {"not_purchased_for_days": 4000},
            {"not_purchased_for_days": ["Enter a number of days from 1 to 3650."]},
        ),
        ({"tags_any": [999999]}, {"tags_any": ["Select valid tags."]}),
        ({"tags_all": ["x"]}, {"tags_all": ["Select valid tags."]}),
        ({"needs_contains": 5}, {"needs_contains": ["Enter a text."]}),
        (
            {"revenue_min": 10, "revenue_max": 5},
            {"revenue_max": ["The upper bound must not be below the lower bound."]},
        ),
        (
            {"purchase_count_min": 3, "purchase_count_max": 2},
            {"purchase_count_max": ["The upper bound must not be below the lower bound."]},
        ),
        ("levels=A", {"criteria": ["Criteria must be an object of named criteria."]}),
    ],
)
def test_bad_criteria_are_refused_with_a_message_per_key(db, raw, errors):
    with pytest.raises(ValidationError) as exc:
        clean_criteria(raw)
    assert exc.value.message_dict == errors


def test_criteria_errors_are_translated(db):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        clean_criteria({"tags_any": [999999]})
    # (a message already in the catalogue; new ones are listed in tmp/translations/segments.json)
    assert exc.value.message_dict["tags_any"][0] not in ("", "Select valid tags.")


# --- create / edit / delete ------------------------------------------------------------------


def test_create_saves_clean_criteria_owned_by_the_actor_in_their_unit(org):
    segment = services.segment_create(
        actor=org.rep, name=" 华东制造业 ", criteria={"levels": ["A"], "revenue_min": 5}
    )
    segment.refresh_from_db()
    assert segment.name == "华东制造业"
    assert segment.owner == org.rep
    assert segment.org_unit == org.team_a
    assert segment.visibility == "private"
    assert segment.criteria == {"revenue_min": "5.00", "levels": ["A"]}
    assert segment.version == 1
    assert AuditEvent.objects.count() == 0  # a private segment is nobody else's business


def test_sharing_a_segment_is_audited(org):
    segment = services.segment_create(actor=org.rep, name="S", visibility="shared")
    events = list(AuditEvent.objects.values_list("kind", "target_id", "data"))
    assert events == [("share_changed", str(segment.pk), {"visibility": "shared"})]


def test_bad_input_on_create_saves_nothing(org):
    before = segment_snapshot()
    with pytest.raises(ValidationError) as exc:
        services.segment_create(
            actor=org.rep, name="  ", visibility="public", criteria={"levels": ["Q"], "x": 1}
        )
    assert exc.value.message_dict == {
        "name": ["Enter the segment's name."],
        "visibility": ["Select a valid choice."],
        "criteria": ["Unknown criteria: x."],
        "levels": ["Select valid choices; not valid: Q."],
    }
    assert segment_snapshot() == before


def test_names_are_unique_per_author(org):
    services.segment_create(actor=org.rep, name="Big")
    services.segment_create(actor=org.other_rep, name="Big")  # another author: fine
    before = segment_snapshot()
    with pytest.raises(ValidationError) as exc:
        services.segment_create(actor=org.rep, name="Big")
    assert exc.value.message_dict == {"name": ["You already have a segment with this name."]}
    assert segment_snapshot() == before


def test_deactivated_user_cannot_create(org):
    with pytest.raises(PermissionDenied):
        services.segment_create(actor=org.deactivated, name="x")
    assert Segment.all_objects.count() == 0


def test_update_changes_fields_bumps_version_and_audits_visibility(org):
    segment = services.segment_create(actor=org.rep, name="S")
    services.segment_update(
        actor=org.rep,
        segment=segment,
        expected_version=1,
        name="S2",
        visibility="shared",
        criteria={"genders": ["female"]},
    )
    segment.refresh_from_db()
    assert (segment.name, segment.visibility, segment.version) == ("S2", "shared", 2)
    assert segment.criteria == {"genders": ["female"]}
    assert list(AuditEvent.objects.values_list("kind", "data")) == [
        ("share_changed", {"visibility": "shared", "was": "private"})
    ]


def test_stale_update_is_refused_and_changes_nothing(org):
    segment = services.segment_create(actor=org.rep, name="S")
    services.segment_update(actor=org.rep, segment=segment, expected_version=1, name="S2")
    before = segment_snapshot()
    with pytest.raises(StaleEditError):
        services.segment_update(actor=org.rep, segment=segment, expected_version=1, name="S3")
    assert segment_snapshot() == before


def test_bad_update_changes_nothing(org):
    segment = services.segment_create(actor=org.rep, name="S", criteria={"levels": ["A"]})
    before = segment_snapshot()
    with pytest.raises(ValidationError):
        services.segment_update(
            actor=org.rep, segment=segment, expected_version=1, criteria={"levels": ["A", "?"]}
        )
    assert segment_snapshot() == before


@pytest.mark.parametrize("persona", ["other_rep", "lead", "director"])
def test_only_the_author_changes_a_shared_segment(org, persona):
    segment = services.segment_create(actor=org.rep, name="S", visibility="shared")
    before = segment_snapshot()
    actor = getattr(org, persona)
    with pytest.raises(PermissionDenied):
        services.segment_update(actor=actor, segment=segment, expected_version=1, name="X")
    with pytest.raises(PermissionDenied):
        services.segment_delete(actor=actor, segment=segment)
    assert segment_snapshot() == before


def test_administrators_may_tidy_shared_segments_but_never_see_private_ones(org):
    shared = services.segment_create(actor=org.rep, name="S", visibility="shared")
    private = services.segment_create(actor=org.rep, name="P")
    services.segment_update(actor=org.admin, segment=shared, expected_version=1, name="S!")
    before = segment_snapshot()
    with pytest.raises(Segment.DoesNotExist):
        services.segment_update(actor=org.admin, segment=private, expected_version=1, name="X")
    with pytest.raises(Segment.DoesNotExist):
        services.segment_delete(actor=org.admin, segment=private)
    assert segment_snapshot() == before


def test_private_segments_are_invisible_to_everyone_else(org):
    private = services.segment_create(actor=org.rep, name="P")
    shared = services.segment_create(actor=org.rep, name="S", visibility="shared")
    mine = services.segment_create(actor=org.other_rep, name="O")
    for persona, expected in {
        "rep": {private.pk, shared.pk},
        "other_rep": {shared.pk, mine.pk},
        "lead": {shared.pk},
        "director": {shared.pk},
        "admin": {shared.pk},
        "deactivated": set(),
    }.items():
        seen = set(selectors.segments_visible(getattr(org, persona)).values_list("pk", flat=True))
        assert seen == expected, persona


def test_delete_moves_to_the_recycle_bin_and_restore_brings_it_back(org):
    segment = services.segment_create(actor=org.rep, name="S", visibility="shared")
    services.segment_delete(actor=org.rep, segment=segment)  # a rep: no delete permission needed
    row = Segment.all_objects.get(pk=segment.pk)
    assert row.deleted_at is not None and row.deleted_by == org.rep
    assert not selectors.segments_visible(org.rep).filter(pk=segment.pk).exists()
    assert not selectors.segments_visible(org.director).filter(pk=segment.pk).exists()
    assert AuditEvent.objects.filter(kind="record_deleted", target_id=str(segment.pk)).count() == 1
    with pytest.raises(PermissionDenied):  # restoring needs the recycle bin (delete permission)
        record_restore(model=Segment, pk=segment.pk, actor=org.rep)
    record_restore(model=Segment, pk=segment.pk, actor=org.director)
    assert selectors.segments_visible(org.rep).filter(pk=segment.pk).exists()


def test_money_bounds_survive_a_round_trip(org):
    segment = services.segment_create(
        actor=org.rep, name="S", criteria={"purchase_value_min": Decimal("0.1")}
    )
    segment.refresh_from_db()
    assert segment.criteria == {"purchase_value_min": "0.10"}
