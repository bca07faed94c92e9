"""Reads of training (PRF-5): programs (everyone), sessions, attendance (scoped by the person:
a rep sees their own rows, a manager the people in their scope) and the effect of a program.

The effect reads the metric layer only (`metrics.selectors.metric_sums`, scoped to the viewer),
one grouped read per week of the windows, and leaves the arithmetic to `training.effect`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.metrics.definitions import Metric, Term, get_metric
from salesdesk.metrics.selectors import metric_sums
from salesdesk.org.models import Role, User
from salesdesk.org.scoping import visible_to
from salesdesk.training import effect as fx
from salesdesk.training.models import (
    Attendance,
    AttendanceStatus,
    TrainingProgram,
    TrainingSession,
)

PROGRAM_SORTS = {
    "title": "title",
    "topic": "topic",
    "status": "status",
    "created": "created_at",
    "first_session": "first_session",
}
SMALL_GROUP = 5


# ---- programs and sessions -------------------------------------------------------------------


def program_list(*, search: str = "", status: str = "", sort: str = "-created") -> QuerySet:
    qs = TrainingProgram.objects.select_related("owner_unit").annotate(
        first_session=Min("sessions__starts_at"), session_count=Count("sessions", distinct=True)
    )
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(title__icontains=search)
            | Q(topic__icontains=search)
            | Q(description__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    key = sort.lstrip("-")
    column = PROGRAM_SORTS.get(key, "created_at")
    prefix = "-" if sort.startswith("-") else ""
    return qs.order_by(f"{prefix}{column}", "-id")


def program(pk: int) -> TrainingProgram | None:
    return TrainingProgram.objects.select_related("owner_unit").filter(pk=pk).first()


def program_sessions(program: TrainingProgram) -> list[TrainingSession]:
    return list(
        program.sessions.select_related("trainer").annotate(
            invited=Count("attendances"),
            attended=Count("attendances", filter=Q(attendances__status=AttendanceStatus.ATTENDED)),
        )
    )


def session(pk: int) -> TrainingSession | None:
    return (
        TrainingSession.objects.select_related("program", "trainer")
        .filter(pk=pk, program__deleted_at__isnull=True)
        .first()
    )


def session_attendance(viewer: User, session: TrainingSession) -> list[Attendance]:
    """The attendance rows of a session the viewer may see (their own; their scope's)."""
    return list(
        visible_to(Attendance.objects.filter(session=session), viewer)
        .select_related("user", "user__unit")
        .order_by("user__display_name", "user__username")
    )


def invitable_people(viewer: User, session: TrainingSession) -> QuerySet:
    """Active people in the viewer's scope not yet invited to the session."""
    return (
        visible_to(User.objects.filter(is_active=True), viewer)
        .exclude(pk__in=Attendance.objects.filter(session=session).values("user_id"))
        .select_related("unit")
        .order_by("display_name", "username")
    )


def my_attendance(user: User) -> list[Attendance]:
    """The user's own invitations, sessions and scores (newest first)."""
    return list(
        Attendance.objects.filter(user=user, session__program__deleted_at__isnull=True)
        .select_related("session", "session__program")
        .order_by("-session__starts_at")
    )


def program_scores(viewer: User, program: TrainingProgram) -> fx.ScoreSummary:
    rows = visible_to(
        Attendance.objects.filter(session__program=program, status=AttendanceStatus.ATTENDED),
        viewer,
    ).values_list("pre_score", "post_score")
    return fx.score_summary(rows)


# ---- effect ----------------------------------------------------------------------------------


@dataclass
class EffectReport:
    program: TrainingProgram
    metric: Metric
    weeks: int
    today: date
    effect: fx.Effect | None
    scores: fx.ScoreSummary
    first_session: date | None
    last_session: date | None
    complete_weeks: int  # the fewest complete after-weeks of anyone compared
    trainee_roles: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    @property
    def is_recent(self) -> bool:
        return self.effect is not None and self.complete_weeks < self.weeks


def _local_day(value) -> date:
    return timezone.localtime(value).date()


def _add(into: dict[Term, Decimal], terms: dict[Term, Decimal]) -> None:
    for term, value in terms.items():
        into[term] = into.get(term, Decimal(0)) + value


def _figures(
    metric: Metric,
    person_windows: dict[int, fx.Windows],
    weekly_terms: dict[date, dict[int, dict[Term, Decimal]]],
) -> dict[int, fx.PersonFigures]:
    out = {}
    for pk, win in person_windows.items():
        if not win.after:
            out[pk] = fx.PersonFigures(None, None, {})
            continue
        before: dict[Term, Decimal] = {}
        after: dict[Term, Decimal] = {}
        for monday in win.before:
            _add(before, weekly_terms.get(monday, {}).get(pk, {}))
        for monday in win.after:
            _add(after, weekly_terms.get(monday, {}).get(pk, {}))
        weekly = {}
        n = len(win.chart_before)
        for i, monday in enumerate(win.chart_before):
            weekly[i - n] = metric.compute(weekly_terms.get(monday, {}).get(pk, {}))
        for i, monday in enumerate(win.after, start=1):
            weekly[i] = metric.compute(weekly_terms.get(monday, {}).get(pk, {}))
        out[pk] = fx.PersonFigures(metric.compute(before), metric.compute(after), weekly)
    return out


def program_effect(
    viewer: User,
    program: TrainingProgram,
    *,
    metric: str,
    weeks: int = fx.DEFAULT_WEEKS,
    today: date | None = None,
) -> EffectReport:
    """Trainees (people in the viewer's scope who attended a session of the program) against
    untrained peers (active people in the viewer's scope with a trainee's role — reps when nobody
    attended yet — who never attended it). KeyError for an unknown metric, ValueError for weeks
    outside 1…26."""
    definition = get_metric(metric)
    if not 1 <= weeks <= fx.MAX_WEEKS:
        raise ValueError("weeks out of range")
    today = today or timezone.localdate()
    scores = program_scores(viewer, program)
    starts = list(
        TrainingSession.objects.filter(program=program)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    report = EffectReport(
        program, definition, weeks, today, None, scores, None, None, weeks, [], []
    )
    if not starts:
        return report
    report.first_session = _local_day(starts[0])
    report.last_session = _local_day(starts[-1])

    attended = Attendance.objects.filter(session__program=program, status=AttendanceStatus.ATTENDED)
    spans: dict[int, list[date]] = defaultdict(list)
    for user_id, starts_at in visible_to(attended, viewer).values_list(
        "user_id", "session__starts_at"
    ):
        spans[user_id].append(_local_day(starts_at))
    trainees = dict(
        visible_to(User.objects.filter(pk__in=list(spans)), viewer).values_list("pk", "role_id")
    )
    role_ids = sorted({r for r in trainees.values() if r is not None})
    if not role_ids:
        role_ids = list(Role.objects.filter(code="rep").values_list("pk", flat=True))
    report.trainee_roles = [
        r.display_name for r in Role.objects.filter(pk__in=role_ids).order_by("pk")
    ]
    peers = list(
        visible_to(User.objects.filter(is_active=True, role_id__in=role_ids), viewer)
        .exclude(pk__in=attended.values("user_id"))
        .values_list("pk", flat=True)
    )
    person_windows: dict[int, fx.Windows] = {}
    for pk in trainees:
        days = spans[pk]
        person_windows[pk] = fx.windows(min(days), max(days), weeks, today)
    peer_windows = fx.windows(report.first_session, report.last_session, weeks, today)
    for pk in peers:
        person_windows[pk] = peer_windows

    mondays = sorted({m for w in person_windows.values() for m in (*w.chart_before, *w.after)})
    people = sorted(person_windows)
    weekly_terms: dict[date, dict[int, dict[Term, Decimal]]] = {}
    for monday in mondays:
        weekly_terms[monday] = metric_sums(
            metric,
            start=monday,
            end=monday + timedelta(days=6),
            users=people,
            group_by="user",
            viewer=viewer,
        )
    figures = _figures(definition, person_windows, weekly_terms)
    report.effect = fx.difference_in_differences(
        [figures[pk] for pk in trainees],
        [figures[pk] for pk in peers],
        weeks=weeks,
        places=4 if definition.unit == "ratio" else 2,
    )
    compared = [person_windows[pk] for pk in people]
    report.complete_weeks = min((len(w.after) for w in compared), default=weeks)
    report.caveats = caveats(report)
    return report


def caveats(report: EffectReport) -> list[str]:
    """What the reader must keep in mind, the general ones always, the others when they apply."""
    out = [
        _(
            "People were not assigned to the training at random: whoever was chosen or chose to "
            "attend may differ from the peers (selection bias)."
        ),
        _(
            "The difference in differences assumes both groups would have moved alike without "
            "the training (parallel trends); check the weeks before it in the chart."
        ),
        _(
            "Other events in the same weeks (campaigns, new products, seasons, changes of "
            "territory) affect the figures too."
        ),
    ]
    eff = report.effect
    if eff is not None and min(eff.trainees.size, eff.peers.size) < SMALL_GROUP:
        out.append(
            _(
                "The groups are small (%(trainees)s trainees, %(peers)s peers): one person's good "
                "or bad weeks move the means a lot, so the result is noisy."
            )
            % {"trainees": eff.trainees.size, "peers": eff.peers.size}
        )
    if report.is_recent:
        out.append(
            _(
                "The training is recent: only %(done)s of the %(weeks)s weeks after it are "
                "complete, so both windows were shortened to %(done)s weeks and the result may "
                "still change."
            )
            % {"done": report.complete_weeks, "weeks": report.weeks}
        )
    return out
