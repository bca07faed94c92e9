"""Lead pages: create (duplicate warning), list views and query pin, claim from the pool, stale
edit refused, status, convert to customer + opportunity, rules settings, 360 timeline."""

from __future__ import annotations

from django.urls import reverse

from salesdesk.customers.models import Customer
from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule
from salesdesk.pipeline.leads.services import lead_create
from salesdesk.pipeline.models import Opportunity
from tests.pipeline import conftest as funnel

pipeline = funnel.pipeline


def test_create_and_duplicate_warning(org, login):
    client = login(org.rep)
    data = {"name": "页面线索有限公司", "phone": "13700000000", "source": "website", "assign": "me"}
    response = client.post(reverse("web:lead_create"), data)
    lead = Lead.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "web:lead_detail", args=[lead.pk]
    )
    again = client.post(reverse("web:lead_create"), {**data, "name": "别的"})
    assert again.status_code == 422 and "Possible duplicates" in again.content.decode()
    assert Lead.objects.count() == 1
    client.post(reverse("web:lead_create"), {**data, "name": "别的", "allow_duplicate": "on"})
    assert Lead.objects.count() == 2


def test_list_query_pin(org, login, django_assert_num_queries):
    for i in range(30):
        lead_create(actor=org.rep, name=f"线索{i}")
    client = login(org.rep)
    client.get(reverse("web:leads"))
    # session, user, nav badges, remembered columns, product lines, owners, one page of rows
    with django_assert_num_queries(7):
        response = client.get(reverse("web:leads"))
    assert len(response.context["rows"]) == 25
    second = client.get(reverse("web:leads") + response.context["next_url"])
    assert len(second.context["rows"]) == 5
    client.post(
        reverse("web:list_columns", args=["leads"]),
        {"columns": ["contact_name", "phone", "status", "source", "region", "industry", "owner"]},
    )
    for i in range(30, 60):
        lead_create(actor=org.rep, name=f"线索{i}")
    with django_assert_num_queries(7):
        response = client.get(reverse("web:leads"))
    assert len(response.context["table_rows"]) == 25
    assert [h["key"] for h in response.context["column_headers"]] == [
        "contact_name",
        "phone",
        "status",
        "source",
        "region",
        "industry",
        "owner",
    ]


def test_pool_claim_from_the_list(org, login):
    lead = lead_create(actor=org.lead, name="池中线索", assign="pool")
    client = login(org.rep)
    page = client.get(reverse("web:leads") + "?view=pool")
    assert [r.pk for r in page.context["rows"]] == [lead.pk]
    client.post(reverse("web:lead_claim", args=[lead.pk]))
    assert Lead.objects.get(pk=lead.pk).owner_id == org.rep.pk


def test_stale_edit_refused(org, login):
    lead = lead_create(actor=org.rep, name="编辑线索")
    client = login(org.rep)
    form = {"name": "编辑线索", "source": "other", "city": "A", "version": 1}
    assert client.post(reverse("web:lead_edit", args=[lead.pk]), form).status_code == 302
    stale = client.post(reverse("web:lead_edit", args=[lead.pk]), {**form, "city": "B"})
    assert stale.status_code == 409
    assert Lead.objects.get(pk=lead.pk).city == "A"


def test_convert_from_the_detail_page(org, login, pipeline):
    lead = lead_create(actor=org.rep, name="转化线索有限公司", contact_name="周")
    client = login(org.rep)
    detail = client.get(reverse("web:lead_detail", args=[lead.pk]))
    assert "Convert to customer and opportunity" in detail.content.decode()
    response = client.post(
        reverse("web:lead_convert", args=[lead.pk]),
        {"version": 1, "create_opportunity": "on", "pipeline": pipeline.pk, "amount": "500"},
    )
    opp = Opportunity.objects.get()
    assert response.url == reverse("web:opportunity_detail", args=[opp.pk])
    customer = Customer.objects.get()
    page = client.get(reverse("web:customer_timeline", args=[customer.pk]))
    assert "Converted from lead" in page.content.decode()
    assert (
        "Convert to customer"
        not in client.get(reverse("web:lead_detail", args=[lead.pk])).content.decode()
    )


def test_rules_page(org, login):
    client = login(org.admin)
    client.post(
        reverse("web:lead_rules"), {"name": "一组", "order": 0, "target_unit": org.team_a.pk}
    )
    rule = LeadAssignmentRule.objects.get()
    assert "一组" in client.get(reverse("web:lead_rules")).content.decode()
    client.post(reverse("web:lead_rules"), {"delete": rule.pk})
    assert LeadAssignmentRule.objects.count() == 0
