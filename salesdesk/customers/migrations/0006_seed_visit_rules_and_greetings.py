"""Default return-visit rules (A 30, B 90, C 180 days, D none) and greeting templates in both
languages. Reversible: the reverse removes exactly the seeded rows."""

from django.db import migrations

VISIT_RULES = {"A": 30, "B": 90, "C": 180, "D": None}

GREETINGS = {
    "birthday": (
        ("生日快乐", "{contact}，您好！祝您生日快乐，身体健康，万事如意！感谢您一直以来对我们的支持。——{sender}"),
        (
            "Happy birthday",
            "Dear {contact}, happy birthday! Wishing you health and happiness in the year "
            "ahead. Thank you for your support. — {sender}",
        ),
    ),
    "anniversary": (
        (
            "合作{years}周年",
            "{contact}，您好！今天是{customer}与我们合作{years}周年的日子，感谢一路信任与支持，期待继续携手前行！——{sender}",
        ),
        (
            "{years} years together",
            "Dear {contact}, today marks {years} years of working together with {customer}. "
            "Thank you for your trust; we look forward to the years ahead. — {sender}",
        ),
    ),
    "new_year": (
        ("元旦快乐", "{contact}，您好！新年伊始，祝您和{customer}全体同仁元旦快乐，新年大吉！——{sender}"),
        (
            "Happy New Year",
            "Dear {contact}, happy New Year to you and everyone at {customer}! — {sender}",
        ),
    ),
    "spring_festival": (
        ("新春快乐", "{contact}，您好！值此新春佳节，恭祝您和家人新春快乐、阖家幸福、万事如意！——{sender}"),
        (
            "Happy Spring Festival",
            "Dear {contact}, wishing you and your family a happy Spring Festival and a "
            "prosperous year. — {sender}",
        ),
    ),
    "lantern": (
        ("元宵节快乐", "{contact}，您好！元宵佳节，祝您花好月圆、团团圆圆！——{sender}"),
        (
            "Happy Lantern Festival",
            "Dear {contact}, best wishes for the Lantern Festival to you and your family. "
            "— {sender}",
        ),
    ),
    "women_day": (
        ("节日快乐", "{contact}，您好！三八妇女节快乐，祝您美丽常在、工作顺利！——{sender}"),
        (
            "Happy Women's Day",
            "Dear {contact}, happy International Women's Day! — {sender}",
        ),
    ),
    "labour_day": (
        ("劳动节快乐", "{contact}，您好！五一劳动节快乐，祝您假期愉快！——{sender}"),
        ("Happy Labour Day", "Dear {contact}, enjoy the Labour Day holiday! — {sender}"),
    ),
    "dragon_boat": (
        ("端午安康", "{contact}，您好！端午佳节，祝您端午安康、万事顺意！——{sender}"),
        (
            "Happy Dragon Boat Festival",
            "Dear {contact}, best wishes for the Dragon Boat Festival. — {sender}",
        ),
    ),
    "mid_autumn": (
        ("中秋快乐", "{contact}，您好！月圆人团圆，祝您和家人中秋快乐、幸福美满！——{sender}"),
        (
            "Happy Mid-Autumn Festival",
            "Dear {contact}, wishing you and your family a joyful Mid-Autumn Festival. "
            "— {sender}",
        ),
    ),
    "national_day": (
        ("国庆快乐", "{contact}，您好！国庆佳节，祝您假期愉快、阖家欢乐！——{sender}"),
        (
            "Happy National Day",
            "Dear {contact}, enjoy the National Day holiday! — {sender}",
        ),
    ),
}


def seed(apps, schema_editor):
    VisitPolicy = apps.get_model("customers", "VisitPolicy")
    GreetingTemplate = apps.get_model("customers", "GreetingTemplate")
    for level, days in VISIT_RULES.items():
        VisitPolicy.objects.get_or_create(level=level, defaults={"interval_days": days})
    for occasion, (zh, en) in GREETINGS.items():
        for language, (subject, body) in (("zh-hans", zh), ("en", en)):
            GreetingTemplate.objects.get_or_create(
                occasion=occasion,
                language=language,
                defaults={"subject": subject, "body": body},
            )


def unseed(apps, schema_editor):
    apps.get_model("customers", "VisitPolicy").objects.filter(level__in=VISIT_RULES).delete()
    apps.get_model("customers", "GreetingTemplate").objects.filter(
        occasion__in=GREETINGS, language__in=("zh-hans", "en")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_return_visits_care_feedback")]
    operations = [migrations.RunPython(seed, unseed)]
