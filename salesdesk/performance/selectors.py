"""Reads of KPI schemes, scorecards and leaderboards (D48).

Scorecards start from `visible_to` (ORG-2): a rep sees their own, a team lead their people's, a
manager or director their units'. Without the "evaluate" permission only published and locked
ones are shown; nobody sees their own draft. Leaderboards read the metric layer only: one grouped
read per period (this and the previous one) for the people, one per period for the teams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from salesdesk.metrics.definitions import METRICS, Direction, Metric
from salesdesk.metrics.selectors import metric_values
from salesdesk.org.models import DataScope, OrgUnit, User
from salesdesk.org.permissions import can_evaluate
from salesdesk.org.scoping import editable_by, visible_to
from salesdesk.performance import periods, scoring
from salesdesk.performance.models import KpiScheme, Scorecard, ScorecardStatus, SubjectKind

SHOWN = (ScorecardStatus.PUBLISHED, ScorecardStatus.LOCKED)


# ---- KPI schemes (configuration: readable by every signed-in user) ---------------------------


def kpi_schemes(*, active: bool | None = None) -> QuerySet[KpiScheme]:
    qs = KpiScheme.objects.select_related("role")
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def scheme_tier_names(schemes: list[KpiScheme]) -> dict[int, str]:
    """{tier id: name} of the tiers the schemes apply to (one query; a deleted tier too, so a
    scheme left pointing at it still says which)."""
    from salesdesk.tiers.models import Tier

    ids = {s.tier_id for s in schemes if s.tier_id is not None}
    if not ids:
        return {}
    return dict(Tier.all_objects.filter(pk__in=ids).values_list("pk", "name"))


def kpi_scheme(pk: int) -> KpiScheme | None:
    return kpi_schemes().filter(pk=pk).first()


# ---- scorecards ------------------------------------------------------------------------------


def scorecards_visible(viewer: User) -> QuerySet[Scorecard]:
    qs = visible_to(Scorecard.objects.all(), viewer)
    own_draft = Q(subject_kind=SubjectKind.USER, owner=viewer, status=ScorecardStatus.DRAFT)
    if not can_evaluate(viewer):
        return qs.filter(status__in=SHOWN)
    return qs.exclude(own_draft)


def scorecard_list(
    viewer: User,
    *,
    scheme: int | None = None,
    period_start: date | None = None,
    status: str | None = None,
    kind: str | None = None,
    person: int | None = None,
) -> QuerySet[Scorecard]:
    qs = scorecards_visible(viewer).select_related("scheme", "owner", "subject_unit", "org_unit")
    if scheme:
        qs = qs.filter(scheme_id=scheme)
    if period_start:
        qs = qs.filter(period_start=period_start)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(subject_kind=kind)
    if person:
        qs = qs.filter(owner_id=person, subject_kind=SubjectKind.USER)
    return qs.order_by("-period_start", "scheme_id", "subject_kind", "rank", "id")


def scorecard_detail(viewer: User, pk: int) -> Scorecard | None:
    return (
        scorecards_visible(viewer)
        .select_related("scheme", "owner", "subject_unit", "org_unit", "published_by")
        .filter(pk=pk)
        .first()
    )


def scorecard_changeable(viewer: User, card: Scorecard) -> bool:
    """May `viewer` publish, lock or comment `card` (the services decide; this shows buttons)."""
    if not can_evaluate(viewer) or card.status == ScorecardStatus.LOCKED:
        return False
    if card.subject_kind == SubjectKind.USER and card.owner_id == viewer.pk:
        return False
    return editable_by(Scorecard.objects.filter(pk=card.pk), viewer).exists()


def scorecard_history(viewer: User, card: Scorecard) -> list[Scorecard]:
    """The same subject's scorecards the viewer may see, newest first."""
    qs = scorecards_visible(viewer).select_related("scheme")
    if card.subject_kind == SubjectKind.UNIT:
        qs = qs.filter(subject_kind=SubjectKind.UNIT, subject_unit_id=card.subject_unit_id)
    else:
        qs = qs.filter(subject_kind=SubjectKind.USER, owner_id=card.owner_id)
    return list(qs.order_by("-period_start", "id")[:36])


def scorecard_periods(viewer: User) -> list[date]:
    return list(
        scorecards_visible(viewer)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()[:36]
    )


def metric_label(key: str) -> str:
    metric = METRICS.get(key)
    return str(metric.label) if metric else key


# ---- leaderboards ----------------------------------------------------------------------------

REPS, TEAMS = "reps", "teams"
SALES_SCOPES = (DataScope.OWN, DataScope.OWN_SUBORDINATES)


@dataclass
class BoardRow:
    key: int
    label: str
    value: Decimal | None
    rank: int | None
    previous_rank: int | None
    is_new: bool
    unit: str = ""

    @property
    def movement(self) -> int | None:
        """Places gained (+) or lost (−) since the previous period; None when new or unranked."""
        if self.is_new or self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def places(self) -> int:
        return abs(self.movement or 0)


@dataclass
class Leaderboard:
    metric: Metric
    period: str
    kind: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    root: OrgUnit | None
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return periods.label(self.period, self.start)

    @property
    def spotlight(self) -> list[BoardRow]:
        return [r for r in self.rows if r.rank == 1]


def board_root(viewer: User, kind: str) -> OrgUnit | None:
    """The unit a viewer's leaderboard covers: the company for the 'all records' scope, else the
    viewer's unit (a director's region, a rep's team); a rep's or team lead's teams tab compares
    the teams of their team's parent unit (team totals only)."""
    if not viewer.is_authenticated or not viewer.is_active:
        return None
    if viewer.data_scope == DataScope.ALL:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("id").first()
    unit = viewer.unit
    if unit is None:
        return None
    if kind == TEAMS and viewer.data_scope in SALES_SCOPES and unit.parent_id:
        return OrgUnit.objects.filter(pk=unit.parent_id).first()
    return unit


def _subjects(root: OrgUnit, kind: str) -> dict[int, tuple[str, str]]:
    """{id: (name, unit name)}: the sales people (own / own + subordinates scope) or the teams
    under `root`."""
    if kind == TEAMS:
        units = OrgUnit.objects.filter(path__startswith=root.path, kind=OrgUnit.Kind.TEAM)
        return {u.pk: (u.name, "") for u in units.only("id", "name")}
    people = (
        User.objects.filter(
            is_active=True,
            unit__path__startswith=root.path,
            role__data_scope__in=SALES_SCOPES,
        )
        .select_related("unit")
        .only("id", "username", "display_name", "first_name", "last_name", "unit__name")
    )
    return {u.pk: (u.name, u.unit.name) for u in people}


def _values(metric: Metric, kind: str, start: date, end: date, ids: list[int]) -> dict[int, Any]:
    if kind == TEAMS:
        return metric_values(metric.key, start=start, end=end, units=ids, group_by="unit")
    return metric_values(metric.key, start=start, end=end, users=ids, group_by="user")


def leaderboard(
    viewer: User, *, metric: str, period: str = periods.MONTH, day: date, kind: str = REPS
) -> Leaderboard | None:
    """The ranking of the viewer's people or teams by `metric` over the week or month holding
    `day`, with the movement since the period before. None when the viewer has no unit."""
    definition = METRICS[metric]
    if period not in (periods.WEEK, periods.MONTH) or kind not in (REPS, TEAMS):
        raise ValueError("unknown leaderboard period or kind")
    root = board_root(viewer, kind)
    start, end = periods.bounds(period, day)
    before = periods.previous(period, start)
    board = Leaderboard(definition, period, kind, start, end, before[0], before[1], root)
    if root is None:
        return board
    subjects = _subjects(root, kind)
    ids = sorted(subjects)
    if not ids:
        return board
    now = _values(definition, kind, start, end, ids)
    then = _values(definition, kind, before[0], before[1], ids)
    empty = definition.compute({})
    descending = definition.direction == Direction.HIGHER
    current = {pk: now.get(pk, empty) for pk in ids}
    previous = {pk: then.get(pk, empty) for pk in ids}
    rank_now = scoring.competition_ranks(ids, current.get, descending=descending)
    rank_then = scoring.competition_ranks(ids, previous.get, descending=descending)
    if not then:  # nobody had figures then: no ranking to move from (not "all tied first")
        rank_then = dict.fromkeys(rank_then)
    rows = [
        BoardRow(
            key=pk,
            label=subjects[pk][0],
            unit=subjects[pk][1],
            value=current[pk],
            rank=rank_now[i],
            previous_rank=rank_then[i],
            is_new=pk not in then and pk in now,
        )
        for i, pk in enumerate(ids)
    ]
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.label, r.key))
    board.rows = rows
    return board
