"""Demo leads (FUN-1): leads in every status over the last year, owned by reps or waiting in
their team's lead pool, a few assignment rules, and converted leads linked to the customers and
opportunities of the pipeline builder (whose `lead_created_at` they set, for the FUN-5 lead
conversion time). Bulk inserts with explicit ids."""

from __future__ import annotations

from datetime import timedelta

from salesdesk.customers.normalize import normalize_email, normalize_name, normalize_phone
from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

PREFIXES = (
    "星河",
    "云帆",
    "远航",
    "华联",
    "鼎盛",
    "恒通",
    "金桥",
    "新元",
    "瑞丰",
    "博远",
    "天润",
    "中科",
)
SUFFIXES = (
    "科技有限公司",
    "贸易有限公司",
    "网络科技",
    "制造有限公司",
    "信息技术",
    "商贸",
    "工作室",
)
PLACES = (
    ("上海", "上海"),
    ("浙江", "杭州"),
    ("江苏", "南京"),
    ("广东", "深圳"),
    ("北京", "北京"),
    ("四川", "成都"),
)
INDUSTRIES = ("制造业", "零售", "互联网", "金融", "教育", "医疗", "物流")
SOURCES = ("website", "referral", "event", "cold_call", "advertising", "partner", "other")
OPEN = ("new", "contacted", "qualified")
CONVERTED_SHARE = 7  # one in seven


def reset_leads(ctx: DemoContext) -> None:
    from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule
    from salesdesk.pipeline.models import Opportunity

    db = ctx.using
    Opportunity._base_manager.using(db).filter(lead_created_at__isnull=False).update(
        lead_created_at=None
    )
    for model in (Lead.history.model, Lead, LeadAssignmentRule):
        model._base_manager.using(db).all()._raw_delete(db)


@register("leads", after=("customers", "pipeline"), reset=reset_leads)
def build_leads(ctx: DemoContext) -> None:
    """Leads in every status, the lead pool, assignment rules and converted leads (FUN-1)."""
    from salesdesk.pipeline.leads.models import Lead, LeadAssignmentRule
    from salesdesk.pipeline.models import Opportunity

    rng = ctx.rng_for("leads")
    org = ctx.results["org"]
    db = ctx.using
    total = ctx.size.leads
    reps = list(org.rep_ids)
    if not reps or not total:
        return
    converted_target = total // CONVERTED_SHARE
    opps = list(
        Opportunity._base_manager.using(db)
        .filter(deleted_at__isnull=True)
        .select_related("customer")
        .order_by("pk")
        .only("pk", "created_at", "owner_id", "org_unit_id", "customer__name", "customer_id")[
            : converted_target * 3
        ]
    )
    converted_opps = rng.sample(opps, min(converted_target, len(opps)))
    ids = ctx.allocate_ids(Lead, total)
    now = ctx.now
    leads = []
    opp_updates = []
    for i, pk in enumerate(ids):
        province, city = rng.choice(PLACES)
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        email = f"lead{pk}@example.com" if rng.random() < 0.5 else ""
        created = now - timedelta(days=rng.randrange(1, 365), minutes=rng.randrange(1440))
        fields = {}
        if i < len(converted_opps):
            opp = converted_opps[i]
            created = opp.created_at - timedelta(days=rng.randrange(1, 30))
            name = opp.customer.name
            owner, unit = opp.owner_id, opp.org_unit_id
            fields = {
                "status": "converted",
                "converted_at": opp.created_at,
                "converted_customer_id": opp.customer_id,
                "converted_opportunity_id": opp.pk,
            }
            opp.lead_created_at = created
            opp_updates.append(opp)
        else:
            name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)}{pk}"
            rep = rng.choice(reps)
            unit = org.user_unit[rep]
            owner = None if rng.random() < 0.15 else rep  # the lead pool of the rep's team
            status = rng.choice((*OPEN, "disqualified")) if owner else rng.choice(OPEN)
            fields = {"status": status}
            if status == "disqualified":
                fields["disqualify_reason"] = rng.choice(
                    ("无预算", "无需求", "联系不上", "Duplicate")
                )
        leads.append(
            Lead(
                pk=pk,
                created_at=created,
                updated_at=created,
                version=1,
                owner_id=owner,
                org_unit_id=unit,
                name=name,
                contact_name=rng.choice(("王", "李", "张", "刘", "陈"))
                + rng.choice(("经理", "总", "先生", "女士")),
                phone=phone,
                email=email,
                province=province,
                city=city,
                industry=rng.choice(INDUSTRIES),
                source=rng.choice(SOURCES),
                assigned_at=created if owner else None,
                name_key=normalize_name(name),
                phone_key=normalize_phone(phone),
                email_key=normalize_email(email),
                **fields,
            )
        )
        if len(leads) >= 5000:
            ctx.bulk_insert(Lead, leads)
            leads = []
    if leads:
        ctx.bulk_insert(Lead, leads)
    if opp_updates:
        Opportunity._base_manager.using(db).bulk_update(
            opp_updates, ["lead_created_at"], batch_size=1000
        )
    team_ids = [t for t in org.team_ids if org.team_reps.get(t)]
    rules = (
        [
            LeadAssignmentRule(pk=pk, name=name, order=order, **target)
            for pk, (name, order, target) in zip(
                ctx.allocate_ids(LeadAssignmentRule, 2),
                (
                    (
                        "上海线索 → 上海团队轮询",
                        1,
                        {"province": "上海", "target_unit_id": team_ids[0]},
                    ),
                    ("其他线索 → 轮询", 9, {"target_unit_id": team_ids[-1]}),
                ),
                strict=True,
            )
        ]
        if team_ids
        else []
    )
    if rules:
        ctx.bulk_insert(LeadAssignmentRule, rules)
    ctx.results["leads"] = {"leads": total, "converted": len(opp_updates)}
