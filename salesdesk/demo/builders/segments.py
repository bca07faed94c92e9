"""Demo segments (CUS-3): six example segments over the demo customers, deterministic."""

from __future__ import annotations

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register


def reset_segments(ctx: DemoContext) -> None:
    """Delete every segment and its field history."""
    from salesdesk.customers.segments.models import Segment

    db = ctx.using
    for model in (Segment.history.model, Segment):
        model._base_manager.using(db).all()._raw_delete(db)


def _tag(ctx: DemoContext, name: str) -> int | None:
    from salesdesk.demo.builders.customers import TAGS

    tag_ids = getattr(ctx.results.get("customers"), "tag_ids", [])
    for (_category, tag_name), pk in zip(TAGS, tag_ids, strict=False):
        if tag_name == name:
            return pk
    return None


@register("segments", after=("customers",), reset=reset_segments)
def build_segments(ctx: DemoContext) -> None:
    """Example segments: shared ones by the director and the administrator, private ones by a
    rep, covering the four kinds of criteria."""
    from salesdesk.customers.segments.criteria import clean_criteria
    from salesdesk.customers.segments.models import Segment

    org = ctx.results.get("org")
    if org is None or not org.admin_ids:
        return
    admin = org.admin_ids[0]
    director = org.director_ids[0] if org.director_ids else admin
    rep = org.rep_ids[0] if org.rep_ids else admin
    digital = [pk for pk in (_tag(ctx, "数字化转型"), _tag(ctx, "智能制造")) if pk]
    price = _tag(ctx, "价格敏感")
    plans = [
        (
            director,
            "华东制造业大客户",
            "华东大区制造业的 A/B 级企业客户：年度采购计划和设备升级是重点。",
            "shared",
            {
                "regions": ["华东大区"],
                "kinds": ["company"],
                "industries": ["manufacturing"],
                "levels": ["A", "B"],
            },
        ),
        (
            admin,
            "Young urban individuals 年轻都市个人客户",
            "Individuals under 35 in the big cities.",
            "shared",
            {
                "kinds": ["individual"],
                "age_bands": ["<25", "25-34"],
                "cities": ["上海", "北京", "广州", "深圳", "杭州", "成都"],
            },
        ),
        (
            director,
            "沉睡的老客户 Dormant buyers",
            "买过但半年没有再购买的客户：安排回访，了解原因。",
            "shared",
            {"purchase_count_min": 1, "not_purchased_for_days": 180},
        ),
        (
            admin,
            "高价值忠诚客户 Champions",
            "最近 90 天内购买过、累计购买 5 次以上的客户（RFM 评分算出后，可改用 R/F/M ≥ 4）。",
            "shared",
            {"purchase_count_min": 5, "last_purchase_within_days": 90},
        ),
        (
            rep,
            "关注数字化转型的企业",
            "对数字化转型或智能制造感兴趣的企业客户。",
            "private",
            {"kinds": ["company"], **({"tags_any": sorted(digital)} if digital else {})},
        ),
        (
            director,
            "价格敏感的中小企业",
            "100 人以下、价格敏感的企业：推分期付款和套餐。",
            "shared",
            {
                "kinds": ["company"],
                "company_sizes": ["1-19", "20-99"],
                **({"tags_all": [price]} if price else {}),
            },
        ),
    ]
    ids = ctx.allocate_ids(Segment, len(plans))
    rows = [
        Segment(
            pk=pk,
            owner_id=owner,
            org_unit_id=org.user_unit[owner],
            name=name,
            description=description,
            visibility=visibility,
            criteria=clean_criteria(criteria),  # stored normalised, as the services store it
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        for pk, (owner, name, description, visibility, criteria) in zip(ids, plans, strict=True)
    ]
    ctx.bulk_insert(Segment, rows)
