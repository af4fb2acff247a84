from django.db import migrations

from accounts.roles import ADMIN, ensure_permissions, grant


def grants(apps, schema_editor):
    ensure_permissions(apps)
    actions = ("view", "add", "change", "delete")
    grant(apps, ADMIN, [f"accounts.{action}_ipallowrange" for action in actions])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_ip_allowlist")]

    operations = [migrations.RunPython(grants, migrations.RunPython.noop)]
