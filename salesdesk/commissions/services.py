"""Writes of commission plans and statements (PRF-4, D50); one transaction each.

Rules:
- Everything here needs the "manage commissions" permission (ORG-3: finance, directors,
  administrators); statements only for the people in the actor's scope (ORG-2).
- Plans are configuration: validated (bands ascending, rates 0–100, multipliers 0–10, cap > 0),
  optimistic-locked, deleted to the recycle bin.
- Computing reads everything in bulk (a fixed number of queries whatever the number of reps) and
  writes the statements of the reps of the plan's role (and tier) in the actor's scope: new ones
  are created, drafts recomputed in place (their lines replaced). A locked period is refused
  (`PeriodLockedError`, 409) and changes nothing.
- Locking a period locks every statement of it, company-wide (needs the "all records" scope);
  unlocking is for administrators only, with a reason, and leaves an audit event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.commissions import calc
from salesdesk.commissions.models import (
    ATTAINMENT_METRIC,
    Base,
    CommissionLine,
    CommissionPeriodLock,
    CommissionPlan,
    CommissionStatement,
    PeriodKind,
    SourceKind,
    StatementStatus,
)
from salesdesk.core.audit import audit_record
from salesdesk.core.models import AuditEvent
from salesdesk.core.records import (
    create_record,
    parse_decimal,
    reject_unknown,
    require_active,
    role_as_id,
    update_record,
)
from salesdesk.core.recycle import record_restore, record_soft_delete, recycle_bin
from salesdesk.metrics.selectors import metric_values
from salesdesk.metrics.sources import COUNTED, local_day
from salesdesk.org.models import DataScope, Role, User
from salesdesk.org.permissions import can_manage_commissions
from salesdesk.org.scoping import visible_to
from salesdesk.performance import periods
from salesdesk.sales.models import Contract, ContractLine, Payment, ProductLine, SalesReturn
from salesdesk.targets.models import Goal, GoalPart, GoalStatus, Granularity, OwnerKind
from salesdesk.tiers.selectors import tiers_on

recycle_bin.register(CommissionPlan)

PLAN_FIELDS = (
    "name",
    "role",
    "tier_id",
    "period_kind",
    "base",
    "base_rate",
    "bands",
    "line_multipliers",
    "add_tier_rate",
    "cap",
    "is_active",
)
UNLOCK_AUDIT_KIND = AuditEvent.Kind.COMMISSION_UNLOCKED
LOCK_AUDIT_KIND = AuditEvent.Kind.COMMISSION_LOCKED


class PeriodLockedError(Exception):
    """The period's statements are locked: nothing is computed or changed (API: 409)."""

    def __init__(self, start: date) -> None:
        self.start = start
        super().__init__(period_locked_message(start))


def period_locked_message(start: date) -> str:
    return _(
        "The commission period starting %(start)s is locked; its statements cannot be "
        "computed or changed."
    ) % {"start": start.isoformat()}


# ---- access ----------------------------------------------------------------------------------


def require_manager(actor: User) -> None:
    require_active(actor)
    if not can_manage_commissions(actor):
        raise PermissionDenied(_("You do not have permission to manage commissions."))


# ---- plans -----------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros or an exponent ("80", "1.5")."""
    return format(value.normalize(), "f")


def _rate(raw: Any, field: str) -> Decimal:
    value = parse_decimal(raw, field)
    if value < 0 or value > 100 or value != value.quantize(Decimal("0.001")):
        raise ValidationError(
            {field: [_("A rate is a percentage from 0 to 100 with at most three decimals.")]}
        )
    return value


def _clean_bands(items: Any) -> list[dict[str, str]]:
    if items in (None, ""):
        return []
    if not isinstance(items, list):
        raise ValidationError({"bands": [_("Enter the bands as a list of “from” and “rate”.")]})
    out, last = [], None
    for item in items:
        if not isinstance(item, dict) or "from" not in item or "rate" not in item:
            raise ValidationError({"bands": [_("Enter the bands as a list of “from” and “rate”.")]})
        start = parse_decimal(item["from"], "bands")
        if start < 0 or start > 10000:
            raise ValidationError({"bands": [_("A band starts at an attainment from 0 %.")]})
        if last is not None and start <= last:
            raise ValidationError(
                {"bands": [_("Bands must start at strictly increasing attainments.")]}
            )
        last = start
        rate = _rate(item["rate"], "bands")
        out.append({"from": _plain(start), "rate": _plain(rate)})
    return out


def _clean_multipliers(items: Any) -> dict[str, str]:
    if items in (None, ""):
        return {}
    if not isinstance(items, dict):
        raise ValidationError({"line_multipliers": [_("Enter a multiplier per product line.")]})
    ids = {}
    for key, raw in items.items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            raise ValidationError(
                {"line_multipliers": [_("Select a known product line.")]}
            ) from None
        value = parse_decimal(raw, "line_multipliers")
        if value < 0 or value > 10 or value != value.quantize(Decimal("0.001")):
            raise ValidationError({"line_multipliers": [_("A multiplier is between 0 and 10.")]})
        ids[pk] = value
    known = set(ProductLine.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
    if set(ids) - known:
        raise ValidationError({"line_multipliers": [_("Select a known product line.")]})
    return {str(pk): _plain(value) for pk, value in sorted(ids.items())}


def _plan_clean(plan: CommissionPlan) -> None:
    plan.name = (plan.name or "").strip()
    if not plan.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(plan.name) > 120:
        raise ValidationError({"name": [_("Ensure this value has at most 120 characters.")]})
    if not plan.role_id or not Role.objects.filter(pk=plan.role_id).exists():
        raise ValidationError({"role": [_("Select a role.")]})
    if plan.tier_id is not None:
        from salesdesk.tiers.selectors import active_tiers

        if not active_tiers().filter(pk=plan.tier_id).exists():
            raise ValidationError({"tier_id": [_("Select an active tier.")]})
    if plan.period_kind not in PeriodKind.values:
        raise ValidationError({"period_kind": [_("Select a valid period.")]})
    if plan.base not in Base.values:
        raise ValidationError({"base": [_("Select a valid commission base.")]})
    plan.base_rate = _rate(plan.base_rate, "base_rate")
    plan.bands = _clean_bands(plan.bands)
    plan.line_multipliers = _clean_multipliers(plan.line_multipliers)
    if plan.cap in ("",):
        plan.cap = None
    if plan.cap is not None:
        cap = parse_decimal(plan.cap, "cap")
        if cap <= 0 or cap != cap.quantize(calc.CENT):
            raise ValidationError({"cap": [_("The cap is an amount above 0, to the cent.")]})
        plan.cap = cap


def commission_plan_create(*, actor: User, request=None, **fields: Any) -> CommissionPlan:
    require_manager(actor)
    reject_unknown(fields, PLAN_FIELDS, "commission plan")
    return create_record(
        CommissionPlan, actor=actor, fields=fields, clean=_plan_clean, prepare=role_as_id
    )


def commission_plan_update(
    *,
    actor: User,
    plan: CommissionPlan,
    expected_version: int | None = None,
    request=None,
    **changes: Any,
) -> CommissionPlan:
    require_manager(actor)
    reject_unknown(changes, PLAN_FIELDS, "commission plan")
    return update_record(
        CommissionPlan,
        actor=actor,
        pk=plan.pk,
        changes=changes,
        clean=_plan_clean,
        save_fields=sorted({*PLAN_FIELDS} - {"role"} | {"role_id"}),
        expected_version=expected_version,
        prepare=role_as_id,
    )


def commission_plan_delete(*, actor: User, plan: CommissionPlan, request=None) -> CommissionPlan:
    require_manager(actor)  # the right to manage plans includes deleting one (to the bin)
    return record_soft_delete(
        model=CommissionPlan, pk=plan.pk, actor=actor, request=request, permitted=True
    )


def commission_plan_restore(*, actor: User, plan: CommissionPlan, request=None) -> CommissionPlan:
    require_manager(actor)
    return record_restore(model=CommissionPlan, pk=plan.pk, actor=actor, request=request)


# ---- computing -------------------------------------------------------------------------------


@dataclass
class ComputeResult:
    start: date
    end: date
    created: int = 0
    recomputed: int = 0


def period_locked(kind: str, start: date) -> bool:
    return CommissionPeriodLock.objects.filter(period_kind=kind, period_start=start).exists()


SPECIFIC = {OwnerKind.USER: 0, OwnerKind.UNIT: 1, OwnerKind.COMPANY: 2}


def _targets(metric: str, start: date, end: date, people: set[int]) -> dict[int, Decimal]:
    """The rep's target for [start, end] from one goal, the most specific that gives one (a
    personal goal, else a unit's, else the company's; the newest among equals), so two goals
    on the same metric never add up: the goal's month parts inside the period, or the whole
    target of an undecomposed personal goal lying inside it."""
    found: dict[int, dict[tuple[int, int], Decimal]] = defaultdict(dict)  # rep → (rank, -id) → sum
    live = Q(goal__deleted_at__isnull=True, goal__status=GoalStatus.ACTIVE, goal__metric=metric)
    parts = (
        GoalPart.objects.filter(
            live,
            granularity=Granularity.MONTH,
            owner_user__isnull=False,
            start__gte=start,
            end__lte=end,
        )
        .values("owner_user_id", "goal_id", "goal__owner_kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in parts:
        if row["owner_user_id"] in people:
            key = (SPECIFIC[row["goal__owner_kind"]], -row["goal_id"])
            found[row["owner_user_id"]][key] = row["total"]
    whole = Goal.objects.filter(
        deleted_at__isnull=True,
        metric=metric,
        status=GoalStatus.ACTIVE,
        owner_kind=OwnerKind.USER,
        split_method="",
        period_start__gte=start,
        period_end__lte=end,
    ).values_list("owner_id", "id", "target_value")
    for owner, goal, target in whole:
        if owner in people:
            found[owner][(SPECIFIC[OwnerKind.USER], -goal)] = target
    return {rep: sums[min(sums)] for rep, sums in found.items()}


def _contract_shares(contract_filter: Q) -> dict[int, list[tuple[int | None, int]]]:
    """{contract: [(product line, cents of its lines)]} ordered by product line."""
    rows = (
        ContractLine.objects.filter(contract_filter)
        .values("contract_id", "product__product_line_id")
        .annotate(total=Sum("amount"))
        .order_by("contract_id", "product__product_line_id")
    )
    out: dict[int, list[tuple[int | None, int]]] = defaultdict(list)
    for row in rows:
        out[row["contract_id"]].append(
            (row["product__product_line_id"], calc.cents(row["total"] or 0))
        )
    return out


def collect_sources(
    base: str, start: date, end: date, people: set[int]
) -> dict[int, list[calc.Source]]:
    """{rep: [Source]} for the period: a fixed number of queries whatever the number of reps."""
    out: dict[int, list[calc.Source]] = defaultdict(list)
    counted = Q(deleted_at__isnull=True, status__in=COUNTED)
    if base == Base.PAYMENTS:
        payments = Payment.objects.filter(
            received_on__gte=start,
            received_on__lte=end,
            contract__deleted_at__isnull=True,
            contract__status__in=COUNTED,
        )
        shares = _contract_shares(Q(contract_id__in=payments.values("contract_id")))
        rows = payments.values_list(
            "pk",
            "contract_id",
            "contract__owner_id",
            "contract__number",
            "contract__customer_id",
            "contract__customer__name",
            "received_on",
            "amount",
        ).order_by("received_on", "pk")
        for pk, contract, owner, number, customer, cname, day, amount in rows.iterator(2000):
            if owner not in people:
                continue
            lines = shares.get(contract) or [(None, 0)]
            parts = calc.split_cents(calc.cents(amount), [w for _pl, w in lines])
            for (line_id, _w), part in zip(lines, parts, strict=True):
                out[owner].append(
                    calc.Source(
                        SourceKind.PAYMENT,
                        contract,
                        day,
                        calc.money(part),
                        line_id,
                        payment_id=pk,
                        customer_id=customer,
                        contract_number=number,
                        customer_name=cname,
                    )
                )
    else:
        # Dated like the metric layer: signed_on, else the local day it became active.
        contracts = Contract.objects.filter(counted).filter(
            Q(signed_on__gte=start, signed_on__lte=end)
            | Q(
                signed_on__isnull=True,
                activated_at__date__gte=start - timedelta(days=1),
                activated_at__date__lte=end + timedelta(days=1),
            )
        )
        shares = _contract_shares(Q(contract_id__in=contracts.values("pk")))
        rows = contracts.values_list(
            "pk",
            "owner_id",
            "number",
            "customer_id",
            "customer__name",
            "signed_on",
            "activated_at",
            "created_at",
        ).order_by("pk")
        for pk, owner, number, customer, cname, signed, activated, created in rows.iterator(2000):
            if owner not in people:
                continue
            day = signed or local_day(activated or created)
            if not start <= day <= end:
                continue
            for line_id, units in shares.get(pk) or [(None, 0)]:
                out[owner].append(
                    calc.Source(
                        SourceKind.CONTRACT,
                        pk,
                        day,
                        calc.money(units),
                        line_id,
                        customer_id=customer,
                        contract_number=number,
                        customer_name=cname,
                    )
                )
    returns = SalesReturn.objects.filter(
        returned_on__gte=start,
        returned_on__lte=end,
        contract__deleted_at__isnull=True,
        contract__status__in=COUNTED,
    ).values_list(
        "pk",
        "contract_id",
        "contract__owner_id",
        "contract__number",
        "contract__customer_id",
        "contract__customer__name",
        "returned_on",
        "amount",
        "product__product_line_id",
    )
    for pk, contract, owner, number, customer, cname, day, amount, line_id in returns.order_by(
        "returned_on", "pk"
    ).iterator(2000):
        if owner not in people:
            continue
        out[owner].append(
            calc.Source(
                SourceKind.RETURN,
                contract,
                day,
                -Decimal(amount),
                line_id,
                return_id=pk,
                customer_id=customer,
                contract_number=number,
                customer_name=cname,
            )
        )
    return out


def _explain(line: calc.Line, capped: bool) -> str:
    src = line.source
    if src.kind == SourceKind.PAYMENT:
        text = _("Payment received on %(day)s, share of product line “%(line)s”")
    elif src.kind == SourceKind.RETURN:
        text = _("Return on %(day)s, deducted on product line “%(line)s”")
    else:
        text = _("Contract signed on %(day)s, lines of product line “%(line)s”")
    text = text % {"day": src.day.isoformat(), "line": src.product_line_name or "—"}
    text += " · " + _("%(base)s × %(rate)s %% × %(multiplier)s") % {
        "base": src.base,
        "rate": line.rate.normalize(),
        "multiplier": line.multiplier.normalize(),
    }
    if capped:
        text += " · " + _("scaled down to the plan's cap")
    return text[:300]


def _reps(plan: CommissionPlan, actor: User, end: date) -> tuple[dict[int, int], dict]:
    people = dict(
        visible_to(
            User.objects.filter(role_id=plan.role_id, is_active=True, unit__isnull=False), actor
        )
        .order_by()
        .values_list("pk", "unit_id")
    )
    tiers = tiers_on(list(people), end)
    if plan.tier_id is not None:
        people = {
            pk: unit
            for pk, unit in people.items()
            if getattr(tiers.get(pk), "pk", None) == plan.tier_id
        }
    return people, tiers


@transaction.atomic
def statements_compute(
    *, actor: User, plan: CommissionPlan, day: date, request=None
) -> ComputeResult:
    """Compute the statements of `plan` for the period holding `day` for the reps in the actor's
    scope: new ones created, drafts recomputed in place (their lines replaced)."""
    require_manager(actor)
    if plan.deleted_at is not None or not plan.is_active:
        raise ValidationError({"plan": [_("Select an active commission plan.")]})
    start, end = periods.bounds(plan.period_kind, day)
    if (
        CommissionPeriodLock.objects.select_for_update()
        .filter(period_kind=plan.period_kind, period_start=start)
        .exists()
    ):
        raise PeriodLockedError(start)
    people, tiers = _reps(plan, actor, end)
    metric = ATTAINMENT_METRIC[plan.base]
    targets = _targets(metric, start, end, set(people))
    actuals = metric_values(metric, start=start, end=end, group_by="user") if people else {}
    sources = collect_sources(plan.base, start, end, set(people))
    line_names = dict(ProductLine.all_objects.values_list("pk", "name"))
    existing = {
        s.owner_id: s
        for s in CommissionStatement.all_objects.select_for_update().filter(
            plan=plan, period_start=start
        )
    }
    if any(s.status == StatementStatus.LOCKED for s in existing.values() if s.owner_id in people):
        raise PeriodLockedError(start)
    now = timezone.now()
    result = ComputeResult(start, end)
    new, changed, lines_for = [], [], {}
    for rep in sorted(people):
        target = targets.get(rep)
        actual = Decimal(actuals.get(rep) or 0).quantize(calc.CENT)
        attainment = None
        if target:
            attainment = (actual / target * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        tier = tiers.get(rep)
        tier_rate = Decimal(tier.commission_rate) if tier is not None else Decimal(0)
        if not plan.add_tier_rate:
            tier_rate = Decimal(0)
        rep_sources = sources.get(rep, [])
        for src in rep_sources:
            src.product_line_name = line_names.get(src.product_line_id, "")
        res = calc.statement(
            rep_sources,
            bands=plan.bands,
            base_rate=plan.base_rate,
            attainment=attainment,
            tier_rate=tier_rate,
            multipliers=plan.line_multipliers,
            cap=plan.cap,
        )
        figures = {
            "period_kind": plan.period_kind,
            "period_end": end,
            "org_unit_id": people[rep],
            "target": target.quantize(calc.CENT) if target else None,
            "actual": actual,
            "attainment": attainment,
            "band_from": res.band_from,
            "rate": res.rate,
            "tier_id": tier.pk if tier is not None else None,
            "tier_name": tier.name if tier is not None else "",
            "tier_rate": tier_rate,
            "base_total": res.base_total,
            "uncapped_total": res.uncapped_total,
            "commission_total": res.total,
            "computed_at": now,
            "status": StatementStatus.DRAFT,
            "deleted_at": None,
        }
        card = existing.get(rep)
        if card is None:
            card = CommissionStatement(plan=plan, owner_id=rep, period_start=start, **figures)
            new.append(card)
        else:
            for name, value in figures.items():
                setattr(card, name, value)
            card.version += 1
            changed.append(card)
        lines_for[rep] = (card, res)
    CommissionStatement.objects.bulk_create(new, batch_size=500)
    fields = [*figures_fields(), "version"]
    CommissionStatement.all_objects.bulk_update(changed, fields, batch_size=500)
    CommissionLine.objects.filter(statement__in=[c.pk for c in changed]).delete()
    rows = []
    for card, res in lines_for.values():
        for position, line in enumerate(res.lines, start=1):
            src = line.source
            rows.append(
                CommissionLine(
                    statement_id=card.pk,
                    position=position,
                    source_kind=src.kind,
                    contract_id=src.contract_id,
                    contract_number=src.contract_number,
                    payment_id=src.payment_id,
                    return_id=src.return_id,
                    customer_id=src.customer_id,
                    customer_name=src.customer_name[:200],
                    product_line_id=src.product_line_id,
                    product_line_name=src.product_line_name[:120],
                    day=src.day,
                    base_amount=src.base,
                    rate=line.rate,
                    multiplier=line.multiplier,
                    amount=line.amount,
                    explanation=_explain(line, res.capped),
                )
            )
    CommissionLine.objects.bulk_create(rows, batch_size=1000)
    result.created, result.recomputed = len(new), len(changed)
    return result


def figures_fields() -> list[str]:
    return [
        "period_kind",
        "period_end",
        "org_unit_id",
        "target",
        "actual",
        "attainment",
        "band_from",
        "rate",
        "tier_id",
        "tier_name",
        "tier_rate",
        "base_total",
        "uncapped_total",
        "commission_total",
        "computed_at",
        "status",
        "deleted_at",
    ]


# ---- locking ---------------------------------------------------------------------------------


@transaction.atomic
def period_lock(*, actor: User, period_kind: str, day: date, request=None) -> CommissionPeriodLock:
    """Lock every statement of the period holding `day` (company-wide)."""
    require_manager(actor)
    if actor.data_scope != DataScope.ALL:
        raise PermissionDenied(
            _("Only someone who sees every record (finance, administrators) locks a period.")
        )
    if period_kind not in PeriodKind.values:
        raise ValidationError({"period_kind": [_("Select a valid period.")]})
    start, end = periods.bounds(period_kind, day)
    if CommissionPeriodLock.objects.filter(period_kind=period_kind, period_start=start).exists():
        raise PeriodLockedError(start)
    now = timezone.now()
    lock = CommissionPeriodLock.objects.create(
        period_kind=period_kind, period_start=start, period_end=end, locked_by=actor, locked_at=now
    )
    CommissionStatement.objects.filter(period_kind=period_kind, period_start=start).update(
        status=StatementStatus.LOCKED, locked_at=now, version=F("version") + 1
    )
    audit_record(
        kind=LOCK_AUDIT_KIND,
        actor=actor,
        request=request,
        target=lock,
        data={"period_kind": period_kind, "period_start": start.isoformat()},
    )
    return lock


@transaction.atomic
def period_unlock(*, actor: User, period_kind: str, day: date, reason: str, request=None) -> int:
    """Administrators only, with a reason: the period's statements become drafts again."""
    require_manager(actor)
    if not (actor.role_id and actor.role.code == Role.Code.ADMIN):
        raise PermissionDenied(_("Only an administrator can unlock a commission period."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for unlocking the period.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("Ensure this value has at most 500 characters.")]})
    start, _end = periods.bounds(period_kind, day)
    lock = CommissionPeriodLock.objects.filter(period_kind=period_kind, period_start=start).first()
    if lock is None:
        raise ValidationError({"period": [_("This period is not locked.")]})
    count = CommissionStatement.objects.filter(period_kind=period_kind, period_start=start).update(
        status=StatementStatus.DRAFT, locked_at=None, version=F("version") + 1
    )
    audit_record(
        kind=UNLOCK_AUDIT_KIND,
        actor=actor,
        request=request,
        target=lock,
        data={"period_kind": period_kind, "period_start": start.isoformat(), "reason": reason},
    )
    lock.delete()
    return count
