"""Opportunity services (FUN-3): create, update with optimistic locking, moves, win, lose, reopen,
recycle bin; every change writes one stage event and keeps the summaries equal to a
recomputation from the events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdesk.core.locking import StaleEditError
from salesdesk.pipeline import services
from salesdesk.pipeline.models import (
    Opportunity,
    OpportunityStatus,
    Reason,
    StageEvent,
    StageStat,
)
from salesdesk.sales.models import Product, ProductLine
from tests.pipeline.conftest import make_deal, recomputed_stats, stored_stats

T0 = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


def _reason(kind):
    return Reason.objects.filter(kind=kind).order_by("sort_order").first()


def test_create_defaults_to_first_stage_with_products_amount(org, customers, stages):
    line = ProductLine.objects.create(code="ERP", name="ERP")
    product = Product.objects.create(
        product_line=line, code="E1", name="ERP 基础版", list_price=100
    )
    opp = make_deal(
        org.rep,
        customers["rep"],
        "ERP 项目",
        products=[
            {"product": product, "quantity": 3},
            {"product": product.pk, "unit_price": "50.5"},
        ],
        at=T0,
    )
    assert opp.stage == stages[0]
    assert opp.status == OpportunityStatus.OPEN
    assert opp.amount == Decimal("350.50")
    assert opp.owner == org.rep and opp.org_unit == org.team_a
    assert opp.line_items.count() == 2
    event = StageEvent.objects.get(opportunity=opp)
    assert (event.kind, event.from_stage_id, event.to_stage_id, event.at) == (
        "created",
        None,
        stages[0].pk,
        T0,
    )
    assert stored_stats() == {
        (stages[0].pk, org.rep.pk, org.team_a.pk, T0.date().replace(day=1)): (1, 0, 0, 0, 0)
    }


def test_create_refuses_invisible_customer_and_closed_stage(org, customers, stages):
    with pytest.raises(ValidationError) as err:
        make_deal(org.rep, customers["other_rep"])
    assert "customer" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        make_deal(org.rep, customers["rep"], stage=stages[5])
    assert "stage" in err.value.message_dict
    with pytest.raises(ValidationError):
        make_deal(org.rep, customers["rep"], amount="-1")
    assert Opportunity.objects.count() == 0 and StageEvent.objects.count() == 0


def test_move_records_seconds_in_stage_and_summary(org, customers, stages):
    opp = make_deal(org.rep, customers["rep"], amount=1000, at=T0)
    opp = services.opportunity_move_stage(
        opportunity=opp,
        stage=stages[3],
        actor=org.rep,
        expected_version=1,
        at=T0 + timedelta(hours=5),
    )
    assert opp.version == 2 and opp.stage == stages[3]
    assert opp.stage_entered_at == T0 + timedelta(hours=5)
    event = StageEvent.objects.filter(kind="moved").get()
    assert event.seconds_in_stage == 5 * 3600
    assert (event.from_stage_id, event.to_stage_id, event.actor_id) == (
        stages[0].pk,
        stages[3].pk,
        org.rep.pk,
    )
    month = T0.date().replace(day=1)
    assert stored_stats() == {
        (stages[0].pk, org.rep.pk, org.team_a.pk, month): (1, 1, 18000, 0, 0),
        (stages[3].pk, org.rep.pk, org.team_a.pk, month): (1, 0, 0, 0, 0),
    }


def test_stale_move_refused_and_nothing_changes(org, customers, stages):
    opp = make_deal(org.rep, customers["rep"])
    services.opportunity_move_stage(
        opportunity=opp, stage=stages[1], actor=org.rep, expected_version=1
    )
    with pytest.raises(StaleEditError):
        services.opportunity_move_stage(
            opportunity=opp, stage=stages[2], actor=org.rep, expected_version=1
        )
    opp.refresh_from_db()
    assert opp.stage == stages[1] and opp.version == 2
    assert StageEvent.objects.count() == 2


def test_win_by_move_needs_reason_then_after_sales_then_reopen(org, customers, stages):
    opp = make_deal(org.rep, customers["rep"], amount=500, at=T0)
    with pytest.raises(ValidationError) as err:
        services.opportunity_move_stage(opportunity=opp, stage=stages[5], actor=org.rep)
    assert "reason" in err.value.message_dict
    won = _reason("won")
    opp = services.opportunity_move_stage(
        opportunity=opp, stage=stages[5], actor=org.rep, reason=won, at=T0 + timedelta(days=10)
    )
    assert opp.status == OpportunityStatus.WON and opp.reason == won
    assert opp.closed_at == T0 + timedelta(days=10)
    event = StageEvent.objects.get(kind="won")
    assert event.cycle_seconds == 10 * 86400 and event.seconds_in_stage == 10 * 86400
    opp = services.opportunity_move_stage(
        opportunity=opp, stage=stages[6], actor=org.rep, at=T0 + timedelta(days=11)
    )
    assert opp.status == OpportunityStatus.WON and opp.stage == stages[6]
    opp = services.opportunity_reopen(actor=org.rep, opportunity=opp, at=T0 + timedelta(days=12))
    assert opp.status == OpportunityStatus.OPEN and opp.stage == stages[4]
    assert opp.reason is None and opp.closed_at is None
    assert stored_stats() == recomputed_stats()
    # the reopening undid the win: the won stage keeps its arrival and departure only
    won_row = StageStat.objects.get(stage=stages[5])
    assert (won_row.entered, won_row.exited, won_row.won, won_row.cycle_seconds_total) == (
        1,
        1,
        0,
        0,
    )
    assert StageEvent.objects.get(kind="won").win_undone is True


def test_open_deal_cannot_jump_to_after_sales(org, customers, stages):
    opp = make_deal(org.rep, customers["rep"])
    with pytest.raises(ValidationError):
        services.opportunity_move_stage(opportunity=opp, stage=stages[6], actor=org.rep)


def test_lose_keeps_stage_and_reopen_returns_there(org, customers, stages):
    opp = make_deal(org.rep, customers["rep"], at=T0)
    opp = services.opportunity_move_stage(
        opportunity=opp, stage=stages[2], actor=org.rep, at=T0 + timedelta(days=1)
    )
    lost = _reason("lost")
    opp = services.opportunity_lose(
        actor=org.rep, opportunity=opp, reason=lost, reason_note="贵", at=T0 + timedelta(days=3)
    )
    assert (opp.status, opp.stage, opp.reason, opp.reason_note) == ("lost", stages[2], lost, "贵")
    event = StageEvent.objects.get(kind="lost")
    assert (event.from_stage_id, event.to_stage_id, event.seconds_in_stage) == (
        stages[2].pk,
        None,
        2 * 86400,
    )
    with pytest.raises(ValidationError):
        services.opportunity_move_stage(opportunity=opp, stage=stages[3], actor=org.rep)
    with pytest.raises(ValidationError):
        services.opportunity_lose(actor=org.rep, opportunity=opp, reason=lost)
    opp = services.opportunity_reopen(actor=org.rep, opportunity=opp, at=T0 + timedelta(days=9))
    assert (opp.status, opp.stage, opp.stage_entered_at) == (
        "open",
        stages[2],
        T0 + timedelta(days=9),
    )
    reopened = StageEvent.objects.get(kind="reopened")
    assert (reopened.from_stage_id, reopened.to_stage_id, reopened.seconds_in_stage) == (
        None,
        stages[2].pk,
        None,
    )
    assert stored_stats() == recomputed_stats()


def test_wrong_reason_kind_refused(org, customers, stages):
    opp = make_deal(org.rep, customers["rep"])
    with pytest.raises(ValidationError):
        services.opportunity_win(actor=org.rep, opportunity=opp, reason=_reason("lost"))
    opp.refresh_from_db()
    assert opp.status == "open" and opp.version == 1


def test_update_fields_locking_and_access(org, customers, stages):
    opp = make_deal(org.rep, customers["rep"], amount=100)
    opp = services.opportunity_update(
        actor=org.rep, opportunity=opp, expected_version=1, amount="250.00", next_step="报价"
    )
    assert (opp.amount, opp.next_step, opp.version) == (Decimal("250.00"), "报价", 2)
    with pytest.raises(StaleEditError):
        services.opportunity_update(actor=org.rep, opportunity=opp, expected_version=1, title="X")
    with pytest.raises(Opportunity.DoesNotExist):
        services.opportunity_update(actor=org.other_rep, opportunity=opp, title="X")
    with pytest.raises(Opportunity.DoesNotExist):
        services.opportunity_move_stage(opportunity=opp, stage=stages[1], actor=org.other_rep)
    opp = services.opportunity_update(actor=org.lead, opportunity=opp, title="主管改")
    assert opp.title == "主管改" and opp.history.count() == 3
    with pytest.raises(PermissionDenied):
        services.opportunity_update(actor=org.deactivated, opportunity=opp, title="X")


def test_contact_must_belong_to_customer(org, customers):
    opp = make_deal(org.rep, customers["rep"])
    other_contact = customers["lead"].contacts.get()
    with pytest.raises(ValidationError) as err:
        services.opportunity_update(actor=org.rep, opportunity=opp, contact=other_contact)
    assert "contact" in err.value.message_dict


def test_delete_and_restore(org, customers):
    opp = make_deal(org.rep, customers["rep"])
    with pytest.raises(PermissionDenied):
        services.opportunity_delete(actor=org.rep, opportunity=opp)
    services.opportunity_delete(actor=org.admin, opportunity=opp)
    assert not Opportunity.objects.filter(pk=opp.pk).exists()
    services.opportunity_restore(actor=org.admin, opportunity=opp)
    assert Opportunity.objects.filter(pk=opp.pk).exists()


def test_handover_moves_open_deals_only(org, customers, stages):
    from salesdesk.customers.services import customer_transfer

    open_deal = make_deal(org.rep, customers["rep"], "open")
    won_deal = make_deal(org.rep, customers["rep"], "won")
    services.opportunity_win(actor=org.rep, opportunity=won_deal, reason=_reason("won"))
    customer_transfer(actor=org.admin, customer=customers["rep"], new_owner=org.other_rep)
    open_deal.refresh_from_db()
    won_deal.refresh_from_db()
    assert (open_deal.owner, open_deal.org_unit) == (org.other_rep, org.team_b)
    assert won_deal.owner == org.rep


moves = st.lists(
    st.tuples(
        st.sampled_from(["move", "win", "lose", "reopen"]),
        st.integers(min_value=0, max_value=6),
        st.integers(min_value=0, max_value=40 * 86400),
    ),
    min_size=1,
    max_size=15,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=moves)
def test_summary_equals_recomputation_after_any_sequence(org, customers, stages, steps):
    """Random moves (skipping and revisiting stages, wins, losses, reopenings, refused ones
    included): the stored summaries always equal a recomputation from the events, and the events
    chain (each event's from-stage is where the previous one left the deal)."""
    StageStat.objects.all().delete()
    StageEvent.objects.all().delete()
    Opportunity.all_objects.all().delete()
    at = T0
    opp = make_deal(org.rep, customers["rep"], at=at)
    won, lost = _reason("won"), _reason("lost")
    for action, stage_index, gap in steps:
        at = at + timedelta(seconds=gap)
        opp.refresh_from_db()
        try:
            if action == "move":
                services.opportunity_move_stage(
                    opportunity=opp, stage=stages[stage_index], actor=org.rep, reason=won, at=at
                )
            elif action == "win":
                services.opportunity_win(actor=org.rep, opportunity=opp, reason=won, at=at)
            elif action == "lose":
                services.opportunity_lose(actor=org.rep, opportunity=opp, reason=lost, at=at)
            else:
                services.opportunity_reopen(actor=org.rep, opportunity=opp, at=at)
        except ValidationError:
            pass
    assert stored_stats() == recomputed_stats()
    opp.refresh_from_db()
    events = list(StageEvent.objects.filter(opportunity=opp).order_by("at", "id"))
    assert opp.version == len(events)
    where = None
    for event in events:
        assert event.from_stage_id == where
        where = event.to_stage_id
    assert (where is None) == (opp.status == OpportunityStatus.LOST)
    if where is not None:
        assert where == opp.stage_id
    counted_wins = sum(1 for e in events if e.kind == "won" and not e.win_undone)
    assert counted_wins == (1 if opp.status == OpportunityStatus.WON else 0)
    assert counted_wins == sum(StageStat.objects.values_list("won", flat=True))


def test_stage_move_query_count_is_pinned(org, customers, stages, django_assert_num_queries):
    """Lock and read the deal, its stage, the target stage, the event, the summary and
    histogram upserts, one conditional UPDATE (plus the savepoint pair of the test's
    transaction)."""
    opp = make_deal(org.rep, customers["rep"])
    with django_assert_num_queries(9):
        services.opportunity_move_stage(
            opportunity=opp, stage=stages[2], actor=org.rep, expected_version=1
        )
