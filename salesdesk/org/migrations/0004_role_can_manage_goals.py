from django.db import migrations, models

# Built-in roles that set goals (TGT-1): team leads for their team, managers and directors for
# their units, administrators for the company.
GOAL_SETTERS = ("team_lead", "manager", "director", "admin")


def grant(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    Role.objects.filter(code__in=GOAL_SETTERS, is_system=True).update(can_manage_goals=True)


def revoke(apps, schema_editor):
    """Nothing to undo: the column goes with the field."""


class Migration(migrations.Migration):
    dependencies = [("org", "0003_user_has_received_shares")]
    operations = [
        migrations.AddField(
            model_name="role",
            name="can_manage_goals",
            field=models.BooleanField(default=False, verbose_name="may set goals"),
        ),
        migrations.AddField(
            model_name="historicalrole",
            name="can_manage_goals",
            field=models.BooleanField(default=False, verbose_name="may set goals"),
        ),
        migrations.RunPython(grant, revoke),
    ]
