"""Handover (CUS-7) and merge (CUS-5) services: exact moves, records, history, audit,
notifications and timeline; refusals change nothing; the attachment registry covers every
model that points at a customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from simple_history.models import HistoricalChanges

from salesdesk.core.models import AuditEvent, Notification
from salesdesk.core.recycle import record_restore
from salesdesk.core.timeline import customer_timeline
from salesdesk.customers import services
from salesdesk.customers.handover import services as handover_services
from salesdesk.customers.handover.models import CustomerMerge, Handover, HandoverItem
from salesdesk.customers.handover.registry import customer_attachments
from salesdesk.customers.models import Contact, Customer, FollowUp, Tag, Task
from salesdesk.org.models import Share, User
from tests.customers.conftest import customer_snapshot, make_customer

SOON = timedelta(days=2)


def full_snapshot() -> dict:
    snap = customer_snapshot()
    snap["handovers"] = list(Handover.objects.order_by("pk").values())
    snap["handover_items"] = list(HandoverItem.objects.order_by("pk").values())
    snap["merges"] = list(CustomerMerge.objects.order_by("pk").values())
    snap["notifications"] = list(Notification.objects.order_by("pk").values())
    snap["shares"] = list(Share.objects.order_by("pk").values())
    return snap


def owned_by_gone(org, names: list[str]) -> list[Customer]:
    """Customers of the deactivated rep (made while 'active', then handed to them)."""
    made = []
    for name in names:
        customer = make_customer(org.rep, name)
        Customer.all_objects.filter(pk=customer.pk).update(owner=org.deactivated)
        customer.refresh_from_db()
        made.append(customer)
    return made


def test_handover_of_a_deactivated_reps_customers_spread_evenly(org, book):
    gone = owned_by_gone(org, ["甲方一号", "甲方二号", "甲方三号"])
    now = timezone.now()
    for customer in gone:
        services.contact_create(actor=org.lead, customer=customer, name=f"{customer.name}联系人")
    # Open and done tasks of the previous owner, and one of the lead: only the open ones of the
    # previous owner move.
    open_tasks = [
        Task.objects.create(
            owner=org.deactivated, org_unit=org.team_a, customer=c, title="回访", due_at=now + SOON
        )
        for c in gone
    ]
    done = Task.objects.create(
        owner=org.deactivated,
        org_unit=org.team_a,
        customer=gone[0],
        title="旧",
        due_at=now,
        done_at=now,
    )
    leads = services.task_create(actor=org.lead, title="主管", due_at=now + SOON, customer=gone[1])
    services.follow_up_create(actor=org.lead, customer=gone[2], kind="call", content="电话")
    Customer.all_objects.filter(pk=gone[0].pk).update(next_follow_up_at=now + SOON)

    handover = handover_services.handover_create(
        actor=org.lead,
        from_user=org.deactivated,
        to_users=[org.rep, org.lead],
        strategy="even",
        reason="离职交接",
    )

    # rep and lead own one customer each already: ties go to the first target.
    owners = dict(
        Customer.objects.filter(pk__in=[c.pk for c in gone]).values_list("name", "owner_id")
    )
    assert owners == {"甲方一号": org.rep.pk, "甲方二号": org.lead.pk, "甲方三号": org.rep.pk}
    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in gone]).values_list("org_unit_id", "version")
    ) == {(org.team_a.pk, 2)}
    tasks = dict(Task.all_objects.filter(customer__in=gone).values_list("pk", "owner_id"))
    assert tasks == {
        open_tasks[0].pk: org.rep.pk,
        open_tasks[1].pk: org.lead.pk,
        open_tasks[2].pk: org.rep.pk,
        done.pk: org.deactivated.pk,
        leads.pk: org.lead.pk,
    }
    assert (
        handover.actor,
        handover.from_user,
        handover.source,
        handover.strategy,
        handover.reason,
        handover.customer_count,
        handover.receivers,
    ) == (
        org.lead,
        org.deactivated,
        "handover",
        "even",
        "离职交接",
        3,
        {str(org.rep.pk): 2, str(org.lead.pk): 1},
    )
    assert handover.moved == {
        "contacts": 3,
        "follow_ups": 1,
        "tasks": 3,
        "tags": 0,
        "shares": 0,
        "schedule": 2,  # gone[0] by hand, gone[1] brought forward by the lead's task
        "records": 0,
        "return_visits": 0,
        "satisfaction": 0,
        "care_reminders": 0,
        "feedback_tickets": 0,
        "pool_history": 0,
        "opportunities": 0,
        "contracts": 0,
        "leads": 0,
    }
    items = {
        i.customer.name: (i.from_user_id, i.to_user_id, i.moved["tasks"], i.moved["contacts"])
        for i in handover.items.select_related("customer")
    }
    assert items == {
        "甲方一号": (org.deactivated.pk, org.rep.pk, 1, 1),
        "甲方二号": (org.deactivated.pk, org.lead.pk, 1, 1),
        "甲方三号": (org.deactivated.pk, org.rep.pk, 1, 1),
    }
    record = Customer.history.filter(id=gone[0].pk).order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason, record.owner_id) == (
        org.lead,
        "handover",
        org.rep.pk,
    )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.CUSTOMER_HANDOVER)
    assert (event.actor, event.target_id, event.data["customer_count"]) == (
        org.lead,
        str(handover.pk),
        3,
    )
    # The receiving rep is told; the lead handed over to themself and is not.
    assert list(Notification.objects.values_list("user_id", "title")) == [
        (org.rep.pk, "You received 2 customers from 离职 Gone")
    ]
    titles = [(e.kind, e.title) for e in customer_timeline(gone[0], org.rep)][:1]
    assert titles == [
        ("handover", "Handed over from 离职 Gone to 张三 Zhang San by 李主管 Lead Li")
    ]
    # No duplicate "transferred" line from the field history.
    assert [e.kind for e in customer_timeline(gone[0], org.rep)].count("transfer") == 0


def test_handover_of_selected_customers_to_one_rep(org, book):
    first = make_customer(org.rep, "选中一")
    make_customer(org.rep, "未选中")
    handover = handover_services.handover_create(
        actor=org.director,
        from_user=org.rep,
        to_users=[org.other_rep],
        customer_ids=[first.pk, book["rep"].pk],
    )
    assert handover.customer_count == 2
    owners = dict(Customer.objects.filter(owner=org.other_rep).values_list("name", "org_unit_id"))
    assert owners == {
        "选中一": org.team_b.pk,
        "北京星辰科技有限公司": org.team_b.pk,
        "上海远航贸易有限公司": org.team_b.pk,
    }
    assert Customer.objects.get(name="未选中").owner == org.rep
    assert list(Notification.objects.values_list("user_id", "title")) == [
        (org.other_rep.pk, "You received 2 customers from 张三 Zhang San")
    ]


def test_single_transfer_goes_through_the_recorded_path(org, book):
    customer = book["rep"]
    services.customer_transfer(actor=org.director, customer=customer, new_owner=org.other_rep)
    handover = Handover.objects.get()
    assert (handover.source, handover.customer_count, handover.from_user, handover.actor) == (
        "transfer",
        1,
        org.rep,
        org.director,
    )
    item = handover.items.get()
    assert (item.customer, item.from_user, item.to_user) == (customer, org.rep, org.other_rep)
    assert list(Notification.objects.values_list("user_id", "title", "url")) == [
        (
            org.other_rep.pk,
            "You received the customer “北京星辰科技有限公司” from 张三 Zhang San",
            f"/customers/{customer.pk}/",
        )
    ]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CUSTOMER_HANDOVER).count() == 1


def test_handover_refusals_change_nothing(org, book):
    rep_customer = book["rep"]
    before = full_snapshot()
    cases = [
        (PermissionDenied, dict(actor=org.rep, from_user=org.rep, to_users=[org.lead])),
        (PermissionDenied, dict(actor=org.deactivated, from_user=org.rep, to_users=[org.lead])),
        # other_rep is outside the lead's scope, as giver and as receiver
        (ValidationError, dict(actor=org.lead, from_user=org.other_rep, to_users=[org.lead])),
        (ValidationError, dict(actor=org.lead, from_user=org.rep, to_users=[org.other_rep])),
        (ValidationError, dict(actor=org.lead, from_user=org.rep, to_users=[org.deactivated])),
        (ValidationError, dict(actor=org.lead, from_user=org.rep, to_users=[org.rep])),
        (ValidationError, dict(actor=org.lead, from_user=org.rep, to_users=[])),
        (
            ValidationError,
            dict(actor=org.director, from_user=org.rep, to_users=[org.lead, org.other_rep]),
        ),
        (
            ValidationError,
            dict(actor=org.lead, from_user=org.rep, to_users=[org.lead], strategy="random"),
        ),
        (
            ValidationError,
            dict(actor=org.lead, from_user=org.rep, to_users=[org.lead], reason="长" * 201),
        ),
        # a customer of somebody else among the selected ones
        (
            ValidationError,
            dict(
                actor=org.director,
                from_user=org.rep,
                to_users=[org.lead],
                customer_ids=[rep_customer.pk, book["other_rep"].pk],
            ),
        ),
        # nothing to hand over
        (ValidationError, dict(actor=org.admin, from_user=org.deactivated, to_users=[org.lead])),
    ]
    for error, kwargs in cases:
        with pytest.raises(error):
            handover_services.handover_create(**kwargs)
    assert full_snapshot() == before


PERSONAS = ("rep", "other_rep", "lead", "director", "admin", "deactivated")
SCOPE = {
    "rep": set(),
    "other_rep": set(),
    "lead": {"rep"},
    "director": {"rep", "other_rep"},
    "admin": {"rep", "other_rep"},
    "deactivated": set(),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("giver", ["rep", "other_rep"])
def test_handover_access_matrix(org, book, persona, giver):
    """Allowed exactly for personas with the transfer permission and the giver in scope;
    a denial changes nothing."""
    actor = org.personas()[persona]
    from_user = getattr(org, giver)
    before = full_snapshot()
    if giver in SCOPE[persona]:
        handover = handover_services.handover_create(
            actor=actor, from_user=from_user, to_users=[org.lead]
        )
        assert handover.customer_count == 1
        assert book[giver].__class__.objects.get(pk=book[giver].pk).owner == org.lead
    else:
        with pytest.raises((PermissionDenied, ValidationError)):
            handover_services.handover_create(actor=actor, from_user=from_user, to_users=[org.lead])
        assert full_snapshot() == before
        # Nor does the preview reveal anything.
        with pytest.raises((PermissionDenied, ValidationError)):
            handover_services.handover_preview(
                actor=actor, from_user=from_user, to_users=[org.lead]
            )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=60),
)
def test_even_distribution_fills_the_emptiest_rep_first(loads, n):
    targets = [User(pk=i + 1, username=f"u{i}") for i in range(len(loads))]
    counts = {t.pk: load for t, load in zip(targets, loads, strict=True)}
    plan = handover_services.distribute(list(range(n)), targets, "even", counts)
    assert sorted(plan) == list(range(n))
    final = dict(counts)
    for user in plan.values():
        final[user.pk] += 1
    lowest = min(final.values())
    # Whoever received a customer ends at most one above the emptiest rep.
    for t in targets:
        if final[t.pk] > counts[t.pk]:
            assert final[t.pk] <= lowest + 1
    assert sum(final.values()) == sum(loads) + n


# --- merge ---------------------------------------------------------------------------------


def related_counts(customer_ids) -> dict[str, int]:
    ct = ContentType.objects.get_for_model(Customer)
    return {
        "contacts": Contact.all_objects.filter(customer_id__in=customer_ids).count(),
        "follow_ups": FollowUp.all_objects.filter(customer_id__in=customer_ids).count(),
        "tasks": Task.all_objects.filter(customer_id__in=customer_ids).count(),
        "items": HandoverItem.objects.filter(customer_id__in=customer_ids).count(),
        "share_users": Share.objects.filter(content_type=ct, object_id__in=customer_ids)
        .values("user_id")
        .distinct()
        .count(),
    }


def test_merge_keeps_every_related_record(org, book):
    now = timezone.now()
    target = book["rep"]
    source = make_customer(org.rep, "北京星辰科技", city="北京", email="info@xc.cn")
    services.contact_create(actor=org.rep, customer=source, name="源联系人")  # primary
    services.contact_create(actor=org.rep, customer=source, name="源联系人二")
    gone_contact = services.contact_create(actor=org.rep, customer=source, name="已删")
    Contact.all_objects.filter(pk=gone_contact.pk).update(deleted_at=now)
    services.follow_up_create(
        actor=org.rep,
        customer=source,
        kind="visit",
        content="拜访",
        occurred_at=now - timedelta(days=1),
        next_contact_at=now + SOON,
    )
    services.task_create(actor=org.lead, title="主管任务", due_at=now + SOON, customer=source)
    red, blue = Tag.objects.create(name="红"), Tag.objects.create(name="蓝")
    source.tags.set([red, blue])
    target.tags.set([red])
    ct = ContentType.objects.get_for_model(Customer)
    Share.objects.create(content_type=ct, object_id=source.pk, user=org.other_rep, access="read")
    services.customer_transfer(actor=org.lead, customer=source, new_owner=org.lead)
    services.customer_transfer(actor=org.lead, customer=source, new_owner=org.rep)
    before = related_counts([source.pk, target.pk])

    merge = handover_services.customer_merge(
        actor=org.director,
        source=source,
        target=target,
        field_choices={"city": "source", "email": "source", "name": "target"},
    )

    assert related_counts([target.pk]) == before
    assert related_counts([source.pk]) == dict.fromkeys(before, 0)
    primaries = list(
        Contact.objects.filter(customer=target, is_primary=True).values_list("name", flat=True)
    )
    assert primaries == ["rep 联系人"]  # the target's primary stays the one
    assert set(target.tags.values_list("name", flat=True)) == {"红", "蓝"}
    target.refresh_from_db()
    assert (target.name, target.city, target.email, target.email_key, target.version) == (
        "北京星辰科技有限公司",
        "北京",
        "info@xc.cn",
        "info@xc.cn",
        2,
    )
    assert target.next_follow_up_at is not None
    source = Customer.all_objects.get(pk=source.pk)
    assert (source.is_deleted, source.deleted_by) == (True, org.director)
    assert (merge.source, merge.target, merge.source_name, merge.actor) == (
        source,
        target,
        "北京星辰科技",
        org.director,
    )
    assert merge.field_choices["taken"] == {"city": "北京", "email": "info@xc.cn"}
    assert merge.moved == {
        "contacts": 3,
        "follow_ups": 1,
        "tasks": 2,
        "tags": 1,
        "shares": 1,
        "schedule": 1,
        "records": 2,
        "return_visits": 0,
        "satisfaction": 0,
        "care_reminders": 0,
        "feedback_tickets": 0,
        "pool_history": 0,
        "opportunities": 0,
        "contracts": 0,
        "leads": 0,
    }
    record = Customer.history.filter(id=target.pk).order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason) == (org.director, "merge")
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.CUSTOMER_MERGE)
    assert (event.actor, event.target_id, event.data["source"]) == (
        org.director,
        str(target.pk),
        source.pk,
    )
    entries = [(e.kind, e.title) for e in customer_timeline(target, org.director)]
    assert ("merge", "Merged “北京星辰科技” into this customer") in entries
    # The merged duplicate cannot come back from the recycle bin.
    with pytest.raises(ValidationError) as caught:
        record_restore(model=Customer, pk=source.pk, actor=org.director)
    assert "was merged into “北京星辰科技有限公司”" in caught.value.messages[0]
    assert Customer.all_objects.get(pk=source.pk).is_deleted


def test_merge_refusals_change_nothing(org, book):
    source = make_customer(org.rep, "重复客户")
    before = full_snapshot()
    cases = [
        # the lead may transfer but not delete
        (PermissionDenied, dict(actor=org.lead, source=source, target=book["rep"])),
        (PermissionDenied, dict(actor=org.rep, source=source, target=book["rep"])),
        (PermissionDenied, dict(actor=org.deactivated, source=source, target=book["rep"])),
        (ValidationError, dict(actor=org.director, source=source, target=source)),
        (
            ValidationError,
            dict(
                actor=org.director,
                source=source,
                target=book["rep"],
                field_choices={"owner": "source"},
            ),
        ),
        (
            ValidationError,
            dict(
                actor=org.director, source=source, target=book["rep"], field_choices={"city": "x"}
            ),
        ),
        # the admin's customer is outside the director's scope
        (Customer.DoesNotExist, dict(actor=org.director, source=source, target=book["admin"])),
    ]
    for error, kwargs in cases:
        with pytest.raises(error):
            handover_services.customer_merge(**kwargs)
    assert full_snapshot() == before


def test_every_model_pointing_at_a_customer_is_covered_by_an_attachment():
    """Safety net: a later issue adding a foreign key to Customer must register an attachment
    (customers/handover/registry.py), or a merge would leave its rows on the deleted duplicate."""
    pointing = set()
    for model in apps.get_models(include_auto_created=True):
        if issubclass(model, HistoricalChanges):
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if getattr(field, "concrete", False) and getattr(field, "related_model", None) is (
                Customer
            ):
                pointing.add(model._meta.label_lower)
    assert pointing - customer_attachments.covered_models() == set()
    assert {"customers.contact", "customers.task", "customers.followup"} <= pointing
