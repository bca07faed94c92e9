"""Writes of KPI schemes (PRF-1) and scorecards (PRF-2); one transaction each (D48).

Rules:
- KPI schemes are configuration: changing them needs the configure permission; edits are
  optimistic-locked; deletion moves a scheme to the recycle bin (delete permission too). Weights
  sum to 100, every metric once, a target per "target" metric, grade bands S > A > B > C ≥ 0.
- Scorecards need the "evaluate" permission (ORG-3) and the person or unit in the actor's scope
  (ORG-2); out of scope raises Scorecard.DoesNotExist (404), visible but not changeable
  PermissionDenied (403). Nobody computes, publishes or comments their own scorecard.
- Computing reads the metric layer in bulk (one grouped read per metric for the people, one per
  metric for the teams) for the scheme's whole peer group (every active user of its role; with
  sales tiers, ORG-4: of its tier, or not in a tier that has its own scheme), so
  peer normalisation and ranks do not depend on who computes; it writes the scorecards of the
  actor's scope: new ones and drafts (recomputed); published and locked ones are frozen.
- draft → published → locked; feedback is editable until locked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.core.locking import check_version, save_versioned
from salesdesk.core.records import (
    create_record,
    parse_decimal,
    reject_unknown,
    require_active,
    role_as_id,
    update_record,
)
from salesdesk.core.recycle import record_restore, record_soft_delete, recycle_bin
from salesdesk.metrics.definitions import METRICS, Direction, Kind
from salesdesk.metrics.selectors import metric_values
from salesdesk.org.models import OrgUnit, Role, User
from salesdesk.org.permissions import can_configure, can_evaluate
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.performance import periods, scoring
from salesdesk.performance.models import (
    KpiScheme,
    Normalisation,
    PeriodKind,
    Scorecard,
    ScorecardStatus,
    SubjectKind,
)

recycle_bin.register(KpiScheme)

SCHEME_FIELDS = ("name", "role", "tier_id", "period_kind", "metrics", "cap", "grade_bands")
SCHEME_FIELDS += ("is_active",)
MAX_CAP = Decimal(1000)


# ---- access ----------------------------------------------------------------------------------


def require_configure(actor: User) -> None:
    require_active(actor)
    if not can_configure(actor):
        raise PermissionDenied(_("You do not have permission to change KPI schemes."))


def require_evaluator(actor: User) -> None:
    require_active(actor)
    if not can_evaluate(actor):
        raise PermissionDenied(_("You do not have permission to evaluate performance."))


# ---- KPI schemes -----------------------------------------------------------------------------


def _clean_metrics(items: Any) -> list[dict[str, str]]:
    if not isinstance(items, list) or not items:
        raise ValidationError({"metrics": [_("Add at least one weighted metric.")]})
    out, seen, total = [], set(), Decimal(0)
    for item in items:
        if not isinstance(item, dict) or item.get("metric") not in METRICS:
            raise ValidationError({"metrics": [_("Select a known metric.")]})
        key = item["metric"]
        if key in seen:
            raise ValidationError({"metrics": [_("Each metric can be weighted once.")]})
        seen.add(key)
        weight = parse_decimal(item.get("weight"), "metrics")
        if weight <= 0 or weight > 100 or weight != weight.quantize(scoring.CENT):
            raise ValidationError(
                {"metrics": [_("A weight is a percentage above 0 and at most 100.")]}
            )
        total += weight
        norm = item.get("normalisation") or Normalisation.TARGET
        if norm not in Normalisation.values:
            raise ValidationError({"metrics": [_("Select a valid normalisation.")]})
        target = None
        if norm == Normalisation.TARGET:
            if item.get("target") in (None, ""):
                raise ValidationError(
                    {"metrics": [_("Enter a target for “%(metric)s”.") % {"metric": key}]}
                )
            target = parse_decimal(item["target"], "metrics")
            if target <= 0:
                raise ValidationError({"metrics": [_("A target must be above 0.")]})
        out.append(
            {
                "metric": key,
                "weight": str(scoring.q(weight)),
                "normalisation": norm,
                "target": None if target is None else str(target.normalize()),
            }
        )
    if total != 100:
        raise ValidationError(
            {
                "metrics": [
                    _("The weights add up to %(total)s %%; they must add up to 100 %%.")
                    % {"total": scoring.q(total)}
                ]
            }
        )
    return out


def _clean_bands(bands: Any, cap: Decimal) -> dict[str, str]:
    if not isinstance(bands, dict):
        raise ValidationError({"grade_bands": [_("Enter the lowest total of every grade.")]})
    values = []
    for grade in scoring.BAND_GRADES:
        if bands.get(grade) in (None, ""):
            raise ValidationError({"grade_bands": [_("Enter the lowest total of every grade.")]})
        values.append(parse_decimal(bands[grade], "grade_bands"))
    if values[-1] < 0 or any(a <= b for a, b in pairwise(values)):
        raise ValidationError(
            {"grade_bands": [_("Grade bands must fall from S to C (S > A > B > C ≥ 0).")]}
        )
    if values[0] > cap:
        raise ValidationError({"grade_bands": [_("Grade S cannot need more than the cap.")]})
    return {g: str(scoring.q(v)) for g, v in zip(scoring.BAND_GRADES, values, strict=True)}


def _scheme_clean(scheme: KpiScheme) -> None:
    scheme.name = (scheme.name or "").strip()
    if not scheme.name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(scheme.name) > 120:
        raise ValidationError({"name": [_("Ensure this value has at most 120 characters.")]})
    if not scheme.role_id or not Role.objects.filter(pk=scheme.role_id).exists():
        raise ValidationError({"role": [_("Select a role.")]})
    if scheme.tier_id is not None and not _live_tier(scheme.tier_id):
        raise ValidationError({"tier_id": [_("Select a sales tier.")]})
    if scheme.period_kind not in PeriodKind.values:
        raise ValidationError({"period_kind": [_("Select a valid period.")]})
    cap = parse_decimal(scheme.cap, "cap")
    if cap < 100 or cap > MAX_CAP:
        raise ValidationError({"cap": [_("The cap is between 100 and 1000.")]})
    scheme.cap = scoring.q(cap)
    scheme.metrics = _clean_metrics(scheme.metrics)
    scheme.grade_bands = _clean_bands(scheme.grade_bands, scheme.cap)


def _live_tier(tier_id) -> bool:
    from salesdesk.tiers.selectors import tier_detail

    try:
        return tier_detail(int(tier_id)) is not None
    except (TypeError, ValueError):
        return False


def kpi_scheme_create(*, actor: User, request=None, **fields: Any) -> KpiScheme:
    require_configure(actor)
    reject_unknown(fields, SCHEME_FIELDS, "KPI scheme")
    return create_record(
        KpiScheme, actor=actor, fields=fields, clean=_scheme_clean, prepare=role_as_id
    )


def kpi_scheme_update(
    *, actor: User, scheme: KpiScheme, expected_version: int | None = None, request=None, **changes
) -> KpiScheme:
    require_configure(actor)
    reject_unknown(changes, SCHEME_FIELDS, "KPI scheme")
    return update_record(
        KpiScheme,
        actor=actor,
        pk=scheme.pk,
        changes=changes,
        clean=_scheme_clean,
        save_fields=sorted({*SCHEME_FIELDS} - {"role"} | {"role_id"}),
        expected_version=expected_version,
        prepare=role_as_id,
    )


def kpi_scheme_delete(*, actor: User, scheme: KpiScheme, request=None) -> KpiScheme:
    require_configure(actor)
    return record_soft_delete(model=KpiScheme, pk=scheme.pk, actor=actor, request=request)


def kpi_scheme_restore(*, actor: User, scheme: KpiScheme, request=None) -> KpiScheme:
    require_configure(actor)
    return record_restore(model=KpiScheme, pk=scheme.pk, actor=actor, request=request)


# ---- scorecards: computing -------------------------------------------------------------------


@dataclass
class ComputeResult:
    start: date
    end: date
    created: int = 0
    recomputed: int = 0
    frozen: int = 0


def _figures(scheme: KpiScheme, start: date, end: date, people: list[int], units: list[int]):
    """{metric: ({user: figure}, {unit: figure})}: two grouped reads per metric."""
    out = {}
    for item in scheme.metrics:
        key = item["metric"]
        by_user = metric_values(key, start=start, end=end, group_by="user")
        by_unit = metric_values(key, start=start, end=end, units=units, group_by="unit")
        empty = METRICS[key].compute({})
        out[key] = (
            {pk: by_user.get(pk, empty) for pk in people},
            {pk: by_unit.get(pk, empty) for pk in units},
        )
    return out


def score_lines(
    scheme: KpiScheme, figures: dict[str, dict[int, Decimal | None]], sizes: dict[int, int]
):
    """{subject: (lines, total)} for one peer group: `figures` is {metric: {subject: actual}},
    `sizes` the number of people per subject (targets of additive metrics scale with it)."""
    cap = Decimal(scheme.cap)
    result: dict[int, tuple[list[dict], Decimal]] = {s: ([], Decimal(0)) for s in sizes}
    for item in scheme.metrics:
        key = item["metric"]
        definition = METRICS[key]
        lower = definition.direction == Direction.LOWER
        weight = Decimal(item["weight"])
        actuals = figures[key]
        present = [v for v in actuals.values() if v is not None]
        low, high = (min(present), max(present)) if present else (None, None)
        for subject, (lines, total) in result.items():
            actual = actuals.get(subject)
            target = None
            if item["normalisation"] == Normalisation.TARGET:
                target = Decimal(item["target"])
                if definition.kind == Kind.ADDITIVE:
                    target *= sizes[subject]
                score = scoring.target_score(actual, target, lower_is_better=lower, cap=cap)
            else:
                score = scoring.peer_score(actual, low, high, lower_is_better=lower, cap=cap)
            points = scoring.weighted(score, weight)
            lines.append(
                {
                    "metric": key,
                    "weight": str(weight),
                    "normalisation": item["normalisation"],
                    "actual": None if actual is None else str(actual),
                    "target": None if target is None else str(target),
                    "score": str(score),
                    "weighted": str(points),
                }
            )
            result[subject] = (lines, total + points)
    return result


def _ranked(scored: dict[int, tuple[list[dict], Decimal]]) -> dict[int, int]:
    subjects = list(scored)
    ranks = scoring.competition_ranks(subjects, lambda s: scored[s][1])
    return {s: ranks[i] for i, s in enumerate(subjects)}


def _tier_peers(scheme: KpiScheme, peers: dict[int, int], day: date) -> dict[int, int]:
    """The people a scheme scores (ORG-4): a tier's scheme the role's people in that tier on the
    period's last day; a scheme without a tier the others, i.e. those whose tier has no active
    scheme of its own for the same role and period kind."""
    from salesdesk.tiers.selectors import tiers_on

    tier_of_person = {pk: t.pk for pk, t in tiers_on(list(peers), day).items()}
    if scheme.tier_id is not None:
        return {pk: u for pk, u in peers.items() if tier_of_person.get(pk) == scheme.tier_id}
    own_schemes = set(
        KpiScheme.objects.filter(
            deleted_at__isnull=True,
            is_active=True,
            role_id=scheme.role_id,
            period_kind=scheme.period_kind,
            tier_id__isnull=False,
        ).values_list("tier_id", flat=True)
    )
    if not own_schemes:
        return peers
    return {pk: u for pk, u in peers.items() if tier_of_person.get(pk) not in own_schemes}


@transaction.atomic
def scorecards_compute(*, actor: User, scheme: KpiScheme, day: date, request=None) -> ComputeResult:
    """Compute the scorecards of `scheme` for the period holding `day`, for the people and teams
    in the actor's scope (new ones and drafts; published ones stay as they are)."""
    require_evaluator(actor)
    if scheme.deleted_at is not None or not scheme.is_active:
        raise ValidationError({"scheme": [_("Select an active KPI scheme.")]})
    start, end = periods.bounds(scheme.period_kind, day)
    peers = dict(
        User.objects.filter(role_id=scheme.role_id, is_active=True, unit__isnull=False)
        .order_by()
        .values_list("pk", "unit_id")
    )
    peers = _tier_peers(scheme, peers, end)
    team_sizes = Counter(peers.values())
    figures = _figures(scheme, start, end, list(peers), list(team_sizes))
    people = score_lines(scheme, {k: v[0] for k, v in figures.items()}, dict.fromkeys(peers, 1))
    teams = score_lines(scheme, {k: v[1] for k, v in figures.items()}, dict(team_sizes))
    my_people = set(
        visible_to(User.objects.filter(pk__in=list(peers)), actor)
        .exclude(pk=actor.pk)
        .values_list("pk", flat=True)
    )
    my_units = {
        u.pk: u
        for u in visible_to(OrgUnit.objects.filter(pk__in=list(team_sizes)), actor).select_related(
            "manager"
        )
    }
    existing = {
        (c.subject_kind, c.subject_unit_id or c.owner_id): c
        for c in Scorecard.objects.filter(scheme=scheme, period_start=start)
    }
    result = ComputeResult(start, end)
    now = timezone.now()
    new, changed = [], []
    for kind, scored, mine in (
        (SubjectKind.USER, people, my_people),
        (SubjectKind.UNIT, teams, set(my_units)),
    ):
        ranks = _ranked(scored)
        for subject in sorted(mine):
            lines, total = scored[subject]
            figures_now = {
                "lines": lines,
                "total_score": scoring.q(total),
                "grade": scoring.grade_for(total, scheme.grade_bands),
                "rank": ranks[subject],
                "ranked_of": len(scored),
                "period_end": end,
                "computed_at": now,
            }
            card = existing.get((kind, subject))
            if card is not None and not card.is_draft:
                result.frozen += 1
                continue
            if card is not None:
                for name, value in figures_now.items():
                    setattr(card, name, value)
                card.version += 1
                changed.append(card)
                continue
            if kind == SubjectKind.USER:
                owner_id, unit_id, subject_unit_id = subject, peers[subject], None
            else:
                manager = my_units[subject].manager
                owner_id = manager.pk if manager is not None and manager.is_active else actor.pk
                unit_id = subject_unit_id = subject
            new.append(
                Scorecard(
                    scheme=scheme,
                    subject_kind=kind,
                    subject_unit_id=subject_unit_id,
                    owner_id=owner_id,
                    org_unit_id=unit_id,
                    period_start=start,
                    **figures_now,
                )
            )
    Scorecard.objects.bulk_create(new, batch_size=500)
    fields = [
        "lines",
        "total_score",
        "grade",
        "rank",
        "ranked_of",
        "period_end",
        "computed_at",
        "version",
    ]
    Scorecard.objects.bulk_update(changed, fields, batch_size=500)
    result.created, result.recomputed = len(new), len(changed)
    return result


# ---- scorecards: publish, lock, feedback -----------------------------------------------------


def _changeable(actor: User, pk: int) -> Scorecard:
    require_evaluator(actor)
    card = editable_by(Scorecard.objects.select_for_update(), actor).filter(pk=pk).first()
    if card is None:
        if visible_to(Scorecard.objects.filter(pk=pk), actor).exists():
            raise PermissionDenied(_("You may view this scorecard but not change it."))
        raise Scorecard.DoesNotExist
    if card.subject_kind == SubjectKind.USER and card.owner_id == actor.pk:
        raise PermissionDenied(_("Nobody evaluates their own scorecard."))
    return card


def _move(actor, scorecard, expected_version, source: str, target: str, message: str):
    card = _changeable(actor, scorecard.pk)
    check_version(card, expected_version)
    if card.status != source:
        raise ValidationError({"status": [message]})
    card.status = target
    now = timezone.now()
    fields = ["status"]
    if target == ScorecardStatus.PUBLISHED:
        card.published_at, card.published_by = now, actor
        fields += ["published_at", "published_by"]
    else:
        card.locked_at = now
        fields.append("locked_at")
    return save_versioned(card, expected_version=card.version, fields=fields, actor=actor)


@transaction.atomic
def scorecard_publish(
    *, actor: User, scorecard: Scorecard, expected_version: int | None = None, request=None
) -> Scorecard:
    """draft → published: the figures are frozen from now on."""
    return _move(
        actor,
        scorecard,
        expected_version,
        ScorecardStatus.DRAFT,
        ScorecardStatus.PUBLISHED,
        _("Only a draft scorecard can be published."),
    )


@transaction.atomic
def scorecard_lock(
    *, actor: User, scorecard: Scorecard, expected_version: int | None = None, request=None
) -> Scorecard:
    """published → locked: nothing changes any more, feedback included."""
    return _move(
        actor,
        scorecard,
        expected_version,
        ScorecardStatus.PUBLISHED,
        ScorecardStatus.LOCKED,
        _("Only a published scorecard can be locked."),
    )


@transaction.atomic
def scorecards_publish(*, actor: User, scheme: KpiScheme, day: date, request=None) -> int:
    """Publish every draft of `scheme` for the period holding `day` that the actor may change."""
    require_evaluator(actor)
    start, _end = periods.bounds(scheme.period_kind, day)
    drafts = editable_by(
        Scorecard.objects.filter(scheme=scheme, period_start=start, status=ScorecardStatus.DRAFT),
        actor,
    ).exclude(subject_kind=SubjectKind.USER, owner=actor)
    return Scorecard.objects.filter(pk__in=list(drafts.values_list("pk", flat=True))).update(
        status=ScorecardStatus.PUBLISHED,
        published_at=timezone.now(),
        published_by=actor,
        version=F("version") + 1,
    )


@transaction.atomic
def scorecard_feedback(
    *,
    actor: User,
    scorecard: Scorecard,
    feedback: str,
    expected_version: int | None = None,
    request=None,
) -> Scorecard:
    card = _changeable(actor, scorecard.pk)
    check_version(card, expected_version)
    if card.status == ScorecardStatus.LOCKED:
        raise ValidationError({"feedback": [_("A locked scorecard cannot be changed.")]})
    text = (feedback or "").strip()
    if len(text) > 5000:
        raise ValidationError({"feedback": [_("Ensure this value has at most 5000 characters.")]})
    card.feedback = text
    return save_versioned(card, expected_version=card.version, fields=["feedback"], actor=actor)
