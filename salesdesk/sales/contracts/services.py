"""Writes of contracts (SAL-2): create, edit (lines included), delete, and the status machine

    draft ──submit──▶ in_approval ──approve (last step)──▶ active ──complete──▶ completed
      ▲                   │ reject (reason) / recall (submitter)        │
      └───────────────────┘                                  draft/active ──void (reason)──▶ void

Rules:
- the actor must be active; a contract outside the actor's scope raises Contract.DoesNotExist
  (404), a visible one the actor may not change raises PermissionDenied (403);
- a contract in approval is locked: no edits and no line changes; completed and void ones are
  closed; lines change only in draft, header fields in draft or active;
- submitting picks the approval chain for the total (the active chain with the highest
  threshold not above it) and snapshots its steps; with no chain the contract becomes active at
  once. Each step is approved by a user of the step's role who can see the contract, or by the
  owner's manager (as they were at submission); approvers need the approve permission;
- complete and void need the approve permission and write access to the contract;
- every transition writes a ContractEvent (who, when, comment) in the same transaction, so the
  history always matches the status; approvers are notified after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from salesdesk.core.locking import StaleEditError, changes_since, check_version, save_versioned
from salesdesk.core.models import Notification
from salesdesk.core.records import require_active
from salesdesk.core.recycle import record_soft_delete, recycle_bin
from salesdesk.customers.models import Customer
from salesdesk.org.models import FunctionPermission, Role, User
from salesdesk.org.permissions import can_configure
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.sales.contracts.numbering import next_contract_number
from salesdesk.sales.models import (
    ApprovalChain,
    ApprovalStatus,
    ApprovalStep,
    ApproverKind,
    Channel,
    Contract,
    ContractApproval,
    ContractEvent,
    ContractEventKind,
    ContractLine,
    ContractStatus,
    Partner,
    Product,
)
from salesdesk.sales.selectors import price_for
from salesdesk.sales.services import money

CENT = Decimal("0.01")
HEADER_FIELDS = ("title", "signed_on", "start_on", "end_on", "channel", "partner", "notes")
MAX_LINES = 200


def _contract_deletable(contract: Contract) -> None:
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError(_("Only draft contracts can be deleted; void it instead."))


recycle_bin.register(Contract, can_delete=_contract_deletable)


# --- shared checks ----------------------------------------------------------------------------


def _editable(actor: User, pk: int) -> Contract:
    """The contract, locked for this transaction; DoesNotExist when out of scope,
    PermissionDenied when visible but read-only."""
    require_active(actor)
    contract = editable_by(Contract.objects.select_for_update(), actor).filter(pk=pk).first()
    if contract is None:
        if visible_to(Contract.objects.filter(pk=pk), actor).exists():
            raise PermissionDenied(_("You may view this contract but not change it."))
        raise Contract.DoesNotExist
    return contract


def _visible(actor: User, pk: int, *, lock: bool = True) -> Contract:
    require_active(actor)
    qs = Contract.objects.select_for_update() if lock else Contract.objects.all()
    contract = visible_to(qs, actor).filter(pk=pk).first()
    if contract is None:
        raise Contract.DoesNotExist
    return contract


def _decimal(value: Any, field: str, *, places: str = "0.01") -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)
    except Exception:
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    return number


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity × unit price × (1 − discount %), rounded half up to the cent."""
    gross = quantity * unit_price * (Decimal(100) - discount_percent) / Decimal(100)
    return gross.quantize(CENT, rounding=ROUND_HALF_UP)


def build_lines(
    lines: Iterable[dict], *, customer: Customer | None, channel: Channel | None, on: date
) -> list[ContractLine]:
    """[{"product", "quantity", "unit_price"?, "discount_percent"?, "description"?}] → unsaved
    lines with their amounts. A missing unit price comes from the price lists (price_for)."""
    rows = list(lines)
    if not rows:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": [_("A contract has at most 200 lines.")]})
    ids = [r["product"].pk if isinstance(r["product"], Product) else r["product"] for r in rows]
    try:
        ids = [int(pk) for pk in ids]
    except (TypeError, ValueError):
        raise ValidationError({"lines": [_("Select valid products.")]}) from None
    products = Product.objects.in_bulk(set(ids))
    if len(products) != len(set(ids)):
        raise ValidationError({"lines": [_("Select valid products.")]})
    out = []
    for position, (pk, row) in enumerate(zip(ids, rows, strict=True), start=1):
        product = products[pk]
        quantity = _decimal(row.get("quantity", 1), "lines")
        if quantity <= 0 or quantity >= Decimal("1e12"):
            raise ValidationError(
                {"lines": [_("Line %(n)d: enter a quantity above zero.") % {"n": position}]}
            )
        price = row.get("unit_price")
        if price in (None, ""):
            price = price_for(product, customer=customer, channel=channel, on=on)
        unit_price = money(price, "lines")
        discount = _decimal(row.get("discount_percent") or 0, "lines")
        if not Decimal(0) <= discount <= Decimal(100):
            raise ValidationError(
                {
                    "lines": [
                        _("Line %(n)d: the discount is between 0 and 100 %%.") % {"n": position}
                    ]
                }
            )
        amount = line_amount(quantity, unit_price, discount)
        if amount >= Decimal("1e14"):
            raise ValidationError(
                {"lines": [_("Line %(n)d: the amount is too large.") % {"n": position}]}
            )
        out.append(
            ContractLine(
                position=position,
                product=product,
                description=str(row.get("description") or "").strip()[:300],
                quantity=quantity,
                unit_price=unit_price,
                discount_percent=discount,
                amount=amount,
            )
        )
    total = sum((line.amount for line in out), Decimal(0))
    if total >= Decimal("1e14"):
        raise ValidationError({"lines": [_("The total is too large.")]})
    return out


def _header_clean(contract: Contract) -> None:
    contract.title = (contract.title or "").strip()
    contract.notes = (contract.notes or "").strip()
    if not contract.title:
        raise ValidationError({"title": [_("Enter a title.")]})
    if len(contract.title) > 200:
        raise ValidationError({"title": [_("At most 200 characters.")]})
    if contract.start_on and contract.end_on and contract.end_on < contract.start_on:
        raise ValidationError({"end_on": [_("The end date is before the start date.")]})
    if contract.partner_id:
        partner = Partner.objects.filter(pk=contract.partner_id).first()
        if partner is None:
            raise ValidationError({"partner": [_("Select a valid partner.")]})
        if contract.channel_id is None:
            contract.channel_id = partner.channel_id
        elif contract.channel_id != partner.channel_id:
            raise ValidationError({"partner": [_("This partner works in another channel.")]})
    if contract.channel_id and not Channel.objects.filter(pk=contract.channel_id).exists():
        raise ValidationError({"channel": [_("Select a valid channel.")]})


def _event(
    contract: Contract,
    *,
    kind: str,
    from_status: str,
    actor: User | None,
    approval: ContractApproval | None = None,
    step: int | None = None,
    comment: str = "",
    at=None,
) -> ContractEvent:
    return ContractEvent.objects.create(
        contract=contract,
        approval=approval,
        kind=kind,
        step=step,
        from_status=from_status,
        to_status=contract.status,
        actor=actor,
        at=at or timezone.now(),
        comment=comment,
    )


def _set_status(contract: Contract, status: str, actor: User, **extra: Any) -> None:
    """Status changes bypass the edit lock but bump the version (open edit forms go stale)."""
    contract.status = status
    for name, value in extra.items():
        setattr(contract, name, value)
    save_versioned(
        contract, expected_version=contract.version, fields=["status", *extra], actor=actor
    )


# --- create, edit, delete -------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    actor: User,
    customer: Customer,
    title: str,
    lines: Iterable[dict],
    owner: User | None = None,
    channel: Channel | None = None,
    partner: Partner | None = None,
    signed_on: date | None = None,
    start_on: date | None = None,
    end_on: date | None = None,
    notes: str = "",
    opportunity=None,
    request=None,
) -> Contract:
    """A draft contract with its lines and a new number. The actor must be able to change the
    customer; `owner` (default the actor) other than the actor needs the transfer permission.
    `opportunity`: the won opportunity of the same customer it comes from (see
    `contract_create_from_opportunity`)."""
    require_active(actor)
    if opportunity is not None:
        _check_opportunity(actor, opportunity, customer)
    if not editable_by(
        Customer.objects.filter(pk=customer.pk, owner__isnull=False), actor
    ).exists():
        raise ValidationError({"customer": [_("Select a customer you may change.")]})
    owner = owner or actor
    if owner.pk != actor.pk:
        if not actor.has_function(FunctionPermission.TRANSFER):
            raise PermissionDenied(_("You do not have permission to assign records to others."))
        if not visible_to(User.objects.filter(pk=owner.pk, is_active=True), actor).exists():
            raise ValidationError({"owner": [_("Select a valid user.")]})
    if owner.unit_id is None:
        raise ValidationError({"owner": [_("This user does not belong to an org unit.")]})
    contract = Contract(
        customer=customer,
        owner=owner,
        org_unit_id=owner.unit_id,
        title=title,
        channel=channel,
        partner=partner,
        signed_on=signed_on,
        start_on=start_on,
        end_on=end_on,
        notes=notes,
        opportunity=opportunity,
    )
    _header_clean(contract)
    built = build_lines(
        lines,
        customer=customer,
        channel=Channel.objects.filter(pk=contract.channel_id).first(),
        on=signed_on or timezone.localdate(),
    )
    contract.total_amount = sum((line.amount for line in built), Decimal(0))
    contract.number = next_contract_number()
    contract._history_user = actor
    contract.save()
    for line in built:
        line.contract = contract
    ContractLine.objects.bulk_create(built)
    _event(contract, kind=ContractEventKind.CREATED, from_status=ContractStatus.DRAFT, actor=actor)
    return contract


def _check_opportunity(actor: User, opportunity, customer: Customer) -> None:
    from salesdesk.pipeline.models import Opportunity, OpportunityStatus

    current = (
        visible_to(Opportunity.objects.select_for_update(), actor).filter(pk=opportunity.pk).first()
    )
    if current is None:
        raise ValidationError({"opportunity": [_("Select an opportunity you can see.")]})
    if current.status != OpportunityStatus.WON:
        raise ValidationError({"opportunity": [_("Only a won opportunity can become a contract.")]})
    if current.customer_id != customer.pk:
        raise ValidationError({"opportunity": [_("The opportunity belongs to another customer.")]})
    existing = (
        Contract.objects.filter(opportunity_id=current.pk)
        .exclude(status=ContractStatus.VOID)
        .values_list("number", flat=True)
        .first()
    )
    if existing:
        raise ValidationError(
            {
                "opportunity": [
                    _("This opportunity already has contract %(number)s.") % {"number": existing}
                ]
            }
        )


def opportunity_contract_defaults(opportunity) -> dict[str, Any]:
    """What a contract created from `opportunity` starts with: customer, title, channel,
    partner and one line per product of the opportunity."""
    return {
        "customer": opportunity.customer,
        "title": opportunity.title,
        "channel": opportunity.channel,
        "partner": opportunity.partner,
        "lines": [
            {"product": item.product_id, "quantity": item.quantity, "unit_price": item.unit_price}
            for item in opportunity.line_items.all()
        ],
    }


@transaction.atomic
def contract_create_from_opportunity(
    *, actor: User, opportunity, lines: Iterable[dict] | None = None, request=None, **header: Any
) -> Contract:
    """A draft contract for a won opportunity (SAL-2), owned by the actor, with the
    opportunity's customer, title, channel, partner and products unless given."""
    defaults = opportunity_contract_defaults(opportunity)
    return contract_create(
        actor=actor,
        customer=defaults["customer"],
        title=header.pop("title", None) or defaults["title"],
        lines=defaults["lines"] if lines is None else lines,
        channel=header.pop("channel", defaults["channel"]),
        partner=header.pop("partner", defaults["partner"]),
        opportunity=opportunity,
        request=request,
        **header,
    )


@transaction.atomic
def contract_update(
    *,
    actor: User,
    contract: Contract,
    expected_version: int | None = None,
    lines: Iterable[dict] | None = None,
    request=None,
    **changes: Any,
) -> Contract:
    """Change header fields and, for drafts, replace the lines (`lines` given)."""
    unknown = set(changes) - set(HEADER_FIELDS)
    if unknown:
        raise ValueError(f"unknown contract fields: {sorted(unknown)}")
    current = _editable(actor, contract.pk)
    check_version(current, expected_version)
    if current.status == ContractStatus.IN_APPROVAL:
        raise ValidationError(_("The contract is in approval: recall it to change it."))
    if current.status in (ContractStatus.COMPLETED, ContractStatus.VOID):
        raise ValidationError(_("The contract is closed and cannot be changed."))
    if lines is not None and current.status != ContractStatus.DRAFT:
        raise ValidationError(
            {"lines": [_("Lines can only be changed while the contract is a draft.")]}
        )
    for name, value in changes.items():
        setattr(current, name, value)
    _header_clean(current)
    fields = [f"{n}" for n in changes]
    built = None
    if lines is not None:
        built = build_lines(
            lines,
            customer=current.customer,
            channel=Channel.objects.filter(pk=current.channel_id).first(),
            on=current.signed_on or timezone.localdate(),
        )
        current.total_amount = sum((line.amount for line in built), Decimal(0))
        fields.append("total_amount")
    if "partner" in changes and "channel" not in changes:
        fields.append("channel")
    save_versioned(current, expected_version=current.version, fields=fields, actor=actor)
    if built is not None:
        current.lines.all().delete()
        for line in built:
            line.contract = current
        ContractLine.objects.bulk_create(built)
    return current


def contract_delete(*, actor: User, contract: Contract, request=None) -> Contract:
    return record_soft_delete(model=Contract, pk=contract.pk, actor=actor, request=request)


# --- approval chains (configuration) ----------------------------------------------------------


def _require_configure(actor: User) -> None:
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to change settings."))


def _steps(steps: Iterable[dict]) -> list[ApprovalStep]:
    out = []
    for position, row in enumerate(steps, start=1):
        kind = row.get("kind") or ApproverKind.ROLE
        if kind not in ApproverKind.values:
            raise ValidationError(
                {"steps": [_("Step %(n)d: choose who approves.") % {"n": position}]}
            )
        role = row.get("role")
        role_id = role.pk if isinstance(role, Role) else role
        if kind == ApproverKind.ROLE:
            if not role_id or not Role.objects.filter(pk=role_id).exists():
                raise ValidationError(
                    {"steps": [_("Step %(n)d: choose a role.") % {"n": position}]}
                )
        else:
            role_id = None
        out.append(ApprovalStep(position=position, kind=kind, role_id=role_id))
    if not out:
        raise ValidationError({"steps": [_("Add at least one step.")]})
    if len(out) > 10:
        raise ValidationError({"steps": [_("A chain has at most 10 steps.")]})
    return out


def _chain_clean(chain: ApprovalChain) -> None:
    chain.name = (chain.name or "").strip()
    if not chain.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    chain.min_amount = money(chain.min_amount, "min_amount")


@transaction.atomic
def approval_chain_create(
    *,
    actor: User,
    name: str,
    min_amount: Decimal,
    steps: Iterable[dict],
    is_active: bool = True,
    request=None,
) -> ApprovalChain:
    _require_configure(actor)
    chain = ApprovalChain(name=name, min_amount=min_amount, is_active=is_active)
    _chain_clean(chain)
    rows = _steps(steps)
    chain._history_user = actor
    chain.save()
    for row in rows:
        row.chain = chain
    ApprovalStep.objects.bulk_create(rows)
    return chain


@transaction.atomic
def approval_chain_update(
    *,
    actor: User,
    chain: ApprovalChain,
    expected_version: int | None = None,
    steps: Iterable[dict] | None = None,
    request=None,
    **changes: Any,
) -> ApprovalChain:
    """Change a chain; contracts already in approval keep the steps they were submitted with."""
    _require_configure(actor)
    unknown = set(changes) - {"name", "min_amount", "is_active"}
    if unknown:
        raise ValueError(f"unknown chain fields: {sorted(unknown)}")
    current = ApprovalChain.objects.select_for_update().get(pk=chain.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEditError(current, changes_since(current, expected_version))
    for name, value in changes.items():
        setattr(current, name, value)
    _chain_clean(current)
    rows = _steps(steps) if steps is not None else None
    save_versioned(current, expected_version=current.version, fields=list(changes), actor=actor)
    if rows is not None:
        current.steps.all().delete()
        for row in rows:
            row.chain = current
        ApprovalStep.objects.bulk_create(rows)
    return current


@transaction.atomic
def approval_chain_delete(*, actor: User, chain: ApprovalChain, request=None) -> None:
    """Remove a chain (pending approvals keep their snapshot of its steps)."""
    _require_configure(actor)
    ApprovalChain.objects.filter(pk=chain.pk).delete()


def chain_for(total: Decimal) -> ApprovalChain | None:
    return (
        ApprovalChain.objects.filter(is_active=True, min_amount__lte=total, steps__isnull=False)
        .distinct()
        .order_by("-min_amount", "-id")
        .first()
    )


# --- the status machine -----------------------------------------------------------------------


def _url(contract: Contract) -> str:
    try:
        return reverse("web:contract_detail", args=[contract.pk])
    except NoReverseMatch:
        return ""


def step_approvers(approval: ContractApproval) -> list[User]:
    """The active users who may act on the approval's current step."""
    if approval.status != ApprovalStatus.PENDING:
        return []
    if approval.current_approver_id:
        users = User.objects.filter(pk=approval.current_approver_id)
    elif approval.current_role_id:
        users = User.objects.filter(role_id=approval.current_role_id)
    else:
        return []
    out = []
    for user in users.filter(is_active=True).select_related("role")[:200]:
        if (
            user.has_function(FunctionPermission.APPROVE)
            and visible_to(Contract.objects.filter(pk=approval.contract_id), user).exists()
        ):
            out.append(user)
    return out


def may_decide(user: User, approval: ContractApproval | None) -> bool:
    """May `user` approve or reject the approval's current step? (Visibility of the contract is
    checked by the caller's scoped read.)"""
    if approval is None or approval.status != ApprovalStatus.PENDING:
        return False
    if not user.is_active or not user.has_function(FunctionPermission.APPROVE):
        return False
    if approval.current_approver_id:
        return approval.current_approver_id == user.pk
    return bool(approval.current_role_id and approval.current_role_id == user.role_id)


def _notify_later(users: list[User], *, title: str, contract: Contract, kind: str) -> None:
    if not users:
        return
    url = _url(contract)
    rows = [
        Notification(
            user=u,
            level=Notification.Level.TODO
            if kind == "contract_approval"
            else Notification.Level.INFO,
            kind=kind,
            title=title[:200],
            body=f"{contract.number} · {contract.title}"[:1000],
            url=url,
        )
        for u in users
    ]
    transaction.on_commit(lambda: Notification.objects.bulk_create(rows))


def _notify_approvers(approval: ContractApproval, contract: Contract) -> None:
    users = step_approvers(approval)
    with override(None):
        title = _("Contract to approve: %(number)s (%(amount)s)") % {
            "number": contract.number,
            "amount": f"¥{contract.total_amount:,.2f}",
        }
    _notify_later(users, title=title, contract=contract, kind="contract_approval")


def _pending(contract: Contract) -> ContractApproval | None:
    return (
        ContractApproval.objects.select_for_update()
        .filter(contract=contract, status=ApprovalStatus.PENDING)
        .order_by("-id")
        .first()
    )


def _set_current_step(approval: ContractApproval) -> None:
    step = approval.steps[approval.current_step]
    approval.current_role_id = step.get("role_id")
    approval.current_approver_id = step.get("approver_id")


@transaction.atomic
def contract_submit(
    *, actor: User, contract: Contract, comment: str = "", request=None
) -> Contract:
    """Submit a draft (again, after a rejection or recall) for approval."""
    current = _editable(actor, contract.pk)
    if current.status != ContractStatus.DRAFT:
        raise ValidationError(_("Only a draft contract can be submitted."))
    if not current.lines.exists():
        raise ValidationError({"lines": [_("Add at least one line.")]})
    resubmit = ContractApproval.objects.filter(contract=current).exists()
    now = timezone.now()
    chain = chain_for(current.total_amount)
    kind = ContractEventKind.RESUBMITTED if resubmit else ContractEventKind.SUBMITTED
    if chain is None:
        _set_status(current, ContractStatus.ACTIVE, actor, submitted_at=now, activated_at=now)
        _event(
            current,
            kind=kind,
            from_status=ContractStatus.DRAFT,
            actor=actor,
            comment=comment,
            at=now,
        )
        _event(
            current,
            kind=ContractEventKind.ACTIVATED,
            from_status=ContractStatus.ACTIVE,
            actor=actor,
            comment=_("No approval needed for this amount."),
            at=now,
        )
        return current
    snapshot = []
    for step in chain.steps.select_related("role").order_by("position"):
        if step.kind == ApproverKind.MANAGER:
            manager = current.owner.reports_to
            if manager is None or not manager.is_active:
                raise ValidationError(
                    _("Step %(n)d needs the owner's manager, and the owner has none.")
                    % {"n": step.position}
                )
            snapshot.append(
                {
                    "kind": step.kind,
                    "role_id": None,
                    "role_name": "",
                    "approver_id": manager.pk,
                    "approver_name": manager.name,
                }
            )
        else:
            snapshot.append(
                {
                    "kind": step.kind,
                    "role_id": step.role_id,
                    "role_name": step.role.display_name,
                    "approver_id": None,
                    "approver_name": "",
                }
            )
    approval = ContractApproval(
        contract=current,
        chain=chain,
        chain_name=chain.name,
        steps=snapshot,
        submitted_by=actor,
        submitted_at=now,
    )
    _set_current_step(approval)
    approval.save()
    _set_status(current, ContractStatus.IN_APPROVAL, actor, submitted_at=now)
    _event(
        current,
        kind=kind,
        from_status=ContractStatus.DRAFT,
        actor=actor,
        approval=approval,
        step=1,
        comment=comment,
        at=now,
    )
    _notify_approvers(approval, current)
    return current


def _decidable(actor: User, contract: Contract) -> tuple[Contract, ContractApproval]:
    current = _visible(actor, contract.pk)
    approval = _pending(current)
    if current.status != ContractStatus.IN_APPROVAL or approval is None:
        raise ValidationError(_("This contract is not waiting for approval."))
    if not may_decide(actor, approval):
        raise PermissionDenied(_("You are not the approver of this step."))
    return current, approval


@transaction.atomic
def contract_approve(
    *, actor: User, contract: Contract, comment: str = "", request=None
) -> Contract:
    """Approve the current step; the last approval makes the contract active."""
    current, approval = _decidable(actor, contract)
    now = timezone.now()
    step = approval.current_step + 1
    if step < len(approval.steps):
        approval.current_step = step
        _set_current_step(approval)
        approval.save(update_fields=["current_step", "current_role", "current_approver"])
        _event(
            current,
            kind=ContractEventKind.APPROVED,
            from_status=ContractStatus.IN_APPROVAL,
            actor=actor,
            approval=approval,
            step=step,
            comment=comment,
            at=now,
        )
        _notify_approvers(approval, current)
        return current
    approval.status = ApprovalStatus.APPROVED
    approval.decided_at = now
    approval.current_role = None
    approval.current_approver = None
    approval.save(update_fields=["status", "decided_at", "current_role", "current_approver"])
    _set_status(current, ContractStatus.ACTIVE, actor, activated_at=now)
    _event(
        current,
        kind=ContractEventKind.APPROVED,
        from_status=ContractStatus.IN_APPROVAL,
        actor=actor,
        approval=approval,
        step=step,
        comment=comment,
        at=now,
    )
    with override(None):
        title = _("Contract approved: %(number)s") % {"number": current.number}
    _notify_later([approval.submitted_by], title=title, contract=current, kind="contract_approved")
    return current


@transaction.atomic
def contract_reject(*, actor: User, contract: Contract, reason: str, request=None) -> Contract:
    """Reject the current step (a reason is required); the contract goes back to draft."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for the rejection.")]})
    current, approval = _decidable(actor, contract)
    now = timezone.now()
    step = approval.current_step + 1
    approval.status = ApprovalStatus.REJECTED
    approval.decided_at = now
    approval.current_role = None
    approval.current_approver = None
    approval.save(update_fields=["status", "decided_at", "current_role", "current_approver"])
    _set_status(current, ContractStatus.DRAFT, actor)
    _event(
        current,
        kind=ContractEventKind.REJECTED,
        from_status=ContractStatus.IN_APPROVAL,
        actor=actor,
        approval=approval,
        step=step,
        comment=reason,
        at=now,
    )
    with override(None):
        title = _("Contract rejected: %(number)s") % {"number": current.number}
    _notify_later([approval.submitted_by], title=title, contract=current, kind="contract_rejected")
    return current


@transaction.atomic
def contract_recall(
    *, actor: User, contract: Contract, comment: str = "", request=None
) -> Contract:
    """The submitter takes a pending contract back to draft."""
    current = _visible(actor, contract.pk)
    approval = _pending(current)
    if current.status != ContractStatus.IN_APPROVAL or approval is None:
        raise ValidationError(_("This contract is not waiting for approval."))
    if approval.submitted_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who submitted the contract can recall it."))
    now = timezone.now()
    approval.status = ApprovalStatus.RECALLED
    approval.decided_at = now
    approval.current_role = None
    approval.current_approver = None
    approval.save(update_fields=["status", "decided_at", "current_role", "current_approver"])
    _set_status(current, ContractStatus.DRAFT, actor)
    _event(
        current,
        kind=ContractEventKind.RECALLED,
        from_status=ContractStatus.IN_APPROVAL,
        actor=actor,
        approval=approval,
        step=approval.current_step + 1,
        comment=comment,
        at=now,
    )
    return current


def _require_closer(actor: User) -> None:
    if not actor.has_function(FunctionPermission.APPROVE):
        raise PermissionDenied(_("You do not have permission to complete or void contracts."))


@transaction.atomic
def contract_complete(
    *, actor: User, contract: Contract, comment: str = "", request=None
) -> Contract:
    require_active(actor)
    _require_closer(actor)
    current = _editable(actor, contract.pk)
    if current.status != ContractStatus.ACTIVE:
        raise ValidationError(_("Only an active contract can be completed."))
    now = timezone.now()
    _set_status(current, ContractStatus.COMPLETED, actor, closed_at=now)
    _event(
        current,
        kind=ContractEventKind.COMPLETED,
        from_status=ContractStatus.ACTIVE,
        actor=actor,
        comment=comment,
        at=now,
    )
    return current


@transaction.atomic
def contract_void(*, actor: User, contract: Contract, reason: str, request=None) -> Contract:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for voiding the contract.")]})
    require_active(actor)
    _require_closer(actor)
    current = _editable(actor, contract.pk)
    if current.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise ValidationError(_("Only a draft or active contract can be voided."))
    before = current.status
    now = timezone.now()
    _set_status(current, ContractStatus.VOID, actor, closed_at=now)
    _event(
        current,
        kind=ContractEventKind.VOIDED,
        from_status=before,
        actor=actor,
        comment=reason,
        at=now,
    )
    return current
