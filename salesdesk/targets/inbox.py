"""To-do inbox source (TGT-3): running goals behind plan, for the person responsible and for the
managers who set goals in their scope (their units' and reps' goals). Computed on read from the
progress figures (no stored alerts, so nothing to duplicate or clean up); the email digest lists
them as one section like every inbox source. Queries: the goals, one aggregate per distinct
(metric, period) and the units' paths."""

from __future__ import annotations

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesdesk.core.agenda import local_today, user_zone
from salesdesk.core.inbox import InboxItem, inbox_registry
from salesdesk.targets.progress import goals_behind
from salesdesk.targets.templatetags.goal_values import goal_value


def _behind(user, until: datetime):
    today = local_today(user)
    if timezone.localtime(until, user_zone(user)).date() < today:
        return today, []
    return today, goals_behind(user, today=today)


def behind_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    today, rows = _behind(user, until)
    due = datetime.combine(today, time(9, 0), tzinfo=user_zone(user))
    items = []
    for row in rows[:limit]:
        goal, f = row.goal, row.figures
        items.append(
            InboxItem(
                kind="goal_behind",
                due_at=due,
                title=_("Behind plan: %(name)s") % {"name": goal.name},
                body=_(
                    "%(attainment)s %% attained with %(elapsed)s %% of the time gone; gap %(gap)s"
                )
                % {
                    "attainment": f.attainment if f.attainment is not None else "—",
                    "elapsed": f.elapsed,
                    "gap": goal_value(f.gap, goal.metric),
                },
                url=reverse("web:progress_goal", args=[goal.pk]),
                icon="graph-down-arrow",
                key=f"goal_behind:{goal.pk}",
            )
        )
    return items


def behind_count(user, *, until: datetime) -> int:
    return len(_behind(user, until)[1])


inbox_registry.register(
    "goal_behind",
    label=gettext_lazy("Goals behind plan"),
    items=behind_items,
    count=behind_count,
    icon="graph-down-arrow",
)
