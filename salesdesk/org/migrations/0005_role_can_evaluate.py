from django.db import migrations, models

# Built-in roles that evaluate performance (PRF-2): managers and directors for their units,
# administrators for the company. Team leads read their people's published scorecards.
EVALUATORS = ("manager", "director", "admin")


def grant(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    Role.objects.filter(code__in=EVALUATORS, is_system=True).update(can_evaluate=True)


def revoke(apps, schema_editor):
    """Nothing to undo: the column goes with the field."""


class Migration(migrations.Migration):
    dependencies = [("org", "0004_role_can_manage_goals")]
    operations = [
        migrations.AddField(
            model_name="role",
            name="can_evaluate",
            field=models.BooleanField(default=False, verbose_name="may evaluate performance"),
        ),
        migrations.AddField(
            model_name="historicalrole",
            name="can_evaluate",
            field=models.BooleanField(default=False, verbose_name="may evaluate performance"),
        ),
        migrations.RunPython(grant, revoke),
    ]
