"""Funnel pages (FUN-2..4): list, detail, forms, moves from the detail page and the board (JSON,
stale refusal), the board and its lazy columns, settings; query pins."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from salesdesk.pipeline import services
from salesdesk.pipeline.models import Opportunity, Reason, Stage, StageEvent
from salesdesk.web.pipeline.table import OPPORTUNITY_COLUMNS
from tests.pipeline import conftest as funnel
from tests.pipeline.conftest import make_deal, recomputed_stats, stored_stats

# the funnel fixtures (tests/pipeline/conftest.py)
customers = funnel.customers
pipeline = funnel.pipeline
stages = funnel.stages


@pytest.fixture
def deal(org, customers, pipeline):
    return make_deal(org.rep, customers["rep"], "ERP 升级", amount=Decimal("120000"))


def test_list_shows_visible_deals_only(org, customers, login, pipeline):
    make_deal(org.rep, customers["rep"], "Mine 我的")
    make_deal(org.other_rep, customers["other_rep"], "Other 别人的")
    page = login(org.rep).get(reverse("web:opportunities")).content.decode()
    assert "Mine 我的" in page and "Other 别人的" not in page
    page = login(org.director).get(reverse("web:opportunities")).content.decode()
    assert "Mine 我的" in page and "Other 别人的" in page


def test_list_keyset_pages(org, customers, login, pipeline):
    for i in range(30):
        make_deal(org.rep, customers["rep"], f"Deal {i:02d}", amount=i)
    client = login(org.rep)
    first = client.get(reverse("web:opportunities"), {"sort": "amount", "size": 25})
    body = first.content.decode()
    assert "Deal 00" in body and "Deal 24" in body and "Deal 25" not in body
    next_url = first.context["next_url"]
    second = client.get(reverse("web:opportunities") + next_url).content.decode()
    assert "Deal 25" in second and "Deal 29" in second and "Deal 24" not in second


def test_list_filters(org, customers, login, stages):
    a = make_deal(org.rep, customers["rep"], "Alpha")
    make_deal(org.rep, customers["rep"], "Beta")
    services.opportunity_move_stage(opportunity=a, stage=stages[2], actor=org.rep)
    page = login(org.rep).get(reverse("web:opportunities"), {"stage": stages[2].pk})
    assert [o.title for o in page.context["rows"]] == ["Alpha"]


def test_list_query_count_pinned(org, customers, login, pipeline, django_assert_num_queries):
    for i in range(5):
        make_deal(org.rep, customers["rep"], f"D{i}")
    client = login(org.rep)
    client.get(reverse("web:opportunities"))
    # ... + the remembered columns (one query)
    with django_assert_num_queries(11):
        response = client.get(reverse("web:opportunities"))
    assert response.status_code == 200
    for i in range(5, 40):
        make_deal(org.rep, customers["rep"], f"D{i}")
    every = ",".join(c.key for c in OPPORTUNITY_COLUMNS.columns)
    client.post(reverse("web:list_columns", args=["opportunities"]), {"columns": every.split(",")})
    with django_assert_num_queries(11):
        response = client.get(reverse("web:opportunities"))
    assert len(response.context["table_rows"]) == 25


def test_detail_and_customer_tab_and_timeline(org, customers, login, deal):
    client = login(org.rep)
    page = client.get(reverse("web:opportunity_detail", args=[deal.pk])).content.decode()
    assert "ERP 升级" in page and "¥120,000.00" in page
    tab = client.get(
        reverse("web:customer_detail", args=[customers["rep"].pk]), {"tab": "opportunities"}
    ).content.decode()
    assert "ERP 升级" in tab
    timeline = client.get(
        reverse("web:customer_timeline", args=[customers["rep"].pk])
    ).content.decode()
    assert "Opportunity created" in timeline
    assert (
        login(org.other_rep).get(reverse("web:opportunity_detail", args=[deal.pk])).status_code
        == 404
    )


def test_create_and_edit_forms(org, customers, login, stages):
    client = login(org.rep)
    response = client.post(
        reverse("web:opportunity_create"),
        {
            "customer": customers["rep"].pk,
            "title": "新商机",
            "stage": stages[1].pk,
            "amount": "5000",
        },
    )
    opp = Opportunity.objects.get(title="新商机")
    assert response.status_code == 302 and opp.stage == stages[1] and opp.amount == 5000
    edit = reverse("web:opportunity_edit", args=[opp.pk])
    response = client.post(edit, {"title": "改名", "amount": "6000", "version": 1})
    opp.refresh_from_db()
    assert response.status_code == 302 and (opp.title, opp.version) == ("改名", 2)
    stale = client.post(edit, {"title": "旧表单", "amount": "1", "version": 1})
    assert stale.status_code == 409
    opp.refresh_from_db()
    assert opp.title == "改名"


def test_board_move_json_and_stale_refusal(org, customers, login, stages, deal):
    client = login(org.rep)
    url = reverse("web:opportunity_move", args=[deal.pk])
    ok = client.post(url, {"stage": stages[2].pk, "version": 1}, HTTP_X_SD_BOARD="1")
    assert ok.status_code == 200 and json.loads(ok.content)["version"] == 2
    stale = client.post(url, {"stage": stages[3].pk, "version": 1}, HTTP_X_SD_BOARD="1")
    assert stale.status_code == 409 and json.loads(stale.content)["stale"] is True
    deal.refresh_from_db()
    assert deal.stage == stages[2] and StageEvent.objects.filter(opportunity=deal).count() == 2
    won = Reason.objects.filter(kind="won").first()
    missing = client.post(url, {"stage": stages[5].pk, "version": 2}, HTTP_X_SD_BOARD="1")
    assert missing.status_code == 400
    win = client.post(
        url, {"stage": stages[5].pk, "version": 2, "reason": won.pk}, HTTP_X_SD_BOARD="1"
    )
    assert json.loads(win.content)["status"] == "won"
    lost_url = reverse("web:opportunity_lose", args=[deal.pk])
    refused = client.post(lost_url, {"version": 3}, HTTP_X_SD_BOARD="1")
    assert refused.status_code == 400
    assert stored_stats() == recomputed_stats()


def test_board_columns_and_totals(
    org, customers, login, pipeline, stages, django_assert_num_queries
):
    for i in range(35):
        make_deal(org.rep, customers["rep"], f"Card {i}", amount=100)
    client = login(org.rep)
    board = client.get(reverse("web:board"))
    first = board.context["columns"][0]
    assert (first["count"], first["amount"], first["weighted"]) == (
        35,
        Decimal("3500"),
        Decimal("175.00"),
    )
    col_url = reverse("web:board_column", args=[pipeline.pk, stages[0].pk])
    client.get(col_url)
    with django_assert_num_queries(5):
        cards = client.get(col_url)
    assert len(cards.context["cards"]) == 30 and cards.context["more_query"]
    more = client.get(f"{col_url}?{cards.context['more_query']}")
    assert len(more.context["cards"]) == 5 and not more.context["more_query"]
    # session, user, pipeline, stages, two header aggregates, one card query per column (7),
    # reasons, pipelines, filter choices (3), unread count: whatever the number of deals (the
    # quick-add customers come when the form is shown)
    with django_assert_num_queries(19):
        board = client.get(reverse("web:board"))
    assert len(board.context["columns"][0]["cards"]) == 30
    assert board.context["columns"][0]["more_query"]


def test_board_card_markup_escapes_and_flags_stale(org, customers, login, pipeline, stages):
    """Cards are rendered in Python (web/pipeline/cards.py): every value is escaped, and a card
    past its stage's stale threshold says so."""
    deal = make_deal(org.rep, customers["rep"], "<b>\"ERP\" & 'CRM'</b>", amount=Decimal("1234.5"))
    Opportunity.objects.filter(pk=deal.pk).update(
        stage_entered_at=deal.stage_entered_at - timedelta(days=40)
    )
    Stage.objects.filter(pk=deal.stage_id).update(stale_days=30)
    client = login(org.rep)
    html = client.get(reverse("web:board_card", args=[deal.pk])).content.decode()
    title = "&lt;b&gt;&quot;ERP&quot; &amp; &#x27;CRM&#x27;&lt;/b&gt;"
    assert f'aria-label="{title}"' in html
    assert f'href="/opportunities/{deal.pk}/">{title}</a>' in html
    assert "<b>" not in html
    assert 'class="sd-deal sd-deal-stale"' in html and "40 days in stage" in html
    assert f'data-amount="1234.50" data-stage-id="{deal.stage_id}"' in html
    assert "¥1,234.50" in html
    board = client.get(reverse("web:board")).content.decode()
    assert html in board


def test_won_column_shows_latest_wins_first_and_pages_by_close_time(
    org, customers, login, pipeline, stages
):
    """Won columns list the last 30 days' wins, latest first (keyset on close time, id); older
    wins and open deals are not in them."""
    from django.utils import timezone

    from salesdesk.pipeline.selectors import board_cards, board_totals

    now = timezone.now()
    won = []
    for i, days_ago in enumerate([3, 1, 20, 1, 45, 10]):
        deal = make_deal(org.rep, customers["rep"], f"W{i}", amount=10)
        services.opportunity_win(actor=org.rep, opportunity=deal, reason_note="ok")
        Opportunity.objects.filter(pk=deal.pk).update(closed_at=now - timedelta(days=days_ago))
        won.append(deal)
    make_deal(org.rep, customers["rep"], "still open")
    won_stage = Stage.objects.get(pipeline=pipeline, is_won=True)
    first, last_id = board_cards(org.rep, pipeline, won_stage, {}, limit=2)
    # W1 and W3 closed at the same time: the higher id first
    assert [c.title for c in first] == ["W3", "W1"] and last_id == won[1].pk
    second, last_id = board_cards(org.rep, pipeline, won_stage, {}, after_id=last_id, limit=2)
    assert [c.title for c in second] == ["W0", "W5"]
    third, last_id = board_cards(org.rep, pipeline, won_stage, {}, after_id=last_id, limit=2)
    assert [c.title for c in third] == ["W2"] and last_id is None
    totals = board_totals(org.rep, pipeline, list(stages), {})
    assert totals[won_stage.pk][:2] == (5, Decimal("50"))


def test_quick_add(org, customers, login, pipeline, stages):
    client = login(org.rep)
    options = client.get(reverse("web:board_customer_options")).content.decode()
    assert f'<option value="{customers["rep"].pk}">' in options
    assert f'<option value="{customers["other_rep"].pk}">' not in options
    client.post(
        reverse("web:board_quick_add", args=[pipeline.pk, stages[1].pk]),
        {"customer": customers["rep"].pk, "title": "快速", "amount": "10"},
    )
    assert Opportunity.objects.get(title="快速").stage == stages[1]


def test_settings_pages_need_configure(org, login, pipeline, stages):
    assert login(org.rep).get(reverse("web:settings_pipelines")).status_code == 403
    client = login(org.admin)
    assert client.get(reverse("web:settings_pipelines")).status_code == 200
    url = reverse("web:settings_pipeline", args=[pipeline.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"action": "add_stage", "s-name": "技术评估", "s-probability": 50})
    new = Stage.objects.get(name="技术评估")
    assert new.order == 5  # before the won stage
    client.post(url, {"action": "up", "stage": new.pk})
    new.refresh_from_db()
    assert new.order == 4


def test_archive_stage_moves_open_deals(org, customers, login, pipeline, stages, deal):
    client = login(org.admin)
    url = reverse("web:settings_pipeline", args=[pipeline.pk])
    client.post(url, {"action": "archive", "stage": stages[0].pk})
    stages[0].refresh_from_db()
    assert not stages[0].is_archived  # refused: it holds an open deal
    client.post(url, {"action": "archive", "stage": stages[0].pk, "move_to": stages[1].pk})
    stages[0].refresh_from_db()
    deal.refresh_from_db()
    assert stages[0].is_archived and deal.stage == stages[1]
    assert stored_stats() == recomputed_stats()
    client.post(url, {"action": "delete", "stage": stages[0].pk})
    assert Stage.objects.filter(pk=stages[0].pk).exists()


def test_global_search_finds_deal(org, customers, login, deal):
    from salesdesk.core.search import search_registry

    groups = search_registry.search(org.rep, "ERP")
    assert any(g.key == "opportunities" and g.hits[0].title == "ERP 升级" for g in groups)
    assert not any(g.key == "opportunities" for g in search_registry.search(org.other_rep, "ERP"))


def test_export(org, customers, login, deal):
    assert login(org.rep).get(reverse("web:opportunity_export")).status_code == 403
    response = login(org.admin).get(reverse("web:opportunity_export"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "ERP 升级" in body and "北京星辰科技有限公司" in body


def test_funnel_and_time_metrics_pages(org, customers, login, stages, django_assert_num_queries):
    deal = make_deal(org.rep, customers["rep"], "Metric deal", amount=100)
    services.opportunity_move_stage(opportunity=deal, stage=stages[2], actor=org.rep)
    client = login(org.rep)
    client.get(reverse("web:funnel"))
    with django_assert_num_queries(8):
        funnel = client.get(reverse("web:funnel"))
    assert "funnel-data" in funnel.content.decode()
    assert [r.open_count for r in funnel.context["rows"]][:3] == [0, 0, 1]
    client.get(reverse("web:time_metrics"))
    with django_assert_num_queries(11):
        page = client.get(reverse("web:time_metrics"))
    assert [r.name for r in page.context["metrics"].reps] == [org.rep.name]


def test_time_metrics_page_figures_and_drill_down(
    org, customers, login, stages, django_assert_num_queries
):
    now = timezone.now()
    slow = make_deal(org.rep, customers["rep"], "Slow <b>deal</b>", at=now - timedelta(days=9))
    fast = make_deal(org.rep, customers["rep"], "Fast deal", at=now - timedelta(days=3))
    theirs = make_deal(
        org.other_rep, customers["other_rep"], "Their deal", at=now - timedelta(days=7)
    )
    for deal in (slow, fast, theirs):
        services.opportunity_move_stage(opportunity=deal, stage=stages[1], actor=deal.owner, at=now)
    client = login(org.director)
    body = client.get(reverse("web:time_metrics")).content.decode()
    # company row: mean (9+3+7)/3 = 6.3 days, median 7 days, n=3; the rep's mean 6.0 is below it
    assert "6.3 d" in body and "median 7 d · n=3" in body
    assert "Slow &lt;b&gt;deal" not in body  # names of deals are not on this page
    drill = (
        reverse("web:time_metrics_deals") + f"?metric=stage&stage={stages[0].pk}&owner={org.rep.pk}"
    )
    assert f"metric=stage&amp;stage={stages[0].pk}&amp;owner={org.rep.pk}" in body
    client.get(drill)
    with django_assert_num_queries(9):
        page = client.get(drill)
    text = page.content.decode()
    assert [e.opportunity.title for e in page.context["page"].object_list] == [
        "Slow <b>deal</b>",
        "Fast deal",
    ]
    assert [e.days for e in page.context["page"].object_list] == [9.0, 3.0]
    assert "Slow &lt;b&gt;deal&lt;/b&gt;" in text
    # a rep asking for another rep's figure sees nothing of theirs
    other = reverse("web:time_metrics_deals") + (
        f"?metric=stage&stage={stages[0].pk}&owner={org.other_rep.pk}"
    )
    rep_page = login(org.rep).get(other)
    assert rep_page.status_code == 200 and list(rep_page.context["page"].object_list) == []
    assert "Their deal" not in rep_page.content.decode()
    # bad parameters: 404, not an error
    assert client.get(reverse("web:time_metrics_deals") + "?metric=bogus").status_code == 404
    assert client.get(reverse("web:time_metrics_deals") + "?metric=stage").status_code == 404
