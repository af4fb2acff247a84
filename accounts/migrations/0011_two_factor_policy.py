"""Admins must use a second factor on a real install (the demo data turns it off again,
``accounts.demo``); admins may see and remove people's lost devices in the Django admin."""

from django.db import migrations

from accounts.roles import ADMIN, ensure_permissions, grant


def admins_require_two_factor(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.filter(slug=ADMIN).update(require_two_factor=True)


def grants(apps, schema_editor):
    ensure_permissions(apps)
    grant(
        apps,
        ADMIN,
        [
            f"accounts.{action}_{model}"
            for model in ("authenticatorapp", "passkey")
            for action in ("view", "delete")
        ],
    )


def forwards(apps, schema_editor):
    admins_require_two_factor(apps, schema_editor)
    grants(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_two_factor")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
