"""Lead services (FUN-1): create with duplicate check, assignment rules, pool claims, status,
conversion in one step (exact values)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesdesk.core.locking import StaleEditError
from salesdesk.customers.models import Contact, Customer
from salesdesk.org.models import User
from salesdesk.pipeline.leads import services
from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule, LeadStatus
from salesdesk.pipeline.leads.selectors import lead_list, leads_visible, pool_leads
from salesdesk.pipeline.models import Opportunity, StageEvent
from salesdesk.sales.models import ProductLine

pytestmark = pytest.mark.django_db


def make_lead(actor, name="星辰科技有限公司", **fields):
    fields.setdefault("phone", "+86 138-0013-8000")
    return services.lead_create(actor=actor, name=name, **fields)


def test_create_sets_keys_owner_and_unit(org):
    lead = make_lead(org.rep, contact_name="王经理", email="Wang@Example.com", province="上海")
    lead.refresh_from_db()
    assert lead.owner_id == org.rep.pk
    assert lead.org_unit_id == org.team_a.pk
    assert lead.status == LeadStatus.NEW
    assert lead.name_key == "星辰科技"
    assert lead.phone_key == "13800138000"
    assert lead.email_key == "wang@example.com"
    assert lead.version == 1
    assert lead.history.count() == 1


def test_duplicate_against_lead_and_customer(org):
    make_lead(org.rep)
    with pytest.raises(services.DuplicateLeadError) as exc:
        make_lead(org.other_rep, name="Other", phone="13800138000")
    assert [h.matched_on for h in exc.value.lead_hits] == [["phone"]]
    # out of scope: masked
    assert exc.value.lead_hits[0].visible is False
    assert exc.value.lead_hits[0].name == "星辰****公司"
    from salesdesk.customers.services import customer_create

    customer_create(actor=org.rep, name="远航贸易有限公司")
    with pytest.raises(services.DuplicateLeadError) as exc:
        make_lead(org.rep, name="远航贸易(集团)有限公司", phone="")
    assert [h.matched_on for h in exc.value.customer_hits] == [["name"]]
    assert exc.value.lead_hits == []
    lead = make_lead(org.rep, name="远航贸易(集团)有限公司", phone="", allow_duplicate=True)
    assert lead.pk


def test_validation_changes_nothing(org):
    with pytest.raises(ValidationError) as exc:
        make_lead(org.rep, name="  ")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_lead(org.rep, name="A", email="nope")
    assert "email" in exc.value.message_dict
    assert Lead.all_objects.count() == 0


def test_round_robin_is_fair(org, admin=None):
    rule = services.assignment_rule_create(actor=org.admin, name="Team A", target_unit=org.team_a)
    members = list(User.objects.filter(unit=org.team_a, is_active=True).order_by("id"))
    assert [m.username for m in members] == ["lead", "rep"]
    owners = [
        make_lead(org.admin, name=f"L{i}", phone="", assign=services.ASSIGN_RULES).owner_id
        for i in range(5)
    ]
    assert owners == [members[i % 2].pk for i in range(5)]
    rule.refresh_from_db()
    assert rule.rr_counter == 5


def test_first_matching_rule_by_region_and_product_line(org):
    line = ProductLine.objects.create(code="erp", name="ERP")
    services.assignment_rule_create(
        actor=org.admin, name="ERP", order=1, product_line=line, target_user=org.other_rep
    )
    services.assignment_rule_create(
        actor=org.admin, name="上海", order=2, province="上海", target_user=org.rep
    )
    a = make_lead(org.admin, name="A", phone="", province="上海", assign="rules")
    b = make_lead(org.admin, name="B", phone="", province="上海", product_line=line, assign="rules")
    c = make_lead(org.admin, name="C", phone="", province="北京", assign="rules")
    assert (a.owner_id, a.org_unit_id) == (org.rep.pk, org.team_a.pk)
    assert (b.owner_id, b.org_unit_id) == (org.other_rep.pk, org.team_b.pk)
    assert c.owner_id is None  # no rule: the pool of the actor's unit
    assert c.org_unit_id == org.hq.pk


def test_rules_need_configure(org):
    with pytest.raises(PermissionDenied):
        services.assignment_rule_create(actor=org.rep, name="x", target_user=org.rep)
    with pytest.raises(ValidationError):
        services.assignment_rule_create(actor=org.admin, name="x")
    assert LeadAssignmentRule.objects.count() == 0


def test_pool_claim_once(org):
    lead = make_lead(org.lead, assign="pool", org_unit=org.team_a)
    assert list(pool_leads(org.rep)) == [lead]
    assert list(pool_leads(org.other_rep)) == []  # another team's pool
    claimed = services.lead_claim(actor=org.rep, lead=lead)
    assert (claimed.owner_id, claimed.version) == (org.rep.pk, 2)
    with pytest.raises(ValidationError):
        services.lead_claim(actor=org.lead, lead=lead)
    assert Lead.objects.get(pk=lead.pk).owner_id == org.rep.pk
    with pytest.raises(ValidationError):
        services.lead_claim(
            actor=org.other_rep, lead=make_lead(org.lead, name="B", phone="", assign="pool")
        )


def test_assign_needs_permission_and_scope(org):
    lead = make_lead(org.rep)
    with pytest.raises(PermissionDenied):
        services.lead_assign(actor=org.rep, leads=[lead], owner=org.lead)
    assert services.lead_assign(actor=org.director, leads=[lead], owner=org.other_rep) == 1
    lead.refresh_from_db()
    assert (lead.owner_id, lead.org_unit_id) == (org.other_rep.pk, org.team_b.pk)
    assert services.lead_assign(actor=org.director, leads=[lead], owner=None) == 1
    lead.refresh_from_db()
    assert lead.owner_id is None


def test_update_stale_and_status(org):
    lead = make_lead(org.rep)
    services.lead_update(actor=org.rep, lead=lead, expected_version=1, city="上海")
    with pytest.raises(StaleEditError):
        services.lead_update(actor=org.rep, lead=lead, expected_version=1, city="北京")
    with pytest.raises(Lead.DoesNotExist):
        services.lead_update(actor=org.other_rep, lead=lead, city="x")
    lead = services.lead_set_status(actor=org.rep, lead=lead, status=LeadStatus.CONTACTED)
    with pytest.raises(ValidationError):
        services.lead_set_status(actor=org.rep, lead=lead, status=LeadStatus.DISQUALIFIED)
    lead = services.lead_set_status(
        actor=org.rep, lead=lead, status=LeadStatus.DISQUALIFIED, reason="no budget"
    )
    assert (lead.status, lead.disqualify_reason, lead.version) == ("disqualified", "no budget", 4)
    with pytest.raises(ValidationError):
        services.lead_convert(actor=org.rep, lead=lead)


def test_convert_creates_exactly_one_of_each(org, pipeline):
    lead = make_lead(org.rep, contact_name="王经理", email="w@example.com", province="上海")
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(days=10))
    lead.refresh_from_db()
    result = services.lead_convert(
        actor=org.rep,
        lead=lead,
        expected_version=1,
        pipeline=pipeline,
        amount="12345.60",
        expected_close_date=date(2027, 3, 1),
    )
    assert Customer.objects.count() == 1
    assert Contact.objects.count() == 1
    assert Opportunity.objects.count() == 1
    c, opp = result.customer, result.opportunity
    assert (c.name, c.owner_id, c.province, c.phone) == (
        "星辰科技有限公司",
        org.rep.pk,
        "上海",
        "+86 138-0013-8000",
    )
    assert result.contact.customer_id == c.pk and result.contact.is_primary
    assert opp.amount == Decimal("12345.60")
    assert opp.expected_close_date == date(2027, 3, 1)
    assert opp.stage.order == min(s.order for s in pipeline.stages.filter(is_won=False))
    assert opp.lead_created_at == lead.created_at
    assert StageEvent.objects.filter(opportunity=opp).count() == 1
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert (lead.converted_customer_id, lead.converted_opportunity_id) == (c.pk, opp.pk)
    assert lead.history.count() == 2
    with pytest.raises(ValidationError):
        services.lead_convert(actor=org.rep, lead=lead)
    with pytest.raises(ValidationError):
        services.lead_update(actor=org.rep, lead=lead, city="x")
    assert Customer.objects.count() == 1 and Opportunity.objects.count() == 1


def test_convert_duplicate_path_and_existing_customer(org, pipeline):
    from salesdesk.customers.services import customer_create

    existing = customer_create(actor=org.rep, name="星辰科技")
    lead = make_lead(org.rep, allow_duplicate=True)
    with pytest.raises(ValidationError):
        services.lead_convert(actor=org.rep, lead=lead, pipeline=pipeline)
    # nothing was left behind
    assert Customer.objects.count() == 1
    assert Opportunity.objects.count() == 0
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW
    result = services.lead_convert(actor=org.rep, lead=lead, customer=existing, amount=5)
    assert result.customer.pk == existing.pk and result.customer_created is False
    assert Customer.objects.count() == 1
    assert result.opportunity.customer_id == existing.pk


def test_convert_failure_rolls_back(org, pipeline):
    lead = make_lead(org.rep, contact_name="王")
    with pytest.raises(ValidationError):
        services.lead_convert(actor=org.rep, lead=lead, amount="-bad")
    assert Customer.all_objects.count() == 0
    assert Contact.objects.count() == 0
    assert Opportunity.all_objects.count() == 0
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_pool_lead_conversion_gives_it_to_the_actor(org, pipeline):
    lead = make_lead(org.lead, assign="pool", org_unit=org.team_a, phone="")
    result = services.lead_convert(actor=org.rep, lead=lead)
    assert result.lead.owner_id == org.rep.pk
    assert result.customer.owner_id == org.rep.pk
    assert result.opportunity.owner_id == org.rep.pk


def test_visibility_and_views(org):
    mine = make_lead(org.rep, name="Mine", phone="")
    make_lead(org.other_rep, name="Theirs", phone="")
    pool = make_lead(org.admin, name="Pool", phone="", assign="pool", org_unit=org.hq)
    assert set(leads_visible(org.rep)) == {mine, pool}
    assert list(lead_list(org.rep, view="mine")) == [mine]
    assert list(lead_list(org.rep, view="pool")) == [pool]
    assert {x.name for x in lead_list(org.director, view="all")} == {"Mine", "Theirs"}


def test_timeline_shows_conversion(org, pipeline):
    from salesdesk.pipeline.leads.timeline import lead_entries

    lead = make_lead(org.rep, phone="")
    result = services.lead_convert(actor=org.rep, lead=lead)
    entries = lead_entries(result.customer, org.rep, 10)
    assert [e.title for e in entries] == ["Converted from lead"]


def test_delete_and_restore(org):
    lead = make_lead(org.rep, phone="")
    with pytest.raises(PermissionDenied):
        services.lead_delete(actor=org.rep, lead=lead)
    services.lead_delete(actor=org.admin, lead=lead)
    assert not Lead.objects.filter(pk=lead.pk).exists()
    services.lead_restore(actor=org.admin, lead=lead)
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_merge_moves_the_converted_lead_to_the_kept_customer(org, pipeline):
    from salesdesk.customers.handover.registry import customer_attachments
    from salesdesk.customers.services import customer_create

    result = services.lead_convert(actor=org.rep, lead=make_lead(org.rep, phone=""))
    kept = customer_create(actor=org.rep, name="保留客户")
    attachment = next(a for a in customer_attachments.attachments() if a.key == "leads")
    assert attachment.on_merge(source=result.customer, target=kept, actor=org.rep) == 1
    assert Lead.objects.get(pk=result.lead.pk).converted_customer_id == kept.pk
