"""Demo segments (CUS-3): six example segments, valid criteria, non-empty personas,
deterministic, removed by a reset."""

from __future__ import annotations

import pytest
from django.utils import timezone

from salesdesk.customers.segments import selectors
from salesdesk.customers.segments.criteria import clean_criteria
from salesdesk.customers.segments.models import Segment
from salesdesk.demo.runner import build_demo
from salesdesk.org.models import User

# Segments with "in the last N days" criteria count against the real today: build the demo as of it.
TODAY = timezone.localdate()


@pytest.fixture
def small(db):
    return build_demo(size="small", seed=2026, today=TODAY)


def test_demo_segments_are_valid_visible_and_not_empty(small):
    segments = list(Segment.objects.order_by("pk"))
    assert [s.name for s in segments] == [
        "华东制造业大客户",
        "Young urban individuals 年轻都市个人客户",
        "沉睡的老客户 Dormant buyers",
        "高价值忠诚客户 Champions",
        "关注数字化转型的企业",
        "价格敏感的中小企业",
    ]
    assert [s.visibility for s in segments].count("shared") == 5
    for segment in segments:
        assert clean_criteria(segment.criteria) == segment.criteria, segment.name
    admin = User.objects.get(username="admin")
    sizes = {s.name: selectors.segment_count(admin, s.criteria) for s in segments}
    assert all(n > 0 for n in sizes.values()), sizes
    # the director's shared segment is visible to the admin; the rep's private one is not
    visible = set(selectors.segments_visible(admin).values_list("name", flat=True))
    assert "华东制造业大客户" in visible and "关注数字化转型的企业" not in visible


def test_demo_segments_are_deterministic_and_reset(small):
    first = list(Segment.objects.order_by("pk").values("name", "criteria", "owner__username"))
    build_demo(size="small", seed=2026, today=TODAY, reset=True)
    again = list(Segment.objects.order_by("pk").values("name", "criteria", "owner__username"))
    assert first == again
    assert Segment.all_objects.count() == 6
