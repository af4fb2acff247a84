"""Stage history keeps the stages' names, so deleting a stage (after moving its deals)
leaves the history readable instead of being refused or rewritten."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_names(apps, schema_editor):
    StageChange = apps.get_model("deals", "StageChange")
    Stage = apps.get_model("deals", "Stage")
    StageChange.objects.filter(to_stage__isnull=False).update(
        to_stage_name=Subquery(Stage.objects.filter(pk=OuterRef("to_stage_id")).values("name")[:1])
    )
    StageChange.objects.filter(from_stage__isnull=False).update(
        from_stage_name=Subquery(
            Stage.objects.filter(pk=OuterRef("from_stage_id")).values("name")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0002_grants_search_default_pipeline"),
    ]

    operations = [
        migrations.AddField(
            model_name="stagechange",
            name="from_stage_name",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="stagechange",
            name="to_stage_name",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name="stagechange",
            name="to_stage",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="deals.stage",
            ),
        ),
        migrations.RunPython(fill_names, migrations.RunPython.noop),
    ]
