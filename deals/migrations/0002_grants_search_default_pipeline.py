from django.db import migrations

from accounts.roles import grant_domain
from crm.dbops import trigram_index

DEFAULT_STAGES = [
    # name, probability, won, lost, rotting days
    ("Qualification", 10, False, False, 14),
    ("Needs analysis", 25, False, False, 14),
    ("Proposal", 50, False, False, 10),
    ("Negotiation", 75, False, False, 7),
    ("Won", 100, True, False, None),
    ("Lost", 0, False, True, None),
]


def grants(apps, schema_editor):
    readers = ["view"]
    grant_domain(
        apps,
        "deals",
        ["deal"],
        {
            "sales_manager": ["view", "add", "change", "delete", "export"],
            "sales_rep": ["view", "add", "change", "export"],
            "support_agent": readers,
            "read_only": readers,
        },
    )
    grant_domain(
        apps,
        "deals",
        ["pipeline", "stage", "stagechange"],
        dict.fromkeys(("sales_manager", "sales_rep", "support_agent", "read_only"), readers),
    )


def default_pipeline(apps, schema_editor):
    """A fresh install can take deals at once; admins rename or reshape it."""
    Pipeline = apps.get_model("deals", "Pipeline")
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name="Sales", position=0, is_default=True)
    for position, (name, probability, won, lost, rotting) in enumerate(DEFAULT_STAGES):
        pipeline.stages.create(
            name=name,
            position=position,
            probability=probability,
            is_won=won,
            is_lost=lost,
            rotting_days=rotting,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0001_initial"),
        ("accounts", "0003_role_record_scope"),
    ]

    operations = [
        migrations.RunPython(grants, migrations.RunPython.noop),
        migrations.RunPython(default_pipeline, migrations.RunPython.noop),
        trigram_index("deals_deal", "search_text", "deal_search_trgm"),
    ]
