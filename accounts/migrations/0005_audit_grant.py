from django.db import migrations

from accounts.roles import ADMIN, ensure_permissions, grant


def grants(apps, schema_editor):
    ensure_permissions(apps)
    grant(apps, ADMIN, ["accounts.view_auditentry"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_audit_log")]

    operations = [migrations.RunPython(grants, migrations.RunPython.noop)]
