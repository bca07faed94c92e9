"""Customer, contact, follow-up and task services: rules, keys, access, and that denials change
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from salesdesk.core.locking import StaleEditError
from salesdesk.core.models import AuditEvent
from salesdesk.customers import services
from salesdesk.customers.duplicates import DuplicateCustomerError
from salesdesk.customers.models import Contact, Customer, FollowUp, Tag, Task
from tests.customers.conftest import make_customer

VALID_CODE = "91110108MA01ABCD2X"

VISIBLE = {
    "rep": {"rep"},
    "other_rep": {"other_rep"},
    "lead": {"rep", "lead"},
    "director": {"rep", "other_rep", "lead", "director"},
    "admin": {"rep", "other_rep", "lead", "director", "admin"},
    "deactivated": set(),
}


def test_create_computes_keys_and_defaults(org):
    tag = Tag.objects.create(name="高尔夫")
    customer = services.customer_create(
        actor=org.rep,
        name=" 北京星辰科技有限公司 ",
        phone="+86 138 0013 8000",
        email=" Info@XingChen.CN ",
        credit_code="91110108ma01abcd2x",
        tags=[tag.pk],
    )
    customer.refresh_from_db()
    assert (customer.owner, customer.org_unit) == (org.rep, org.team_a)
    assert customer.name == "北京星辰科技有限公司"
    assert customer.credit_code == VALID_CODE
    assert customer.name_key == "北京星辰科技"
    assert customer.phone_key == "13800138000"
    assert customer.email_key == "info@xingchen.cn"
    assert customer.credit_code_key == VALID_CODE
    assert (customer.name_pinyin, customer.name_initials) == (
        "beijingxingchenkejiyouxiangongsi",
        "bjxckjyxgs",
    )
    assert list(customer.tags.all()) == [tag]
    assert customer.version == 1
    record = Customer.history.get(id=customer.pk)
    assert (record.history_type, record.history_user) == ("+", org.rep)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "  "}, {"name": ["Enter the customer's name."]}),
        (
            {"name": "甲", "credit_code": "12345"},
            {"credit_code": ["Enter a valid unified social credit code (18 characters)."]},
        ),
        (
            {"name": "甲", "credit_code": "91110108MA01ABCDIX"},  # I is not allowed
            {"credit_code": ["Enter a valid unified social credit code (18 characters)."]},
        ),
        ({"name": "甲", "email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"name": "甲", "level": "Z"}, {"level": ["Value 'Z' is not a valid choice."]}),
    ],
)
def test_create_refuses_bad_input(org, snapshot, fields, errors):
    before = snapshot()
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            services.customer_create(actor=org.rep, **fields)
        assert caught.value.message_dict == errors
    assert snapshot() == before


def test_create_for_another_owner_needs_transfer_permission_and_scope(org, snapshot):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=org.rep, name="甲公司", owner=org.lead)
    with pytest.raises(ValidationError) as caught:  # other_rep is outside the lead's scope
        services.customer_create(actor=org.lead, name="甲公司", owner=org.other_rep)
    assert list(caught.value.message_dict) == ["owner"]
    with pytest.raises(ValidationError):  # deactivated owner
        services.customer_create(actor=org.lead, name="甲公司", owner=org.deactivated)
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=org.deactivated, name="甲公司")
    assert snapshot() == before
    made = services.customer_create(actor=org.lead, name="甲公司", owner=org.rep)
    assert (made.owner, made.org_unit) == (org.rep, org.team_a)
    made = services.customer_create(actor=org.director, name="乙公司", owner=org.other_rep)
    assert (made.owner, made.org_unit) == (org.other_rep, org.team_b)


def test_duplicates_block_unless_allowed_but_credit_code_always_blocks(org, snapshot):
    make_customer(org.other_rep, "上海远航贸易有限公司", credit_code=VALID_CODE)
    before = snapshot()
    with pytest.raises(DuplicateCustomerError) as caught:
        services.customer_create(actor=org.rep, name="上海远航贸易 有限责任公司")
    assert caught.value.blocking is False
    assert [(h.matched_on, h.visible, h.name, h.owner_name) for h in caught.value.hits] == [
        (["name"], False, "上海****公司", "赵*")
    ]
    assert caught.value.message_dict == {"name": ["A customer with the same name already exists."]}
    with pytest.raises(DuplicateCustomerError) as caught:
        services.customer_create(
            actor=org.rep, name="完全不同", credit_code=VALID_CODE.lower(), allow_duplicate=True
        )
    assert caught.value.blocking is True
    assert caught.value.hits[0].matched_on == ["credit_code"]
    assert snapshot() == before
    made = services.customer_create(
        actor=org.rep, name="上海远航贸易 有限责任公司", allow_duplicate=True
    )
    assert (made.name_key, made.owner) == ("上海远航贸易", org.rep)


def test_update_recomputes_keys_checks_duplicates_and_version(org, snapshot):
    customer = make_customer(org.rep, "北京星辰科技有限公司", phone="010-1")
    other = make_customer(org.rep, "广州白云电器", credit_code=VALID_CODE)
    updated = services.customer_update(
        actor=org.rep,
        customer=customer,
        expected_version=1,
        name="星辰智能",
        phone="+86 139 5555 6666",
    )
    assert (updated.version, updated.name_key, updated.phone_key) == (2, "星辰智能", "13955556666")
    assert (updated.name_pinyin, updated.name_initials) == ("xingchenzhineng", "xczn")
    before = snapshot()
    with pytest.raises(StaleEditError):
        services.customer_update(actor=org.rep, customer=customer, expected_version=1, notes="x")
    with pytest.raises(DuplicateCustomerError):
        services.customer_update(
            actor=org.rep, customer=customer, credit_code=VALID_CODE, allow_duplicate=True
        )
    with pytest.raises(ValidationError) as caught:
        services.customer_update(actor=org.rep, customer=customer, owner=org.lead)
    assert list(caught.value.message_dict) == ["owner"]
    assert snapshot() == before
    # Editing the duplicate itself does not trip over its own keys.
    assert services.customer_update(actor=org.rep, customer=other, notes="ok").version == 2


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_update_access_matrix(org, book, snapshot, persona):
    actor = org.personas()[persona]
    for owner_persona, customer in book.items():
        before = snapshot()
        if owner_persona in VISIBLE[persona]:
            services.customer_update(actor=actor, customer=customer, notes=f"by {persona}")
            assert Customer.objects.get(pk=customer.pk).notes == f"by {persona}"
        else:
            with pytest.raises((Customer.DoesNotExist, PermissionDenied)):
                services.customer_update(actor=actor, customer=customer, notes="x")
            assert snapshot() == before


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_delete_access_matrix(org, book, snapshot, persona):
    actor = org.personas()[persona]
    may_delete = persona in {"director", "admin"}
    for owner_persona, customer in book.items():
        before = snapshot()
        if may_delete and owner_persona in VISIBLE[persona]:
            services.customer_delete(actor=actor, customer=customer)
            assert Customer.all_objects.get(pk=customer.pk).deleted_by == actor
            assert (
                AuditEvent.objects.filter(
                    kind=AuditEvent.Kind.RECORD_DELETED, target_id=str(customer.pk)
                ).count()
                == 1
            )
        else:
            with pytest.raises((Customer.DoesNotExist, PermissionDenied)):
                services.customer_delete(actor=actor, customer=customer)
            assert snapshot() == before


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_transfer_access_matrix(org, book, snapshot, persona):
    """Transfer needs the permission, the customer in scope and the new owner in scope."""
    actor = org.personas()[persona]
    customer = book["rep"]
    before = snapshot()
    if persona in {"lead", "director", "admin"}:
        services.customer_transfer(actor=actor, customer=customer, new_owner=org.lead)
        customer.refresh_from_db()
        assert (customer.owner, customer.org_unit, customer.version) == (org.lead, org.team_a, 2)
    else:
        with pytest.raises(PermissionDenied):
            services.customer_transfer(actor=actor, customer=customer, new_owner=org.lead)
        assert snapshot() == before


def test_transfer_moves_unit_and_the_previous_owners_open_tasks(org, book, snapshot):
    customer = book["rep"]
    soon = timezone.now() + timedelta(days=1)
    mine = services.task_create(actor=org.rep, title="回访", due_at=soon, customer=customer)
    done = services.task_create(actor=org.rep, title="旧任务", due_at=soon, customer=customer)
    services.task_complete(actor=org.rep, task=done)
    leads = services.task_create(actor=org.lead, title="主管跟进", due_at=soon, customer=customer)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:  # other_rep is outside the lead's scope
        services.customer_transfer(actor=org.lead, customer=customer, new_owner=org.other_rep)
    assert list(caught.value.message_dict) == ["new_owner"]
    with pytest.raises(ValidationError):  # already the owner
        services.customer_transfer(actor=org.director, customer=customer, new_owner=org.rep)
    assert snapshot() == before
    services.customer_transfer(actor=org.director, customer=customer, new_owner=org.other_rep)
    customer.refresh_from_db()
    assert (customer.owner, customer.org_unit) == (org.other_rep, org.team_b)
    tasks = dict(Task.objects.filter(customer=customer).values_list("pk", "owner_id"))
    assert tasks == {mine.pk: org.other_rep.pk, done.pk: org.rep.pk, leads.pk: org.lead.pk}
    record = Customer.history.filter(id=customer.pk).order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason, record.owner_id) == (
        org.director,
        "transfer",
        org.other_rep.pk,
    )


def test_contacts_primary_and_keys(org, book, snapshot):
    customer = make_customer(org.rep, "苏州工业园区测试厂")
    first = services.contact_create(
        actor=org.rep, customer=customer, name="王小明", mobile="+86 139-0000-1111", email="W@x.CN"
    )
    assert first.is_primary is True
    assert (first.mobile_key, first.email_key, first.name_initials) == (
        "13900001111",
        "w@x.cn",
        "wxm",
    )
    second = services.contact_create(actor=org.rep, customer=customer, name="李四")
    assert second.is_primary is False
    third = services.contact_create(actor=org.rep, customer=customer, name="赵五", is_primary=True)
    flags = dict(Contact.objects.filter(customer=customer).values_list("name", "is_primary"))
    assert flags == {"王小明": False, "李四": False, "赵五": True}
    services.contact_update(actor=org.rep, contact=second, expected_version=1, is_primary=True)
    flags = dict(Contact.objects.filter(customer=customer).values_list("name", "is_primary"))
    assert flags == {"王小明": False, "李四": True, "赵五": False}
    before = snapshot()
    with pytest.raises(StaleEditError):
        services.contact_update(actor=org.rep, contact=second, expected_version=1, title="x")
    with pytest.raises(Customer.DoesNotExist):
        services.contact_create(actor=org.other_rep, customer=customer, name="外人")
    with pytest.raises(Contact.DoesNotExist):
        services.contact_update(actor=org.other_rep, contact=third, title="x")
    with pytest.raises(PermissionDenied):  # reps may not delete
        services.contact_delete(actor=org.rep, contact=second)
    assert snapshot() == before
    services.contact_delete(actor=org.director, contact=Contact.objects.get(pk=second.pk))
    flags = dict(Contact.objects.filter(customer=customer).values_list("name", "is_primary"))
    assert flags == {"王小明": True, "赵五": False}


def test_follow_up_sets_rhythm_and_creates_task(org, book, snapshot):
    customer = book["rep"]
    contact = customer.contacts.get()
    when = timezone.now() - timedelta(hours=2)
    nxt = timezone.now() + timedelta(days=3)
    with translation.override("en"):
        follow_up = services.follow_up_create(
            actor=org.lead,
            customer=customer,
            kind="visit",
            content="  上门拜访  ",
            occurred_at=when,
            contacts=[contact],
            next_contact_at=nxt,
        )
    customer.refresh_from_db()
    assert (customer.last_follow_up_at, customer.next_follow_up_at) == (when, nxt)
    assert customer.version == 1  # the rhythm does not make open edit forms stale
    assert follow_up.content == "上门拜访"
    assert list(follow_up.contacts.all()) == [contact]
    task = Task.objects.get(follow_up=follow_up)
    assert (task.owner, task.org_unit, task.customer, task.due_at, task.source) == (
        org.rep,
        org.team_a,
        customer,
        nxt,
        Task.Source.FOLLOW_UP,
    )
    assert task.title == "Contact 北京星辰科技有限公司"  # in the actor's language
    # An older follow-up does not move the last follow-up back.
    services.follow_up_create(
        actor=org.rep,
        customer=customer,
        kind="call",
        content="电话",
        occurred_at=when - timedelta(days=1),
    )
    customer.refresh_from_db()
    assert customer.last_follow_up_at == when
    before = snapshot()
    other_contact = book["other_rep"].contacts.get()
    with pytest.raises(ValidationError) as caught:
        services.follow_up_create(
            actor=org.director,
            customer=customer,
            kind="call",
            content="x",
            contacts=[other_contact],
        )
    assert list(caught.value.message_dict) == ["contacts"]
    with pytest.raises(ValidationError):
        services.follow_up_create(actor=org.rep, customer=customer, kind="fax", content="x")
    with pytest.raises(ValidationError):
        services.follow_up_create(
            actor=org.rep,
            customer=customer,
            kind="call",
            content="x",
            occurred_at=nxt,
            next_contact_at=when,
        )
    with pytest.raises(Customer.DoesNotExist):
        services.follow_up_create(actor=org.other_rep, customer=customer, kind="call", content="x")
    with pytest.raises(PermissionDenied):
        services.follow_up_create(
            actor=org.deactivated, customer=customer, kind="call", content="x"
        )
    assert snapshot() == before


def test_completing_tasks_recomputes_next_follow_up_only_when_needed(org, book):
    customer = book["rep"]
    now = timezone.now()
    services.follow_up_create(
        actor=org.rep,
        customer=customer,
        kind="call",
        content="a",
        next_contact_at=now + timedelta(days=5),
    )
    planned = Task.objects.get(customer=customer)
    other = services.task_create(
        actor=org.rep, title="寄样品", due_at=now + timedelta(days=2), customer=customer
    )
    customer.refresh_from_db()
    assert customer.next_follow_up_at == now + timedelta(days=2)  # brought forward
    services.task_complete(actor=org.rep, task=planned)  # not the one it points at
    customer.refresh_from_db()
    assert customer.next_follow_up_at == now + timedelta(days=2)
    services.task_complete(actor=org.rep, task=other)  # no open task left
    customer.refresh_from_db()
    assert customer.next_follow_up_at is None
    services.task_reopen(actor=org.rep, task=planned)
    customer.refresh_from_db()
    assert customer.next_follow_up_at == now + timedelta(days=5)
    with pytest.raises(ValidationError):
        services.task_reopen(actor=org.rep, task=planned)
    with pytest.raises(Task.DoesNotExist):
        services.task_complete(actor=org.other_rep, task=planned)
    # The lead may complete the subordinate's task (own + subordinates scope).
    assert services.task_complete(actor=org.lead, task=planned).done_at is not None


def test_task_create_rules(org, book, snapshot):
    due = timezone.now() + timedelta(days=1)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.task_create(actor=org.rep, title=" ", due_at=due)
    with pytest.raises(ValidationError):  # outside the rep's scope
        services.task_create(actor=org.rep, title="x", due_at=due, owner=org.lead)
    with pytest.raises(Customer.DoesNotExist):
        services.task_create(actor=org.rep, title="x", due_at=due, customer=book["other_rep"])
    assert snapshot() == before
    task = services.task_create(actor=org.lead, title="给张三", due_at=due, owner=org.rep)
    assert (task.owner, task.org_unit, task.customer) == (org.rep, org.team_a, None)


def test_follow_up_delete_recomputes_last_follow_up(org, book):
    customer = book["rep"]
    t1 = timezone.now() - timedelta(days=3)
    t2 = timezone.now() - timedelta(days=1)
    services.follow_up_create(
        actor=org.rep, customer=customer, kind="call", content="a", occurred_at=t1
    )
    latest = services.follow_up_create(
        actor=org.rep, customer=customer, kind="call", content="b", occurred_at=t2
    )
    with pytest.raises(PermissionDenied):
        services.follow_up_delete(actor=org.rep, follow_up=latest)
    services.follow_up_delete(actor=org.director, follow_up=latest)
    customer.refresh_from_db()
    assert customer.last_follow_up_at == t1
    assert FollowUp.objects.filter(customer=customer).count() == 1


def test_tag_create_reuses_existing(org):
    tag = services.tag_create(actor=org.rep, name=" 高尔夫 ", category="interest")
    assert services.tag_create(actor=org.lead, name="高尔夫", category="interest") == tag
    with pytest.raises(ValidationError):
        services.tag_create(actor=org.rep, name="x", category="nope")
    with pytest.raises(PermissionDenied):
        services.tag_create(actor=org.deactivated, name="y")
    assert Tag.objects.count() == 1
