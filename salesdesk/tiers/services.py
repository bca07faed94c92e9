"""Writes of sales tiers (ORG-4); one transaction each.

Rules:
- Tier definitions are company-wide configuration (like KPI schemes): the configure permission,
  optimistic locking, deletion to the recycle bin (refused while people are in the tier).
  Criteria are `[{"metric": key, "window_months": n, "min": x}]` over the metric layer's keys.
- Assigning a tier needs the "evaluate" permission and the person in the actor's scope (out of
  scope: User.DoesNotExist, i.e. 404); nobody assigns their own tier. The current membership is
  closed the day the new one starts, so at every day a person has at most one tier; a new stretch
  cannot start before the current one did (starting the same day corrects the current one).
- The periodic review (a month): every active sales person's qualifying tier is the highest-rank
  active tier whose criteria are all met by the trailing figures up to the month's last day (the
  entry tier when none is); a proposal exists when it differs from the person's tier on the day
  after the month. Recomputing a month refreshes its pending proposals, keeps decided ones and
  never duplicates. Confirming assigns the proposed tier from that day; rejecting records who and
  when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.records import (
    create_record,
    parse_decimal,
    reject_unknown,
    require_active,
    update_record,
)
from salesdesk.core.recycle import record_restore, record_soft_delete, recycle_bin
from salesdesk.metrics.definitions import METRICS
from salesdesk.metrics.selectors import metric_values
from salesdesk.org.models import DataScope, User
from salesdesk.org.permissions import can_configure, can_evaluate
from salesdesk.org.scoping import visible_to
from salesdesk.tiers.models import (
    ProposalDirection,
    ProposalStatus,
    Tier,
    TierMembership,
    TierProposal,
    TierReview,
)
from salesdesk.tiers.selectors import active_tiers, tiers_on

TIER_FIELDS = (
    "code",
    "name",
    "name_en",
    "rank",
    "criteria",
    "customer_quota",
    "target_multiplier",
    "commission_rate",
    "is_active",
)
MAX_WINDOW_MONTHS = 24


def _can_delete(tier: Tier) -> None:
    if TierMembership.objects.filter(tier=tier, valid_to__isnull=True).exists():
        raise ValidationError(
            _("People are in this tier; assign them another tier before deleting it.")
        )


recycle_bin.register(Tier, can_delete=_can_delete)


# ---- access ----------------------------------------------------------------------------------


def require_configure(actor: User) -> None:
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to change sales tiers."))


def require_evaluator(actor: User) -> None:
    require_active(actor)
    if not can_evaluate(actor):
        raise PermissionDenied(_("You do not have permission to assign sales tiers."))


# ---- tier definitions ------------------------------------------------------------------------


def clean_criteria(items: Any) -> list[dict[str, Any]]:
    """The criteria list, validated and normalised (exact decimal strings)."""
    if items in (None, ""):
        return []
    if not isinstance(items, list):
        raise ValidationError({"criteria": [_("Enter a list of criteria.")]})
    out, seen = [], set()
    for item in items:
        if not isinstance(item, dict) or item.get("metric") not in METRICS:
            raise ValidationError({"criteria": [_("Select a known metric.")]})
        raw = item.get("window_months")
        digits = (
            str(raw).strip() if isinstance(raw, (int, str)) and not isinstance(raw, bool) else ""
        )
        window = int(digits) if digits.isdigit() else 0
        if window < 1 or window > MAX_WINDOW_MONTHS:
            raise ValidationError(
                {
                    "criteria": [
                        _("A window is between 1 and %(max)d months.") % {"max": MAX_WINDOW_MONTHS}
                    ]
                }
            )
        key = (item["metric"], window)
        if key in seen:
            raise ValidationError({"criteria": [_("Each metric and window can be used once.")]})
        seen.add(key)
        if item.get("min") in (None, ""):
            raise ValidationError({"criteria": [_("Enter a minimum for every criterion.")]})
        minimum = parse_decimal(item["min"], "criteria")
        if minimum < 0:
            raise ValidationError({"criteria": [_("A minimum cannot be negative.")]})
        out.append({"metric": item["metric"], "window_months": window, "min": str(minimum)})
    return out


def _tier_clean(tier: Tier) -> None:
    tier.code = (tier.code or "").strip().lower()
    tier.name = (tier.name or "").strip()
    tier.name_en = (tier.name_en or "").strip()
    if not tier.code or len(tier.code) > 40 or not tier.code.replace("-", "").replace("_", ""):
        raise ValidationError({"code": [_("Enter a code of letters, digits, - or _.")]})
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in tier.code):
        raise ValidationError({"code": [_("Enter a code of letters, digits, - or _.")]})
    live = Tier.objects.filter(code=tier.code, deleted_at__isnull=True).exclude(pk=tier.pk)
    if live.exists():
        raise ValidationError({"code": [_("Another tier has this code.")]})
    if not tier.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(tier.name) > 80 or len(tier.name_en) > 80:
        raise ValidationError({"name": [_("Ensure this value has at most 80 characters.")]})
    try:
        rank = int(tier.rank)
    except (TypeError, ValueError):
        rank = 0
    if rank < 1 or rank > 100:
        raise ValidationError({"rank": [_("The rank is between 1 and 100.")]})
    tier.rank = rank
    try:
        quota = int(tier.customer_quota or 0)
    except (TypeError, ValueError):
        quota = -1
    if quota < 0 or quota > 1_000_000:
        raise ValidationError({"customer_quota": [_("Enter a quota of zero or more.")]})
    tier.customer_quota = quota
    multiplier = parse_decimal(tier.target_multiplier, "target_multiplier")
    if multiplier <= 0 or multiplier > 100 or multiplier != multiplier.quantize(Decimal("0.001")):
        raise ValidationError(
            {"target_multiplier": [_("The multiplier is above 0 and at most 100.")]}
        )
    tier.target_multiplier = multiplier
    rate = parse_decimal(tier.commission_rate, "commission_rate")
    if rate < 0 or rate > 100 or rate != rate.quantize(Decimal("0.001")):
        raise ValidationError({"commission_rate": [_("The rate is a percentage from 0 to 100.")]})
    tier.commission_rate = rate
    tier.criteria = clean_criteria(tier.criteria)
    tier.is_active = bool(tier.is_active)


def tier_create(*, actor: User, request=None, **fields: Any) -> Tier:
    require_configure(actor)
    reject_unknown(fields, TIER_FIELDS, "tier")
    return create_record(Tier, actor=actor, fields=fields, clean=_tier_clean)


def tier_update(
    *, actor: User, tier: Tier, expected_version: int | None = None, request=None, **changes
) -> Tier:
    require_configure(actor)
    reject_unknown(changes, TIER_FIELDS, "tier")
    return update_record(
        Tier,
        actor=actor,
        pk=tier.pk,
        changes=changes,
        clean=_tier_clean,
        save_fields=TIER_FIELDS,
        expected_version=expected_version,
    )


def tier_delete(*, actor: User, tier: Tier, request=None) -> Tier:
    require_configure(actor)
    return record_soft_delete(model=Tier, pk=tier.pk, actor=actor, request=request)


def tier_restore(*, actor: User, tier: Tier, request=None) -> Tier:
    require_configure(actor)
    return record_restore(model=Tier, pk=tier.pk, actor=actor, request=request)


# ---- memberships -----------------------------------------------------------------------------


def _person_in_scope(actor: User, user_id: int) -> User:
    person = visible_to(User.objects.filter(pk=user_id), actor).first()
    if person is None:
        raise User.DoesNotExist
    if person.pk == actor.pk:
        raise PermissionDenied(_("Nobody assigns their own tier."))
    return person


def _assign(*, actor: User, person: User, tier: Tier, valid_from: date, note: str):
    if tier.deleted_at is not None or not tier.is_active:
        raise ValidationError({"tier": [_("Select an active tier.")]})
    if not isinstance(valid_from, date):
        raise ValidationError({"valid_from": [_("Enter a valid date.")]})
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": [_("Ensure this value has at most 300 characters.")]})
    # Serialise the assignments of one person.
    User.objects.select_for_update().filter(pk=person.pk).first()
    current = TierMembership.objects.filter(user=person, valid_to__isnull=True).first()
    if current is not None:
        if current.tier_id == tier.pk:
            raise ValidationError(
                {"tier": [_("%(name)s is already in this tier.") % {"name": person.name}]}
            )
        if valid_from < current.valid_from:
            raise ValidationError(
                {
                    "valid_from": [
                        _("The current tier runs from %(date)s; a new one cannot start earlier.")
                        % {"date": current.valid_from.isoformat()}
                    ]
                }
            )
        if valid_from == current.valid_from:
            # A correction of the stretch that starts that day.
            current.tier = tier
            current.note = note
            current.created_by = actor
            current.save(update_fields=["tier", "note", "created_by"])
            return current
        current.valid_to = valid_from
        current.save(update_fields=["valid_to"])
    elif TierMembership.objects.filter(user=person, valid_to__gt=valid_from).exists():
        raise ValidationError(
            {"valid_from": [_("This date falls inside an earlier tier of this person.")]}
        )
    return TierMembership.objects.create(
        user=person, tier=tier, valid_from=valid_from, note=note, created_by=actor
    )


@transaction.atomic
def tier_assign(
    *, actor: User, user: User, tier: Tier, valid_from: date, note: str = "", request=None
) -> TierMembership:
    """Put `user` in `tier` from `valid_from`, closing their current tier that day."""
    require_evaluator(actor)
    person = _person_in_scope(actor, user.pk)
    live = Tier.objects.filter(pk=tier.pk).first()
    if live is None:
        raise ValidationError({"tier": [_("Select an active tier.")]})
    return _assign(actor=actor, person=person, tier=live, valid_from=valid_from, note=note)


# ---- the periodic review ---------------------------------------------------------------------


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return first, after - timedelta(days=1)


def window_start(period_start: date, months: int) -> date:
    """The first day of the trailing window of `months` months ending with the review month."""
    index = period_start.year * 12 + period_start.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def review_people() -> list[int]:
    """Who is reviewed: the active sales people (reps and team leads, as in goal decomposition)."""
    return list(
        User.objects.filter(
            is_active=True,
            unit__isnull=False,
            role__data_scope__in=(DataScope.OWN, DataScope.OWN_SUBORDINATES),
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def trailing_figures(
    tiers: Iterable[Tier], people: list[int], period_start: date, period_end: date
) -> dict[tuple[str, int], dict[int, Decimal | None]]:
    """{(metric, window): {user: figure}}: one grouped read per distinct criterion."""
    out: dict[tuple[str, int], dict[int, Decimal | None]] = {}
    for tier in tiers:
        for c in tier.criteria:
            key = (c["metric"], int(c["window_months"]))
            if key in out:
                continue
            values = metric_values(
                c["metric"],
                start=window_start(period_start, key[1]),
                end=period_end,
                users=people,
                group_by="user",
            )
            empty = METRICS[c["metric"]].compute({})
            out[key] = {p: values.get(p, empty) for p in people}
    return out


def _lines(tier: Tier, person: int, figures) -> list[dict[str, Any]]:
    lines = []
    for c in tier.criteria:
        actual = figures[(c["metric"], int(c["window_months"]))][person]
        minimum = Decimal(c["min"])
        lines.append(
            {
                "tier": tier.code,
                "metric": c["metric"],
                "window_months": int(c["window_months"]),
                "actual": None if actual is None else str(actual),
                "min": c["min"],
                "met": actual is not None and actual >= minimum,
            }
        )
    return lines


def qualifying_tier(tiers: list[Tier], person: int, figures) -> Tier | None:
    """The highest-rank tier whose criteria are all met; the entry tier when none is."""
    for tier in sorted(tiers, key=lambda t: (t.rank, t.pk), reverse=True):
        if all(line["met"] for line in _lines(tier, person, figures)):
            return tier
    return min(tiers, key=lambda t: (t.rank, t.pk)) if tiers else None


@dataclass
class ReviewResult:
    review: TierReview
    created: int = 0
    refreshed: int = 0
    withdrawn: int = 0
    kept: int = 0


def _direction(current: Tier | None, proposed: Tier) -> str:
    if current is None:
        return ProposalDirection.FIRST
    if (proposed.rank, proposed.pk) > (current.rank, current.pk):
        return ProposalDirection.PROMOTE
    return ProposalDirection.DEMOTE


@transaction.atomic
def review_compute(*, day: date, actor: User | None = None, request=None) -> ReviewResult:
    """Compute the review of the month holding `day` (idempotent). `actor` None: the periodic
    task or the management command; else an evaluator (the review is company-wide, like a KPI
    scheme's peer group, so it does not depend on who presses the button)."""
    if actor is not None:
        require_evaluator(actor)
    start, end = month_bounds(day)
    effective = end + timedelta(days=1)
    review, _created = TierReview.objects.select_for_update().get_or_create(
        period_start=start,
        defaults={
            "period_end": end,
            "effective_from": effective,
            "computed_at": timezone.now(),
            "computed_by": actor,
        },
    )
    review.computed_at = timezone.now()
    review.computed_by = actor
    review.save(update_fields=["computed_at", "computed_by"])
    result = ReviewResult(review)
    tiers = list(active_tiers())
    people = review_people()
    existing = {p.user_id: p for p in TierProposal.objects.filter(review=review)}
    if not tiers:
        stale = [p.pk for p in existing.values() if p.status == ProposalStatus.PROPOSED]
        result.withdrawn = TierProposal.objects.filter(pk__in=stale).delete()[0]
        return result
    figures = trailing_figures(tiers, people, start, end)
    current = tiers_on(people, effective)
    new, changed, withdraw = [], [], []
    for person in people:
        target = qualifying_tier(tiers, person, figures)
        now_tier = current.get(person)
        proposal = existing.pop(person, None)
        if proposal is not None and proposal.status != ProposalStatus.PROPOSED:
            result.kept += 1
            continue
        if target is None or (now_tier is not None and now_tier.pk == target.pk):
            if proposal is not None:
                withdraw.append(proposal.pk)
            continue
        reasons = _lines(target, person, figures)
        if now_tier is not None and now_tier.pk != target.pk:
            reasons += _lines(now_tier, person, figures) if now_tier.criteria else []
        values = {
            "current_tier": now_tier,
            "proposed_tier": target,
            "direction": _direction(now_tier, target),
            "reasons": reasons,
        }
        if proposal is None:
            new.append(TierProposal(review=review, user_id=person, **values))
        else:
            for name, value in values.items():
                setattr(proposal, name, value)
            changed.append(proposal)
    # People no longer reviewed (left, moved to a non-sales role): their pending proposals go.
    for proposal in existing.values():
        if proposal.status == ProposalStatus.PROPOSED:
            withdraw.append(proposal.pk)
        else:
            result.kept += 1
    TierProposal.objects.bulk_create(new, batch_size=500)
    TierProposal.objects.bulk_update(
        changed, ["current_tier", "proposed_tier", "direction", "reasons"], batch_size=500
    )
    TierProposal.objects.filter(pk__in=withdraw).delete()
    result.created, result.refreshed, result.withdrawn = len(new), len(changed), len(withdraw)
    return result


def _decidable(actor: User, proposal_ids: list[int]) -> list[TierProposal]:
    require_evaluator(actor)
    rows = list(
        TierProposal.objects.select_for_update()
        .filter(pk__in=proposal_ids)
        .select_related("review", "proposed_tier", "user")
    )
    visible = set(
        visible_to(User.objects.filter(pk__in=[p.user_id for p in rows]), actor).values_list(
            "pk", flat=True
        )
    )
    if len(rows) != len(set(proposal_ids)) or any(p.user_id not in visible for p in rows):
        raise TierProposal.DoesNotExist
    for p in rows:
        if p.user_id == actor.pk:
            raise PermissionDenied(_("Nobody assigns their own tier."))
        if p.status != ProposalStatus.PROPOSED:
            raise ValidationError(
                {
                    "status": [
                        _("The proposal for %(name)s is already decided.") % {"name": p.user.name}
                    ]
                }
            )
    return rows


def _decide(actor: User, rows: list[TierProposal], status: str) -> int:
    now = timezone.now()
    for p in rows:
        if status == ProposalStatus.CONFIRMED:
            _assign(
                actor=actor,
                person=p.user,
                tier=p.proposed_tier,
                valid_from=p.review.effective_from,
                note=_("Tier review %(period)s") % {"period": p.review.period_label},
            )
        p.status, p.decided_by, p.decided_at = status, actor, now
    TierProposal.objects.bulk_update(rows, ["status", "decided_by", "decided_at"])
    return len(rows)


@transaction.atomic
def proposals_confirm(*, actor: User, proposal_ids: Iterable[int], request=None) -> int:
    """Confirm pending proposals of people in the actor's scope: all or nothing."""
    ids = sorted({int(i) for i in proposal_ids})
    if not ids:
        raise ValidationError({"proposals": [_("Select at least one proposal.")]})
    return _decide(actor, _decidable(actor, ids), ProposalStatus.CONFIRMED)


@transaction.atomic
def proposals_reject(*, actor: User, proposal_ids: Iterable[int], request=None) -> int:
    ids = sorted({int(i) for i in proposal_ids})
    if not ids:
        raise ValidationError({"proposals": [_("Select at least one proposal.")]})
    return _decide(actor, _decidable(actor, ids), ProposalStatus.REJECTED)


def proposal_confirm(*, actor: User, proposal: TierProposal, request=None) -> TierProposal:
    proposals_confirm(actor=actor, proposal_ids=[proposal.pk], request=request)
    return TierProposal.objects.get(pk=proposal.pk)


def proposal_reject(*, actor: User, proposal: TierProposal, request=None) -> TierProposal:
    proposals_reject(actor=actor, proposal_ids=[proposal.pk], request=request)
    return TierProposal.objects.get(pk=proposal.pk)
