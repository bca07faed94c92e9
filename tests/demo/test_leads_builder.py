"""Demo leads: count, every status, the pool, converted leads linked to their opportunities
(which carry lead_created_at before their own creation), assignment rules."""

from __future__ import annotations

from datetime import date

import pytest

from salesdesk.demo.runner import build_demo
from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule, LeadStatus
from salesdesk.pipeline.models import Opportunity

TODAY = date(2026, 3, 2)


@pytest.fixture
def small(db):
    return build_demo(size="small", seed=2026, today=TODAY)


def test_small_leads(small):
    assert small.counts["pipeline.Lead"] == 2_000 == Lead.objects.count()
    statuses = {s: Lead.objects.filter(status=s).count() for s in LeadStatus.values}
    assert all(n > 50 for n in statuses.values()), statuses
    assert statuses["converted"] == 2_000 // 7
    assert Lead.objects.filter(owner__isnull=True).count() > 100
    converted = Lead.objects.filter(status="converted").select_related("converted_opportunity")
    for lead in converted:
        opp = lead.converted_opportunity
        assert opp.customer_id == lead.converted_customer_id
        assert opp.lead_created_at == lead.created_at < opp.created_at
    assert Opportunity.objects.filter(lead_created_at__isnull=False).count() == 2_000 // 7
    assert LeadAssignmentRule.objects.count() == 2
    assert all(x.name_key for x in Lead.objects.only("name_key")[:100])
