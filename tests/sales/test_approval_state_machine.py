"""The contract status machine (SAL-2) against a model of it (hypothesis, rule-based): every
action by every persona is accepted exactly when the model says it is valid, and the recorded
history always matches the status."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from salesdesk.sales.contracts import services
from salesdesk.sales.models import ApprovalStatus, Contract, ContractApproval, ContractEvent
from tests.customers.conftest import make_customer
from tests.sales.conftest import make_catalogue, make_chain, make_contract

ACTORS = ["rep", "other_rep", "lead", "director", "admin"]
EDITORS = {"rep", "lead", "director", "admin"}  # who can change the rep's contract
CLOSERS = {"lead", "director", "admin"}  # approve permission + write access
STEP_APPROVERS = ["lead", "director"]  # the rep's manager, then the director role
ACTIONS = ["submit", "approve", "reject", "recall", "complete", "void", "update"]


@pytest.mark.django_db
def test_contract_status_machine(org):
    cat = make_catalogue(org.admin)
    customer = make_customer(org.rep, "状态机客户有限公司", level="A")
    make_chain(org.admin, min_amount="1000", manager_first=True, roles=("director",))
    people = org.personas()

    class ContractMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.contract = make_contract(org.rep, customer, cat)  # 2,000.00 → chain applies
            self.status = "draft"
            self.step = 0
            self.submitter = None

        def expected(self, action: str, actor: str) -> str | None:
            """The status after the action, or None when it must be refused."""
            s = self.status
            if action == "submit":
                return "in_approval" if s == "draft" and actor in EDITORS else None
            if action in ("approve", "reject"):
                if s != "in_approval" or actor != STEP_APPROVERS[self.step]:
                    return None
                if action == "reject":
                    return "draft"
                return "active" if self.step == len(STEP_APPROVERS) - 1 else "in_approval"
            if action == "recall":
                return "draft" if s == "in_approval" and actor == self.submitter else None
            if action == "complete":
                return "completed" if s == "active" and actor in CLOSERS else None
            if action == "void":
                return "void" if s in ("draft", "active") and actor in CLOSERS else None
            if action == "update":
                return s if s in ("draft", "active") and actor in EDITORS else None
            raise AssertionError(action)

        def call(self, action: str, user) -> None:
            c = self.contract
            if action == "submit":
                services.contract_submit(actor=user, contract=c)
            elif action == "approve":
                services.contract_approve(actor=user, contract=c)
            elif action == "reject":
                services.contract_reject(actor=user, contract=c, reason="不行")
            elif action == "recall":
                services.contract_recall(actor=user, contract=c)
            elif action == "complete":
                services.contract_complete(actor=user, contract=c)
            elif action == "void":
                services.contract_void(actor=user, contract=c, reason="作废")
            elif action == "update":
                services.contract_update(actor=user, contract=c, notes=f"note by {user.username}")

        @rule(action=st.sampled_from(ACTIONS), actor=st.sampled_from(ACTORS))
        def act(self, action, actor):
            expected = self.expected(action, actor)
            before = Contract.objects.values().get(pk=self.contract.pk)
            events_before = ContractEvent.objects.filter(contract=self.contract).count()
            try:
                self.call(action, people[actor])
            except (ValidationError, PermissionDenied, Contract.DoesNotExist):
                accepted = False
            else:
                accepted = True
            assert accepted == (expected is not None), (action, actor, self.status, self.step)
            if not accepted:
                assert Contract.objects.values().get(pk=self.contract.pk) == before
                assert ContractEvent.objects.filter(contract=self.contract).count() == events_before
                return
            if action == "submit":
                self.submitter, self.step = actor, 0
            elif action == "approve" and expected == "in_approval":
                self.step += 1
            self.status = expected

        @invariant()
        def history_matches_state(self):
            contract = Contract.objects.get(pk=self.contract.pk)
            assert contract.status == self.status
            events = list(
                ContractEvent.objects.filter(contract=contract)
                .order_by("at", "id")
                .values_list("from_status", "to_status")
            )
            assert events[0] == ("draft", "draft")
            for (_, previous_to), (current_from, _) in itertools.pairwise(events):
                assert current_from == previous_to
            assert events[-1][1] == self.status
            pending = list(
                ContractApproval.objects.filter(contract=contract, status=ApprovalStatus.PENDING)
            )
            assert len(pending) == (1 if self.status == "in_approval" else 0)
            if pending:
                assert pending[0].current_step == self.step
                assert pending[0].submitted_by.username == people[self.submitter].username

    run_state_machine_as_test(
        ContractMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
