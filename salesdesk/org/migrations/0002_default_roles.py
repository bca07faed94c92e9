from django.db import migrations

# code, Chinese name, English name, data scope, export, delete, transfer, approve, pool admin, configure
DEFAULT_ROLES = [
    ("rep", "销售代表", "Sales rep", "own", False, False, False, False, False, False),
    ("team_lead", "销售主管", "Team lead", "own_subordinates", True, False, True, True, False, False),
    ("manager", "销售经理", "Sales manager", "unit_tree", True, True, True, True, True, False),
    ("director", "销售总监", "Sales director", "unit_tree", True, True, True, True, True, False),
    ("finance", "财务", "Finance", "all", True, False, False, True, False, False),
    ("admin", "系统管理员", "Administrator", "all", True, True, True, True, True, True),
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    for code, name, name_en, scope, exp, dele, trans, appr, pool, conf in DEFAULT_ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name, name_en=name_en, data_scope=scope, can_export=exp, can_delete=dele,
                can_transfer=trans, can_approve=appr, can_admin_pool=pool, can_configure=conf,
                is_system=True,
            ),
        )


def remove_roles(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    Role.objects.filter(code__in=[r[0] for r in DEFAULT_ROLES], user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
