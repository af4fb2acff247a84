from django.db import migrations

from accounts.roles import grant_domain
from crm.dbops import trigram_index

EVERYONE = ("sales_manager", "sales_rep", "support_agent", "read_only")


def grants(apps, schema_editor):
    grant_domain(
        apps,
        "contacts",
        ["company", "contact"],
        {
            "sales_manager": ["view", "add", "change", "delete", "export"],
            "sales_rep": ["view", "add", "change", "export"],
            "support_agent": ["view", "change"],
            "read_only": ["view"],
        },
    )
    grant_domain(
        apps,
        "contacts",
        ["tag"],
        {
            "sales_manager": ["view", "add", "change"],
            "sales_rep": ["view", "add"],
            "support_agent": ["view"],
            "read_only": ["view"],
        },
    )
    grant_domain(apps, "contacts", ["customfield"], {role: ["view"] for role in EVERYONE})


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("accounts", "0003_role_record_scope"),
    ]

    operations = [
        migrations.RunPython(grants, migrations.RunPython.noop),
        trigram_index("contacts_company", "search_text", "company_search_trgm"),
        trigram_index("contacts_contact", "search_text", "contact_search_trgm"),
    ]
