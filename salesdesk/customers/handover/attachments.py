"""The customers app's own attachments (see registry.py): contacts, follow-ups, tasks, tags,
shares, the follow-up schedule, and the handover and merge records themselves."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.customers.handover.models import CustomerMerge, HandoverItem
from salesdesk.customers.handover.registry import Attachment, customer_attachments
from salesdesk.customers.models import Contact, Customer, FollowUp, Task
from salesdesk.org.models import Share

# --- contacts: they follow the customer; on merge one primary remains (the target's) ---------


def _contacts_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return Contact.objects.filter(customer_id__in=customer_ids).count()


def _contacts_merge(*, source, target, actor) -> int:
    target_has_primary = Contact.objects.filter(customer=target, is_primary=True).exists()
    if target_has_primary:
        Contact.all_objects.filter(customer=source, is_primary=True).update(is_primary=False)
    # A deleted primary of the source would clash with the target's when restored: demote it.
    Contact.all_objects.filter(customer=source, is_primary=True, deleted_at__isnull=False).update(
        is_primary=False
    )
    return Contact.all_objects.filter(customer=source).update(
        customer=target, updated_at=timezone.now()
    )


def _contacts_count(customer_ids) -> int:
    return Contact.objects.filter(customer_id__in=customer_ids).count()


# --- follow-ups: the records stay with their authors and follow the customer ---------------


def _follow_ups_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return FollowUp.objects.filter(customer_id__in=customer_ids).count()


def _follow_ups_merge(*, source, target, actor) -> int:
    return FollowUp.all_objects.filter(customer=source).update(
        customer=target, updated_at=timezone.now()
    )


def _follow_ups_count(customer_ids) -> int:
    return FollowUp.objects.filter(customer_id__in=customer_ids).count()


# --- tasks: the previous owner's open tasks move to the new owner ------------------------


def _tasks_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return Task.objects.filter(
        customer_id__in=customer_ids, owner_id=from_user.pk, done_at__isnull=True
    ).update(owner_id=to_user.pk, org_unit_id=to_user.unit_id, updated_at=timezone.now())


def _tasks_merge(*, source, target, actor) -> int:
    now = timezone.now()
    # The source owner's open to-dos about the duplicate become the target owner's.
    if source.owner_id != target.owner_id:
        target_unit = (
            Customer.all_objects.filter(pk=target.pk).values_list("owner__unit_id", flat=True).get()
        )
        Task.objects.filter(customer=source, owner_id=source.owner_id, done_at__isnull=True).update(
            owner_id=target.owner_id, org_unit_id=target_unit or target.org_unit_id, updated_at=now
        )
    return Task.all_objects.filter(customer=source).update(customer=target, updated_at=now)


def _tasks_count(customer_ids) -> int:
    return Task.objects.filter(customer_id__in=customer_ids, done_at__isnull=True).count()


# --- tags: the target gets the union ------------------------------------------------------


def _tags_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return 0


def _tags_merge(*, source, target, actor) -> int:
    through = Customer.tags.through
    have = set(through.objects.filter(customer_id=target.pk).values_list("tag_id", flat=True))
    new = [
        tag_id
        for tag_id in through.objects.filter(customer_id=source.pk).values_list("tag_id", flat=True)
        if tag_id not in have
    ]
    through.objects.bulk_create([through(customer_id=target.pk, tag_id=t) for t in new])
    return len(new)


def _tags_count(customer_ids) -> int:
    return Customer.tags.through.objects.filter(customer_id__in=customer_ids).count()


# --- shares: colleagues keep their access; on merge they get the same access to the target --


def _customer_shares():
    return Share.objects.filter(content_type=ContentType.objects.get_for_model(Customer))


def _shares_handover(*, customer_ids, from_user, to_user, actor) -> int:
    # A share with the new owner is pointless now that they own the customer.
    _customer_shares().filter(object_id__in=customer_ids, user_id=to_user.pk).delete()
    return _customer_shares().filter(object_id__in=customer_ids).count()


def _shares_merge(*, source, target, actor) -> int:
    shares = _customer_shares()
    on_target = {s.user_id: s for s in shares.filter(object_id=target.pk)}
    moved = 0
    for share in list(shares.filter(object_id=source.pk)):
        existing = on_target.get(share.user_id)
        if share.user_id == target.owner_id:
            share.delete()
        elif existing is None:
            share.object_id = target.pk
            share.save(update_fields=["object_id", "updated_at"])
            moved += 1
        else:
            if share.access == Share.Access.WRITE and existing.access != Share.Access.WRITE:
                existing.access = Share.Access.WRITE
                existing.save(update_fields=["access", "updated_at"])
            share.delete()
    return moved


def _shares_count(customer_ids) -> int:
    return _customer_shares().filter(object_id__in=customer_ids).count()


# --- the follow-up schedule (next contact time) --------------------------------------------


def _schedule_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return Customer.all_objects.filter(pk__in=customer_ids, next_follow_up_at__isnull=False).count()


def _schedule_merge(*, source, target, actor) -> int:
    rows = dict(
        (pk, (last, nxt))
        for pk, last, nxt in Customer.all_objects.filter(pk__in=[source.pk, target.pk]).values_list(
            "pk", "last_follow_up_at", "next_follow_up_at"
        )
    )
    (s_last, s_next), (t_last, t_next) = rows[source.pk], rows[target.pk]
    last = max((v for v in (s_last, t_last) if v is not None), default=None)
    nxt = min((v for v in (s_next, t_next) if v is not None), default=None)
    if (last, nxt) == (t_last, t_next):
        return 0
    Customer.all_objects.filter(pk=target.pk).update(last_follow_up_at=last, next_follow_up_at=nxt)
    target.last_follow_up_at, target.next_follow_up_at = last, nxt
    return 1


def _schedule_count(customer_ids) -> int:
    return Customer.all_objects.filter(pk__in=customer_ids, next_follow_up_at__isnull=False).count()


# --- the records of earlier handovers and merges follow the kept customer --------------------


def _records_handover(*, customer_ids, from_user, to_user, actor) -> int:
    return 0


def _records_merge(*, source, target, actor) -> int:
    moved = HandoverItem.objects.filter(customer=source).update(customer=target)
    moved += CustomerMerge.objects.filter(target=source).update(target=target)
    return moved


def _records_count(customer_ids) -> int:
    return HandoverItem.objects.filter(customer_id__in=customer_ids).count()


customer_attachments.register(
    Attachment(
        key="contacts",
        label=_("Contacts"),
        on_handover=_contacts_handover,
        on_merge=_contacts_merge,
        count=_contacts_count,
        covers=("customers.contact",),
    )
)
customer_attachments.register(
    Attachment(
        key="follow_ups",
        label=_("Follow-ups"),
        on_handover=_follow_ups_handover,
        on_merge=_follow_ups_merge,
        count=_follow_ups_count,
        covers=("customers.followup",),
    )
)
customer_attachments.register(
    Attachment(
        key="tasks",
        label=_("Open tasks"),
        on_handover=_tasks_handover,
        on_merge=_tasks_merge,
        count=_tasks_count,
        covers=("customers.task",),
    )
)
customer_attachments.register(
    Attachment(
        key="tags",
        label=_("Tags"),
        on_handover=_tags_handover,
        on_merge=_tags_merge,
        count=_tags_count,
        covers=("customers.customer_tags",),
    )
)
customer_attachments.register(
    Attachment(
        key="shares",
        label=_("Shares with colleagues"),
        on_handover=_shares_handover,
        on_merge=_shares_merge,
        count=_shares_count,
        covers=("org.share",),
    )
)
customer_attachments.register(
    Attachment(
        key="schedule",
        label=_("Planned next contacts"),
        on_handover=_schedule_handover,
        on_merge=_schedule_merge,
        count=_schedule_count,
    )
)
customer_attachments.register(
    Attachment(
        key="records",
        label=_("Earlier handovers and merges"),
        on_handover=_records_handover,
        on_merge=_records_merge,
        count=_records_count,
        covers=("customers.handoveritem", "customers.customermerge"),
    )
)
