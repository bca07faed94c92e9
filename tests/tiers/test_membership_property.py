"""Property: whatever the assignments and review decisions, at every day each person has at most
one tier membership, and `tier_of` answers the tier of the last assignment in force."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdesk.tiers import services
from salesdesk.tiers.models import TierMembership
from salesdesk.tiers.selectors import tier_of

D0 = date(2026, 1, 1)
steps = st.lists(
    st.tuples(
        st.sampled_from(["rep", "other_rep", "lead"]),
        st.sampled_from(["trainee", "associate", "senior", "gold"]),
        st.integers(min_value=0, max_value=40),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_at_most_one_membership_per_day(org, tiers, steps):
    with transaction.atomic():
        expected: dict[str, list[tuple[date, str]]] = {}
        for who, code, offset in steps:
            person, day = getattr(org, who), D0 + timedelta(days=offset)
            with contextlib.suppress(ValidationError, PermissionDenied):
                services.tier_assign(actor=org.admin, user=person, tier=tiers[code], valid_from=day)
                stretches = [s for s in expected.get(who, []) if s[0] != day]
                expected[who] = [*stretches, (day, code)]
        for who in ("rep", "other_rep", "lead"):
            person = getattr(org, who)
            rows = list(TierMembership.objects.filter(user=person))
            assert sum(1 for m in rows if m.valid_to is None) <= 1
            for offset in range(-1, 45):
                day = D0 + timedelta(days=offset)
                holding = [
                    m
                    for m in rows
                    if m.valid_from <= day and (m.valid_to is None or m.valid_to > day)
                ]
                assert len(holding) <= 1
                in_force = [code for start, code in expected.get(who, []) if start <= day]
                tier = tier_of(person.pk, day)
                assert (tier.code if tier else None) == (in_force[-1] if in_force else None)
        transaction.set_rollback(True)
