"""The "task" source of the to-do inbox (CUS-8): the user's own open tasks (follow-up next
contacts and tasks added by hand), overdue ones included. Imported from customers/inbox.py."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesdesk.core.inbox import InboxItem, inbox_registry


def _open_tasks(user, until: datetime):
    from salesdesk.customers.selectors import tasks_visible

    return (
        tasks_visible(user)
        .filter(owner_id=user.pk, done_at__isnull=True, due_at__lte=until)
        .filter(Q(customer__isnull=True) | Q(customer__deleted_at__isnull=True))
    )


def task_items(user, *, until: datetime, limit: int) -> list[InboxItem]:
    """The user's own open tasks due by `until` (overdue ones included), soonest first."""
    tasks = _open_tasks(user, until).order_by("due_at", "id")[:limit]
    my_tasks = reverse("web:my_tasks")
    return [
        InboxItem(
            kind="task",
            due_at=task.due_at,
            title=task.title,
            url=(
                reverse("web:customer_detail", args=[task.customer_id]) + "?tab=tasks"
                if task.customer_id
                else my_tasks
            ),
            icon="check2-square",
            customer_name=task.customer.name if task.customer_id else "",
            key=f"task:{task.pk}",
        )
        for task in tasks
    ]


def task_count(user, *, until: datetime) -> int:
    return _open_tasks(user, until).count()


inbox_registry.register(
    "task", label=_("Tasks"), icon="check2-square", items=task_items, count=task_count
)
