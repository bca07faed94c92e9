from django.db import migrations, models

# Built-in roles that manage commissions (PRF-4) and training (PRF-5).
COMMISSIONS = ("finance", "director", "admin")
TRAINING = ("manager", "director", "admin")


def grant(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    Role.objects.filter(code__in=COMMISSIONS, is_system=True).update(can_manage_commissions=True)
    Role.objects.filter(code__in=TRAINING, is_system=True).update(can_manage_training=True)


def revoke(apps, schema_editor):
    """Nothing to undo: the columns go with the fields."""


def _field(name, label):
    return [
        migrations.AddField(
            model_name=model,
            name=name,
            field=models.BooleanField(default=False, verbose_name=label),
        )
        for model in ("role", "historicalrole")
    ]


class Migration(migrations.Migration):
    dependencies = [("org", "0005_role_can_evaluate")]
    operations = [
        *_field("can_manage_commissions", "may manage commissions"),
        *_field("can_manage_training", "may manage training"),
        migrations.RunPython(grant, revoke),
    ]
