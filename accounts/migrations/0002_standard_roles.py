"""The standard roles as data, with the permissions of the apps that exist so far.

Later apps grant their own permissions to these roles in their migrations
(``accounts.roles.grant``).
"""

from django.db import migrations

from accounts import roles


def create_roles(apps, schema_editor):
    roles.install_standard_roles(apps)


def name_site(apps, schema_editor):
    # allauth names the site in its emails; "example.com" would confuse recipients.
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(pk=1, defaults={"domain": "localhost", "name": "Keel"})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("crm", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("sites", "0002_alter_domain_unique"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(name_site, migrations.RunPython.noop),
    ]
