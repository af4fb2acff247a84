from django.db import migrations

from accounts.roles import grant_domain


def grants(apps, schema_editor):
    grant_domain(
        apps,
        "activities",
        ["activity", "task"],
        {
            "sales_manager": ["view", "add", "change", "delete"],
            "sales_rep": ["view", "add", "change", "delete"],
            "support_agent": ["view", "add", "change"],
            "read_only": ["view"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_initial"),
        ("accounts", "0003_role_record_scope"),
    ]

    operations = [migrations.RunPython(grants, migrations.RunPython.noop)]
