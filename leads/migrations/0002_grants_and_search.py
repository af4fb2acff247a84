from django.db import migrations

from accounts.roles import grant_domain
from crm.dbops import trigram_index


def grants(apps, schema_editor):
    grant_domain(
        apps,
        "leads",
        ["lead"],
        {
            "sales_manager": ["view", "add", "change", "delete", "export", "convert"],
            "sales_rep": ["view", "add", "change", "export", "convert"],
            "support_agent": ["view"],
            "read_only": ["view"],
        },
    )
    grant_domain(apps, "leads", ["webform"], {"sales_manager": ["view"]})


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("accounts", "0003_role_record_scope"),
    ]

    operations = [
        migrations.RunPython(grants, migrations.RunPython.noop),
        trigram_index("leads_lead", "search_text", "lead_search_trgm"),
    ]
