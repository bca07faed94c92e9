"""A won opportunity becomes a draft contract (FUN-3 → SAL-2): its customer, title, channel and
products; only once, only when won, only for someone who can see it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from salesdesk.pipeline import services as pipeline
from salesdesk.sales.contracts import services as contracts
from salesdesk.sales.models import Contract, ContractStatus
from tests.pipeline.conftest import ensure_default_pipeline


def _won(org, customer, cat, **fields):
    ensure_default_pipeline()
    deal = pipeline.opportunity_create(
        actor=org.rep,
        customer=customer,
        title="CRM 项目",
        amount=Decimal("2199.98"),
        channel=cat.online,
        **fields,
    )
    return pipeline.opportunity_win(actor=org.rep, opportunity=deal, reason_note="价格合适")


def test_a_won_opportunity_becomes_a_draft_contract_once(org, cat, customers):
    lines = [{"product": cat.crm, "quantity": Decimal("2"), "unit_price": "1000"}]
    deal = _won(org, customers["rep"], cat, products=lines)
    contract = contracts.contract_create_from_opportunity(actor=org.rep, opportunity=deal)
    contract.refresh_from_db()
    assert (contract.opportunity_id, contract.customer_id, contract.title) == (
        deal.pk,
        customers["rep"].pk,
        "CRM 项目",
    )
    assert (contract.channel_id, contract.status, contract.total_amount) == (
        cat.online.pk,
        ContractStatus.DRAFT,
        Decimal("2000.00"),
    )
    with pytest.raises(ValidationError, match=contract.number):
        contracts.contract_create_from_opportunity(actor=org.rep, opportunity=deal, lines=lines)
    assert Contract.objects.filter(opportunity=deal).count() == 1


def test_open_or_unseen_opportunities_are_refused_and_nothing_is_written(org, cat, customers):
    ensure_default_pipeline()
    open_deal = pipeline.opportunity_create(
        actor=org.rep, customer=customers["rep"], title="未赢单", amount=Decimal("10")
    )
    lines = [{"product": cat.crm, "quantity": 1}]
    with pytest.raises(ValidationError, match="won"):
        contracts.contract_create_from_opportunity(
            actor=org.rep, opportunity=open_deal, lines=lines
        )
    won = _won(org, customers["rep"], cat)
    with pytest.raises(ValidationError):
        contracts.contract_create_from_opportunity(
            actor=org.other_rep, opportunity=won, lines=lines
        )
    assert Contract.objects.count() == 0


def test_the_contract_form_starts_from_the_opportunity(org, cat, customers):
    deal = _won(org, customers["rep"], cat)
    client = Client()
    client.force_login(org.rep)
    url = reverse("web:contract_create") + f"?opportunity={deal.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert "CRM 项目" in page.content.decode()
    response = client.post(
        url,
        {
            "customer": customers["rep"].pk,
            "title": "CRM 项目",
            "signed_on": "2026-12-01",
            "channel": cat.online.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": cat.crm.pk,
            "lines-0-quantity": "3",
            "lines-0-unit_price": "1000",
            "lines-0-discount_percent": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get(opportunity=deal)
    assert contract.total_amount == Decimal("3000.00")


def test_the_api_creates_the_contract_of_a_won_opportunity(org, cat, customers):
    from salesdesk.org.tokens import token_create

    deal = _won(org, customers["rep"], cat)
    _token, key = token_create(user=org.rep, name="test")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    body = {
        "customer": customers["rep"].pk,
        "title": "CRM 项目",
        "opportunity": deal.pk,
        "lines": [{"product": cat.crm.pk, "quantity": "1", "unit_price": "1000"}],
    }
    first = client.post("/api/v1/contracts", body, content_type="application/json")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/contracts", body, content_type="application/json")
    assert again.status_code == 422
    assert Contract.objects.get(opportunity=deal).pk == first.json()["id"]
