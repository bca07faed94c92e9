"""Contracts (SAL-2): creation with exact totals, numbering, locking, approval chains."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesdesk.core.inbox import inbox_counts, inbox_items
from salesdesk.core.locking import StaleEditError
from salesdesk.core.models import Notification
from salesdesk.sales.contracts import services
from salesdesk.sales.contracts.selectors import contract_list, pending_for
from salesdesk.sales.models import (
    ApprovalStatus,
    Contract,
    ContractEvent,
    ContractLine,
    ContractStatus,
)
from tests.sales.conftest import make_chain, make_contract

pytestmark = pytest.mark.django_db


def test_create_computes_line_amounts_and_total_to_the_cent(org, cat, customers):
    contract = services.contract_create(
        actor=org.rep,
        customer=customers["rep"],
        title="年度采购",
        lines=[
            {"product": cat.crm, "quantity": "3", "unit_price": "1000", "discount_percent": "12.5"},
            {"product": cat.support, "quantity": "7"},  # list price 199.99
            {"product": cat.support, "quantity": "1.5", "unit_price": "0.333"},
        ],
    )
    lines = list(
        contract.lines.order_by("position").values_list("position", "unit_price", "amount")
    )
    assert lines == [
        (1, Decimal("1000.00"), Decimal("2625.00")),
        (2, Decimal("199.99"), Decimal("1399.93")),
        (3, Decimal("0.33"), Decimal("0.50")),  # 1.5 × 0.33 = 0.495 → 0.50 (half up)
    ]
    assert contract.total_amount == Decimal("4025.43")
    today = timezone.localdate()
    assert contract.number == f"HT-{today:%Y%m%d}-0001"
    assert contract.status == ContractStatus.DRAFT
    assert contract.owner == org.rep and contract.org_unit == org.team_a
    second = make_contract(org.rep, customers["rep"], cat)
    assert second.number == f"HT-{today:%Y%m%d}-0002"
    assert list(ContractEvent.objects.filter(contract=contract).values_list("kind", flat=True)) == [
        "created"
    ]


def test_create_refuses_bad_input_and_changes_nothing(org, cat, customers):
    bad = [
        dict(title="", lines=[{"product": cat.crm, "quantity": 1}]),
        dict(title="x", lines=[]),
        dict(title="x", lines=[{"product": cat.crm, "quantity": 0}]),
        dict(title="x", lines=[{"product": cat.crm, "quantity": 1, "discount_percent": 101}]),
        dict(title="x", lines=[{"product": 999999, "quantity": 1}]),
        dict(title="x", lines=[{"product": cat.crm, "quantity": "abc"}]),
        dict(
            title="x",
            lines=[{"product": cat.crm, "quantity": 1}],
            start_on=date(2026, 2, 1),
            end_on=date(2026, 1, 1),
        ),
    ]
    for kwargs in bad:
        with pytest.raises(ValidationError):
            services.contract_create(actor=org.rep, customer=customers["rep"], **kwargs)
    # Another team's customer is not the rep's to sell to.
    with pytest.raises(ValidationError):
        make_contract(org.rep, customers["other_rep"], cat)
    assert Contract.all_objects.count() == 0
    assert ContractLine.objects.count() == 0


def test_update_is_optimistic_locked_and_replaces_lines(org, cat, customers):
    contract = make_contract(org.rep, customers["rep"], cat)
    updated = services.contract_update(
        actor=org.rep,
        contract=contract,
        expected_version=1,
        title="改名",
        lines=[{"product": cat.support, "quantity": 10, "unit_price": "100"}],
    )
    assert (updated.title, updated.total_amount, updated.version) == ("改名", Decimal("1000.00"), 2)
    assert contract.lines.count() == 1
    with pytest.raises(StaleEditError):
        services.contract_update(actor=org.rep, contract=contract, expected_version=1, title="旧")
    assert Contract.objects.get(pk=contract.pk).title == "改名"
    with pytest.raises(Contract.DoesNotExist):
        services.contract_update(actor=org.other_rep, contract=contract, title="偷改")


def test_no_chain_means_active_at_once(org, cat, customers):
    contract = make_contract(org.rep, customers["rep"], cat)  # 2,000.00
    make_chain(org.admin, min_amount="10000")
    services.contract_submit(actor=org.rep, contract=contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert list(contract.events.values_list("kind", "to_status")) == [
        ("created", "draft"),
        ("submitted", "active"),
        ("activated", "active"),
    ]


def test_two_step_chain_locks_notifies_and_activates(
    org, cat, customers, django_capture_on_commit_callbacks
):
    make_chain(org.admin, min_amount="1000", roles=("team_lead", "director"))
    make_chain(org.admin, min_amount="100000", roles=("director",))
    contract = make_contract(org.rep, customers["rep"], cat, quantity="5")  # 5,000.00
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(actor=org.rep, contract=contract, comment="请审批")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_APPROVAL
    # Locked while in approval.
    with pytest.raises(ValidationError):
        services.contract_update(actor=org.rep, contract=contract, title="改")
    # The lead is the first approver: inbox, notification; the director is not yet.
    now = timezone.now()
    assert [i.key for i in inbox_items(org.lead, until=now, kinds={"contract_approval"})] == [
        f"contract_approval:{contract.approvals.get().pk}"
    ]
    assert inbox_counts(org.director, until=now, kinds={"contract_approval"}) == {
        "contract_approval": 0
    }
    assert list(Notification.objects.values_list("user__username", "kind")) == [
        ("lead", "contract_approval")
    ]
    with pytest.raises(PermissionDenied):
        services.contract_approve(actor=org.director, contract=contract)
    with pytest.raises(PermissionDenied):
        services.contract_approve(actor=org.rep, contract=contract)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_approve(actor=org.lead, contract=contract, comment="同意")
    assert pending_for(org.lead).count() == 0
    assert pending_for(org.director).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_approve(actor=org.director, contract=contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert contract.approvals.get().status == ApprovalStatus.APPROVED
    assert list(contract.events.values_list("kind", "step", "actor__username", "comment")) == [
        ("created", None, "rep", ""),
        ("submitted", 1, "rep", "请审批"),
        ("approved", 1, "lead", "同意"),
        ("approved", 2, "director", ""),
    ]
    assert sorted(Notification.objects.values_list("user__username", "kind")) == [
        ("director", "contract_approval"),
        ("lead", "contract_approval"),
        ("rep", "contract_approved"),
    ]


def test_reject_needs_a_reason_then_resubmit_and_recall(org, cat, customers):
    make_chain(org.admin, min_amount="0", manager_first=True, roles=())
    contract = make_contract(org.rep, customers["rep"], cat)
    services.contract_submit(actor=org.rep, contract=contract)
    with pytest.raises(ValidationError):
        services.contract_reject(actor=org.lead, contract=contract, reason="  ")
    services.contract_reject(actor=org.lead, contract=contract, reason="价格太低")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    services.contract_update(
        actor=org.rep, contract=contract, lines=[{"product": cat.crm, "quantity": 3}]
    )
    services.contract_submit(actor=org.rep, contract=contract)
    with pytest.raises(PermissionDenied):
        services.contract_recall(actor=org.lead, contract=contract)
    services.contract_recall(actor=org.rep, contract=contract)
    services.contract_submit(actor=org.rep, contract=contract)
    services.contract_approve(actor=org.lead, contract=contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert list(contract.events.values_list("kind", "to_status", "comment")) == [
        ("created", "draft", ""),
        ("submitted", "in_approval", ""),
        ("rejected", "draft", "价格太低"),
        ("resubmitted", "in_approval", ""),
        ("recalled", "draft", ""),
        ("resubmitted", "in_approval", ""),
        ("approved", "active", ""),
    ]
    assert list(contract.approvals.order_by("id").values_list("status", flat=True)) == [
        "rejected",
        "recalled",
        "approved",
    ]


def test_complete_and_void_need_the_approve_permission(org, cat, customers):
    contract = make_contract(org.rep, customers["rep"], cat)
    services.contract_submit(actor=org.rep, contract=contract)
    with pytest.raises(PermissionDenied):
        services.contract_complete(actor=org.rep, contract=contract)
    with pytest.raises(ValidationError):
        services.contract_void(actor=org.lead, contract=contract, reason="")
    services.contract_complete(actor=org.lead, contract=contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.COMPLETED
    with pytest.raises(ValidationError):
        services.contract_void(actor=org.lead, contract=contract, reason="晚了")
    with pytest.raises(ValidationError):
        services.contract_update(actor=org.rep, contract=contract, notes="x")
    draft = make_contract(org.rep, customers["rep"], cat)
    services.contract_void(actor=org.director, contract=draft, reason="客户取消")
    assert Contract.objects.get(pk=draft.pk).status == ContractStatus.VOID


def test_list_views_are_scoped(org, cat, customers):
    mine = make_contract(org.rep, customers["rep"], cat)
    theirs = make_contract(org.other_rep, customers["other_rep"], cat)
    assert list(contract_list(org.rep)) == [mine]
    assert list(contract_list(org.lead, view="subordinates")) == [mine]
    assert list(contract_list(org.lead, view="mine")) == []
    assert set(contract_list(org.director)) == {mine, theirs}
    assert list(contract_list(org.director, q=theirs.number)) == [theirs]
    assert list(contract_list(org.admin, status="active")) == []
