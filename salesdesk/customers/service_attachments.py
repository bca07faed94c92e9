"""Customer attachments (handover and merge, see customers/handover/registry.py) of return
visits, satisfaction records, care reminders and feedback tickets (CUS-9, CUS-10, CUS-11)."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.care.models import CareReminder
from salesdesk.customers.feedback.models import OPEN_STATUSES, FeedbackTicket, SatisfactionRecord
from salesdesk.customers.handover.registry import Attachment, customer_attachments
from salesdesk.customers.visits.models import ReturnVisit

# --- return visits and satisfaction: history that comes along, re-pointed on merge ----------


def _visits_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return ReturnVisit.objects.filter(customer_id__in=customer_ids).count()


def _visits_merge(*, source, target, actor) -> int:
    return ReturnVisit.all_objects.filter(customer=source).update(
        customer=target, updated_at=timezone.now()
    )


def _visits_count(customer_ids) -> int:
    return ReturnVisit.objects.filter(customer_id__in=customer_ids).count()


def _satisfaction_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return SatisfactionRecord.objects.filter(customer_id__in=customer_ids).count()


def _satisfaction_merge(*, source, target, actor) -> int:
    return SatisfactionRecord.objects.filter(customer=source).update(customer=target)


def _satisfaction_count(customer_ids) -> int:
    return SatisfactionRecord.objects.filter(customer_id__in=customer_ids).count()


# --- care reminders: they follow the customer (and its owner); on merge a reminder of the
# duplicate for an occasion and day the kept customer already has is dropped ----------------


def _care_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return CareReminder.objects.filter(
        customer_id__in=customer_ids, status=CareReminder.Status.OPEN
    ).count()


def _care_merge(*, source, target, actor) -> int:
    taken = list(
        CareReminder.objects.filter(customer=target, contact__isnull=True).values_list(
            "occasion", "date"
        )
    )
    if taken:
        CareReminder.objects.filter(
            reduce(or_, (Q(occasion=o, date=d) for o, d in taken)),
            customer=source,
            contact__isnull=True,
        ).delete()
    return CareReminder.objects.filter(customer=source).update(customer=target)


def _care_count(customer_ids) -> int:
    return _care_handover(customer_ids=customer_ids, from_user=None, to_user=None, actor=None)


# --- feedback tickets: the previous owner's open tickets about the customers move along -----


def _tickets_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return FeedbackTicket.objects.filter(
        customer_id__in=customer_ids, owner_id=from_user.pk, status__in=OPEN_STATUSES
    ).update(owner_id=to_user.pk, org_unit_id=to_user.unit_id, updated_at=timezone.now())


def _tickets_merge(*, source, target, actor) -> int:
    return FeedbackTicket.all_objects.filter(customer=source).update(
        customer=target, updated_at=timezone.now()
    )


def _tickets_count(customer_ids) -> int:
    return FeedbackTicket.objects.filter(
        customer_id__in=customer_ids, status__in=OPEN_STATUSES
    ).count()


for attachment in (
    Attachment(
        key="return_visits",
        label=_("Return visits"),
        on_handover=_visits_handover,
        on_merge=_visits_merge,
        count=_visits_count,
        covers=("customers.returnvisit",),
    ),
    Attachment(
        key="satisfaction",
        label=_("Satisfaction scores"),
        on_handover=_satisfaction_handover,
        on_merge=_satisfaction_merge,
        count=_satisfaction_count,
        covers=("customers.satisfactionrecord",),
    ),
    Attachment(
        key="care_reminders",
        label=_("Care reminders"),
        on_handover=_care_handover,
        on_merge=_care_merge,
        count=_care_count,
        covers=("customers.carereminder",),
    ),
    Attachment(
        key="feedback_tickets",
        label=_("Open feedback tickets"),
        on_handover=_tickets_handover,
        on_merge=_tickets_merge,
        count=_tickets_count,
        covers=("customers.feedbackticket",),
    ),
):
    customer_attachments.register(attachment)
