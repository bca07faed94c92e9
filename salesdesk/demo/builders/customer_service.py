"""Demo return visits, satisfaction, feedback tickets and care reminders (CUS-9, CUS-10, CUS-11).

At size small (2,000 customers): return visits for about two thirds of the A/B/C customers (one to
three each over the last year, most with a CSAT score), NPS scores for about a sixth of the
customers, about 300 feedback tickets (a fifth open, some overdue), and the care reminders of the
coming days (the daily job's own set-based code). Deterministic: every choice comes from the
builder's own generator; rows are bulk-inserted with ids reserved up front (D5). The customers'
last visit and next due dates are then set by one UPDATE and the visit job's batched recompute.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connections

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

KINDS = ("phone", "phone", "on_site", "online")
VISIT_NOTES = (
    "电话回访：产品使用正常，客户对交付速度满意。",
    "上门拜访，了解下季度采购计划。",
    "线上会议回访，客户提出培训需求。",
    "Follow-up call: the team is happy with support response times.",
    "回访发现发票流程有待改进，已反馈财务。",
)
TICKET_TITLES = {
    "complaint": ("发货延迟", "发票信息错误", "售后响应慢", "Damaged packaging on delivery"),
    "suggestion": ("希望增加月度对账单", "建议提供英文版说明书", "Add a self-service portal"),
    "inquiry": ("咨询批量采购折扣", "询问保修条款", "Question about the new price list"),
    "praise": ("感谢项目团队的支持", "Great on-site service"),
}
SEVERITIES = ("low", "medium", "medium", "high", "critical")
DUE_DAYS = {"critical": 1, "high": 3, "medium": 7, "low": 14}


def reset_customer_service(ctx: DemoContext) -> None:
    """Delete every visit, satisfaction record, ticket and care reminder (and ticket history)."""
    from salesdesk.customers.care.models import CareReminder
    from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
    from salesdesk.customers.models import Customer
    from salesdesk.customers.visits.models import ReturnVisit

    db = ctx.using
    for model in (
        CareReminder,
        SatisfactionRecord,
        ReturnVisit,
        FeedbackTicket.history.model,
        FeedbackTicket,
    ):
        model._base_manager.using(db).all()._raw_delete(db)
    Customer.all_objects.using(db).update(last_visit_at=None, next_visit_due=None)


def _last_visits(db: str) -> None:
    """Each visited customer's latest visit, in one UPDATE … FROM an aggregate (both databases).
    A correlated subquery per customer rewrote every one of a million customers on PostgreSQL
    and, with the visits not yet analysed in the demo's transaction, ran for over ten minutes."""
    from salesdesk.customers.models import Customer
    from salesdesk.customers.visits.models import ReturnVisit

    customers = Customer._meta.db_table
    visits = ReturnVisit._meta.db_table
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"UPDATE {customers} SET last_visit_at = v.m FROM "  # noqa: S608 - our tables
            f"(SELECT customer_id, MAX(visited_at) AS m FROM {visits} WHERE deleted_at IS NULL "
            "GROUP BY customer_id) AS v "
            f"WHERE {customers}.id = v.customer_id"
        )


@register("customer_service", after=("customers", "pool"), reset=reset_customer_service)
def build_customer_service(ctx: DemoContext) -> None:
    """Return visits, satisfaction records, feedback tickets and care reminders."""

    from salesdesk.customers.care.services import care_reminders_generate
    from salesdesk.customers.feedback.models import FeedbackTicket, SatisfactionRecord
    from salesdesk.customers.models import Customer
    from salesdesk.customers.visits.models import ReturnVisit
    from salesdesk.customers.visits.services import visit_due_recompute

    rng = ctx.rng_for("customer_service")
    db = ctx.using
    customers = list(
        Customer.all_objects.using(db)
        .filter(deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "owner_id", "org_unit_id", "level", "created_at")
    )
    if not customers:
        return
    visits: list[ReturnVisit] = []
    scores: list[SatisfactionRecord] = []
    now = ctx.now
    for pk, owner_id, _unit, level, created_at in customers:
        if owner_id is None or level == "D" or rng.random() > 0.66:
            continue
        for _ in range(rng.randint(1, 3)):
            at = now - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 600))
            if at < created_at:
                continue
            csat = rng.choices((None, 5, 4, 3, 2, 1), weights=(20, 35, 30, 10, 4, 1))[0]
            visits.append(
                ReturnVisit(
                    customer_id=pk,
                    visitor_id=owner_id,
                    kind=rng.choice(KINDS),
                    visited_at=at,
                    summary=rng.choice(VISIT_NOTES),
                    satisfaction=csat,
                    created_at=at,
                )
            )
    visit_ids = ctx.allocate_ids(ReturnVisit, len(visits))
    for visit, vid in zip(visits, visit_ids, strict=True):
        visit.pk = vid
        if visit.satisfaction:
            scores.append(
                SatisfactionRecord(
                    customer_id=visit.customer_id,
                    kind="csat",
                    score=visit.satisfaction,
                    comment=visit.summary,
                    recorded_by_id=visit.visitor_id,
                    recorded_at=visit.visited_at,
                    visit_id=vid,
                    created_at=visit.visited_at,
                )
            )
    for pk, owner_id, _unit, _level, created_at in customers:
        if owner_id is None or rng.random() > 0.16:
            continue
        at = max(created_at, now - timedelta(days=rng.randint(1, 365)))
        scores.append(
            SatisfactionRecord(
                customer_id=pk,
                kind="nps",
                score=rng.choices(range(11), weights=(1, 1, 1, 2, 2, 3, 4, 8, 12, 14, 10))[0],
                recorded_by_id=owner_id,
                recorded_at=at,
                created_at=at,
            )
        )
    score_ids = ctx.allocate_ids(SatisfactionRecord, len(scores))
    for record, sid in zip(scores, score_ids, strict=True):
        record.pk = sid
    ctx.bulk_insert(ReturnVisit, visits)
    ctx.bulk_insert(SatisfactionRecord, scores)

    owned = [c for c in customers if c[1] is not None]
    tickets: list[FeedbackTicket] = []
    for _ in range(min(ctx.size.scale(300), len(owned) * 2)):
        pk, owner_id, unit_id, _level, created_at = rng.choice(owned)
        kind = rng.choices(tuple(TICKET_TITLES), weights=(45, 20, 25, 10))[0]
        severity = rng.choice(SEVERITIES)
        opened = max(
            created_at, now - timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 23))
        )
        due = opened + timedelta(days=DUE_DAYS[severity])
        status = rng.choices(
            ("open", "in_progress", "resolved", "closed"), weights=(12, 8, 45, 35)
        )[0]
        resolved = status in ("resolved", "closed")
        tickets.append(
            FeedbackTicket(
                customer_id=pk,
                owner_id=owner_id,
                org_unit_id=unit_id,
                type=kind,
                severity=severity,
                title=rng.choice(TICKET_TITLES[kind]),
                description="",
                due_at=due,
                status=status,
                resolution="已处理并回访客户确认。" if resolved else "",
                resolved_at=min(now, opened + timedelta(days=rng.randint(0, 10)))
                if resolved
                else None,
                created_at=opened,
            )
        )
    for ticket, tid in zip(tickets, ctx.allocate_ids(FeedbackTicket, len(tickets)), strict=True):
        ticket.pk = tid
    ctx.bulk_insert(FeedbackTicket, tickets)

    _last_visits(db)
    visit_due_recompute()
    care_reminders_generate(today=ctx.today)
