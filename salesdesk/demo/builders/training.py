"""Demo training (PRF-5): three programs — 大客户销售技巧 Key-account selling (two sessions about
ten weeks ago), 产品知识 Product knowledge (one session about twelve weeks ago), both completed,
and 谈判技巧 Negotiation, planned in two weeks with invitations only. About half the reps (at
most 120 per program) attended the past ones, with pre/post assessment scores, so the effect
page compares them with their untrained peers over the demo's metric facts. Bounded whatever
the demo size: at most 3 programs, 4 sessions and 3 × 120 + 120 attendance rows."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from salesdesk.demo.context import DemoContext
from salesdesk.demo.registry import register

MAX_PER_PROGRAM = 120

PROGRAMS = [
    {
        "title": "大客户销售技巧 Key-account selling",
        "topic": "销售技巧 Selling skills",
        "description": "识别决策链、价值呈现与高层拜访。Decision chains, value selling, executive "
        "visits.",
        "status": "completed",
        "sessions": [(10, "第一讲：决策链 Decision chains"), (9, "第二讲：价值呈现 Value selling")],
    },
    {
        "title": "产品知识 Product knowledge",
        "topic": "产品 Product",
        "description": "新产品线功能、报价与竞品对比。New product line: features, pricing, "
        "competitors.",
        "status": "completed",
        "sessions": [(12, "产品线全览 Product line overview")],
    },
    {
        "title": "谈判技巧 Negotiation",
        "topic": "销售技巧 Selling skills",
        "description": "价格谈判与让步策略。Price negotiation and concessions.",
        "status": "planned",
        "sessions": [(-2, "谈判工作坊 Negotiation workshop")],
    },
]
FEEDBACK = [
    "很实用 Very practical",
    "案例很好 Good cases",
    "希望多些演练 More role-play please",
    "",
    "",
]


def reset_training(ctx: DemoContext) -> None:
    from salesdesk.training.models import Attendance, TrainingProgram, TrainingSession

    Attendance.objects.using(ctx.using).all()._raw_delete(ctx.using)
    TrainingSession.objects.using(ctx.using).all()._raw_delete(ctx.using)
    TrainingProgram.history.model.objects.using(ctx.using).all()._raw_delete(ctx.using)
    TrainingProgram.all_objects.using(ctx.using).all()._raw_delete(ctx.using)


def _score(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 2, high * 2 + 1)) / 2


@register("training", after=("org", "metrics"), reset=reset_training)
def build_training(ctx: DemoContext) -> None:
    """Training programs with sessions, attendance and assessment scores."""
    from salesdesk.training.models import Attendance, TrainingProgram, TrainingSession

    org = ctx.results.get("org")
    if org is None or not org.rep_ids:
        return
    rng = ctx.rng_for("training")
    tz = timezone.get_current_timezone()
    owner = (org.director_ids or org.admin_ids or [None])[0]
    trainer = (org.manager_ids or [None])[0]
    wednesday = ctx.today - timedelta(days=(ctx.today.weekday() - 2) % 7)
    created = timezone.make_aware(datetime.combine(ctx.today - timedelta(weeks=14), time(10)), tz)

    programs, sessions, rows = [], [], []
    program_ids = ctx.allocate_ids(TrainingProgram, len(PROGRAMS))
    session_ids = iter(ctx.allocate_ids(TrainingSession, sum(len(p["sessions"]) for p in PROGRAMS)))
    for spec, program_id in zip(PROGRAMS, program_ids, strict=True):
        programs.append(
            TrainingProgram(
                pk=program_id,
                title=spec["title"],
                topic=spec["topic"],
                description=spec["description"],
                status=spec["status"],
                created_by_id=owner,
                created_at=created,
            )
        )
        count = min(MAX_PER_PROGRAM, max(1, len(org.rep_ids) // 2))
        invited = sorted(rng.sample(org.rep_ids, count))
        fresh = {}  # the first session's outcome decides the later ones (a trainee stays one)
        for index, (weeks_ago, title) in enumerate(spec["sessions"]):
            day = wednesday - timedelta(weeks=weeks_ago)
            starts = timezone.make_aware(datetime.combine(day, time(9, 30)), tz)
            session_id = next(session_ids)
            sessions.append(
                TrainingSession(
                    pk=session_id,
                    program_id=program_id,
                    title=title,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                    trainer_id=trainer if index == 0 else None,
                    trainer_name="" if index == 0 else "外部讲师 林老师 Ms Lin",
                    location="上海培训中心 3F Shanghai training centre",
                    capacity=max(count, 10),
                )
            )
            past = weeks_ago > 0
            for user_id in invited:
                if not past:
                    rows.append(Attendance(session_id=session_id, user_id=user_id))
                    continue
                if user_id not in fresh:
                    fresh[user_id] = rng.choices(
                        ["attended", "absent", "excused"], weights=(85, 8, 7)
                    )[0]
                status = fresh[user_id]
                pre = post = None
                if status == "attended" and index == 0:
                    pre = _score(rng, 45, 78)
                    post = min(Decimal(100), pre + _score(rng, 2, 25))
                rows.append(
                    Attendance(
                        session_id=session_id,
                        user_id=user_id,
                        status=status,
                        pre_score=pre,
                        post_score=post,
                        feedback=rng.choice(FEEDBACK) if status == "attended" else "",
                    )
                )
    ctx.bulk_insert(TrainingProgram, programs)
    ctx.bulk_insert(TrainingSession, sessions)
    ctx.bulk_insert(Attendance, rows)
