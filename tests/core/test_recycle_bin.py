"""DAT-4: soft delete, restore and purge through the recycle bin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesdesk.core.models import AuditEvent
from salesdesk.core.recycle import purge_expired, record_purge, record_restore, record_soft_delete
from salesdesk.org.models import OrgUnit
from tests.scoping_app.models import Record


def test_soft_delete_hides_and_restore_brings_back(org):
    record = Record.objects.create(title="r", owner=org.rep, org_unit=org.team_a)
    record_soft_delete(model=Record, pk=record.pk, actor=org.director)
    assert Record.objects.filter(pk=record.pk).exists() is False
    assert Record.all_objects.get(pk=record.pk).deleted_by == org.director
    record_restore(model=Record, pk=record.pk, actor=org.director)
    assert Record.objects.get(pk=record.pk).deleted_at is None
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["record_deleted", "record_restored"]


def test_delete_needs_permission_and_scope(org):
    record = Record.objects.create(title="r", owner=org.rep, org_unit=org.team_a)
    with pytest.raises(PermissionDenied):
        record_soft_delete(model=Record, pk=record.pk, actor=org.rep)  # reps lack can_delete
    assert Record.objects.filter(pk=record.pk).exists()
    other = Record.objects.create(title="o", owner=org.admin, org_unit=org.hq)
    with pytest.raises(Record.DoesNotExist):
        record_soft_delete(model=Record, pk=other.pk, actor=org.director)  # outside East
    assert Record.objects.filter(pk=other.pk).exists()


def test_purge_is_admin_only(org):
    record = Record.objects.create(title="r", owner=org.rep, org_unit=org.team_a)
    record_soft_delete(model=Record, pk=record.pk, actor=org.director)
    with pytest.raises(PermissionDenied):
        record_purge(model=Record, pk=record.pk, actor=org.director)
    assert Record.all_objects.filter(pk=record.pk).exists()
    record_purge(model=Record, pk=record.pk, actor=org.admin)
    assert Record.all_objects.filter(pk=record.pk).exists() is False


def test_purge_expired_respects_retention(org, settings):
    settings.SALESDESK_RECYCLE_RETENTION_DAYS = 30
    now = timezone.now()
    old = Record.objects.create(
        title="old", owner=org.rep, org_unit=org.team_a, deleted_at=now - timedelta(days=31)
    )
    recent = Record.objects.create(
        title="recent", owner=org.rep, org_unit=org.team_a, deleted_at=now - timedelta(days=29)
    )
    alive = Record.objects.create(title="alive", owner=org.rep, org_unit=org.team_a)
    assert purge_expired(now=now) == 1
    assert set(Record.all_objects.values_list("pk", flat=True)) == {recent.pk, alive.pk}
    assert old.pk not in set(Record.all_objects.values_list("pk", flat=True))
    assert purge_expired(now=now) == 0


def test_unit_with_members_cannot_be_deleted(org):
    with pytest.raises(ValidationError):
        record_soft_delete(model=OrgUnit, pk=org.team_b.pk, actor=org.admin)
    assert OrgUnit.objects.filter(pk=org.team_b.pk).exists()
    org.other_rep.is_active = False
    org.other_rep.save()
    record_soft_delete(model=OrgUnit, pk=org.team_b.pk, actor=org.admin)
    assert OrgUnit.objects.filter(pk=org.team_b.pk).exists() is False
    record_restore(model=OrgUnit, pk=org.team_b.pk, actor=org.admin)
    assert OrgUnit.objects.filter(pk=org.team_b.pk).exists()
