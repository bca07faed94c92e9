"""The seven-stage default pipeline of PRODUCT.md (FUN-2) and starter won/lost reasons.
Reversible: going back removes them only when no deal uses them."""

from django.db import migrations

STAGES = [
    # name, English name, probability, stale days, won, after-sales
    ("线索收集", "Lead capture", 5, 14, False, False),
    ("潜在客户", "Prospect", 10, 14, False, False),
    ("建立联系", "Contact", 20, 21, False, False),
    ("方案报价", "Proposal", 40, 21, False, False),
    ("商务谈判", "Negotiation", 70, 30, False, False),
    ("成交合作", "Won", 100, None, True, False),
    ("售后服务", "After-sales", 100, None, False, True),
]

REASONS = [
    ("won", "价格有竞争力", "Competitive price"),
    ("won", "产品满足需求", "Product fits the need"),
    ("won", "客户关系", "Customer relationship"),
    ("won", "服务与交付", "Service and delivery"),
    ("lost", "价格过高", "Price too high"),
    ("lost", "选择了竞争对手", "Chose a competitor"),
    ("lost", "预算取消", "Budget cancelled"),
    ("lost", "需求不匹配", "Needs not met"),
    ("lost", "失去联系", "No response"),
]


def create(apps, schema_editor):
    Pipeline = apps.get_model("pipeline", "Pipeline")
    Stage = apps.get_model("pipeline", "Stage")
    Reason = apps.get_model("pipeline", "Reason")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(
            name="标准销售流程", name_en="Standard sales process", is_default=True
        )
        for order, (name, name_en, prob, stale, won, after) in enumerate(STAGES):
            Stage.objects.create(
                pipeline=pipeline,
                order=order,
                name=name,
                name_en=name_en,
                probability=prob,
                stale_days=stale,
                is_won=won,
                is_after_sales=after,
            )
    if not Reason.objects.exists():
        for order, (kind, name, name_en) in enumerate(REASONS):
            Reason.objects.create(kind=kind, name=name, name_en=name_en, sort_order=order)


def remove(apps, schema_editor):
    Pipeline = apps.get_model("pipeline", "Pipeline")
    Stage = apps.get_model("pipeline", "Stage")
    Reason = apps.get_model("pipeline", "Reason")
    Opportunity = apps.get_model("pipeline", "Opportunity")
    for pipeline in Pipeline.objects.filter(is_default=True, name="标准销售流程"):
        if not Opportunity.objects.filter(pipeline=pipeline).exists():
            Stage.objects.filter(pipeline=pipeline).delete()
            pipeline.delete()
    names = [name for _kind, name, _en in REASONS]
    Reason.objects.filter(name__in=names).exclude(
        pk__in=Opportunity.objects.exclude(reason=None).values("reason")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_pipelines_stages_opportunities")]

    operations = [migrations.RunPython(create, remove)]
