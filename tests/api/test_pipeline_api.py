"""Sales funnel API: pipelines (read; write with configure), opportunities CRUD, moves, win,
lose, reopen, stage events; scoping, stale versions, query pins."""

from __future__ import annotations

from decimal import Decimal

from salesdesk.pipeline.models import Opportunity, Reason, Stage, StageEvent
from tests.pipeline import conftest as funnel
from tests.pipeline.conftest import make_deal, recomputed_stats, stored_stats

customers = funnel.customers
pipeline = funnel.pipeline
stages = funnel.stages


def test_pipelines_read_for_all_write_for_configure(as_persona, pipeline):
    body = as_persona("rep").get("/api/v1/pipelines").json()
    assert [s["name_en"] for s in body[0]["stages"]] == [
        "Lead capture",
        "Prospect",
        "Contact",
        "Proposal",
        "Negotiation",
        "Won",
        "After-sales",
    ]
    assert as_persona("rep").post("/api/v1/pipelines", {"name": "X"}).status_code == 403
    created = as_persona("admin").post(
        "/api/v1/pipelines", {"name": "渠道流程", "name_en": "Channel"}
    )
    assert created.status_code == 201 and created.json()["stages"] == []
    stage = as_persona("admin").post(
        f"/api/v1/pipelines/{created.json()['id']}/stages", {"name": "初筛", "probability": 10}
    )
    assert stage.status_code == 201 and stage.json()["order"] == 0


def test_opportunity_lifecycle(as_persona, org, customers, stages):
    api = as_persona("rep")
    created = api.post(
        "/api/v1/opportunities",
        {"customer": customers["rep"].pk, "title": "API 商机", "amount": "9900.50"},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["stage"]["id"], body["status"], body["amount"], body["version"]) == (
        stages[0].pk,
        "open",
        "9900.50",
        1,
    )
    url = f"/api/v1/opportunities/{body['id']}"
    moved = api.post(f"{url}/move", {"version": 1, "stage": stages[3].pk})
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = api.post(f"{url}/move", {"version": 1, "stage": stages[4].pk})
    assert stale.status_code == 409
    edited = api.patch(url, {"version": 2, "next_step": "签约"})
    assert edited.json()["next_step"] == "签约"
    reason = Reason.objects.filter(kind="won").first()
    won = api.post(f"{url}/win", {"version": 3, "reason": reason.pk})
    assert won.json()["status"] == "won" and won.json()["stage"]["id"] == stages[5].pk
    events = api.get(f"{url}/stage-events").json()
    assert [e["kind"] for e in events] == ["created", "moved", "won"]
    reopened = api.post(f"{url}/reopen", {"version": 4})
    assert reopened.json()["status"] == "open"
    lost = api.post(
        f"{url}/lose", {"version": 5, "reason": Reason.objects.filter(kind="lost").first().pk}
    )
    assert lost.json()["status"] == "lost"
    assert stored_stats() == recomputed_stats()


def test_scoping_and_permissions(as_persona, org, customers, pipeline):
    deal = make_deal(org.rep, customers["rep"], "Rep's")
    url = f"/api/v1/opportunities/{deal.pk}"
    assert as_persona("other_rep").get(url).status_code == 404
    assert (
        as_persona("other_rep").post(f"{url}/move", {"version": 1, "stage": 1}).status_code == 404
    )
    assert as_persona("lead").get(url).status_code == 200
    assert as_persona("rep").delete(url).status_code == 403
    assert as_persona("anonymous").get("/api/v1/opportunities").status_code == 401
    assert StageEvent.objects.count() == 1 and Opportunity.objects.get().version == 1
    assert as_persona("admin").delete(url).status_code == 204
    assert not Opportunity.objects.exists()
    refused = as_persona("rep").post(
        "/api/v1/opportunities", {"customer": customers["other_rep"].pk, "title": "x"}
    )
    assert refused.status_code == 422


def test_list_filters_and_query_pin(as_persona, org, customers, stages, django_assert_num_queries):
    for i in range(6):
        make_deal(org.rep, customers["rep"], f"D{i}", amount=Decimal(i))
    make_deal(org.other_rep, customers["other_rep"], "Other")
    api = as_persona("rep")
    api.get("/api/v1/opportunities")
    with django_assert_num_queries(4):
        body = api.get("/api/v1/opportunities?sort=-amount&page_size=3").json()
    assert body["count"] == 6 and [o["title"] for o in body["items"]] == ["D5", "D4", "D3"]
    assert as_persona("director").get("/api/v1/opportunities").json()["count"] == 7
    mine = as_persona("director").get("/api/v1/opportunities?view=mine").json()
    assert mine["count"] == 0
    staged = api.get(f"/api/v1/opportunities?stage={stages[1].pk}").json()
    assert staged["count"] == 0


def test_stage_archive_through_api_moves_deals(as_persona, org, customers, stages):
    deal = make_deal(org.rep, customers["rep"])
    admin = as_persona("admin")
    refused = admin.patch(f"/api/v1/stages/{stages[0].pk}", {"is_archived": True})
    assert refused.status_code == 422
    ok = admin.patch(
        f"/api/v1/stages/{stages[0].pk}", {"is_archived": True, "move_to": stages[1].pk}
    )
    assert ok.status_code == 200 and ok.json()["is_archived"] is True
    deal.refresh_from_db()
    assert deal.stage == stages[1]
    assert admin.delete(f"/api/v1/stages/{stages[0].pk}").status_code == 422
    assert Stage.objects.filter(pk=stages[0].pk).exists()


def test_funnel_and_time_metrics_endpoints(as_persona, org, customers, stages, pipeline):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    won = Reason.objects.filter(kind="won").first()
    mine = make_deal(
        org.rep,
        customers["rep"],
        "Mine",
        amount=100,
        at=now - timedelta(days=6),
        lead_created_at=now - timedelta(days=8),
    )
    theirs = make_deal(org.other_rep, customers["other_rep"], "Theirs", amount=50, at=now)
    from salesdesk.pipeline import services

    services.opportunity_win(actor=org.rep, opportunity=mine, reason=won, at=now)
    base = f"/api/v1/pipelines/{pipeline.pk}"
    rep = as_persona("rep")
    body = rep.get(f"{base}/funnel").json()
    assert [(r["stage_id"], r["open_count"]) for r in body][:1] == [(stages[0].pk, 0)]
    assert as_persona("admin").get(f"{base}/funnel").json()[0]["open_count"] == 1
    metrics = rep.get(f"{base}/time-metrics").json()
    assert [r["id"] for r in metrics["reps"]] == [org.rep.pk]
    assert metrics["company"]["sales_cycle"] == {
        "count": 1,
        "mean_days": 6.0,
        "median_days": 6.0,
        "above_company_mean": False,
    }
    assert metrics["company"]["total_sales_time"]["mean_days"] == 8.0
    assert metrics["company"]["lead_conversion"]["median_days"] == 2.0
    assert metrics["company"]["stages"][str(stages[0].pk)]["count"] == 1
    deals = rep.get(f"{base}/time-metrics/deals?metric=total").json()
    assert [(d["title"], d["days"]) for d in deals["items"]] == [("Mine", 8.0)]
    assert deals["count"] == 1
    # scoped: another rep sees no durations of this rep; the admin sees both deals' stages
    other = as_persona("other_rep").get(f"{base}/time-metrics/deals?metric=total").json()
    assert other["items"] == [] and other["count"] == 0
    stage0 = as_persona("admin").get(f"{base}/time-metrics/deals?metric=stage&stage={stages[0].pk}")
    assert [d["title"] for d in stage0.json()["items"]] == ["Mine"]
    assert theirs.stage_events.count() == 1  # still in its first stage: nothing behind it
    # bad input: 422 / 404, nothing changes
    assert rep.get(f"{base}/time-metrics/deals?metric=nope").status_code == 422
    assert rep.get(f"{base}/time-metrics/deals?metric=stage").status_code == 422
    assert rep.get("/api/v1/pipelines/999999/time-metrics").status_code == 404
