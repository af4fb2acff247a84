"""Pipeline settings: admin only; the rules (one open, one won, one lost stage; exactly one
default; deleting a stage that holds deals asks where they go); deactivating."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from deals import services
from deals.models import Deal, Pipeline, Stage, StageChange
from tests.deals.factories import DealFactory, PipelineFactory

pytestmark = pytest.mark.django_db


def specs(pipeline, **changes):
    """The pipeline's stages as settings rows; ``changes`` maps a stage name to overrides."""
    rows = []
    for stage in pipeline.stages.order_by("position"):
        row = {
            "pk": stage.pk,
            "name": stage.name,
            "kind": "won" if stage.is_won else "lost" if stage.is_lost else "open",
            "probability": stage.probability,
            "rotting_days": stage.rotting_days,
        }
        row.update(changes.get(stage.name, {}))
        rows.append(services.StageSpec(**row))
    return rows


def save(actor, pipeline, rows, **fields):
    values = {
        "name": pipeline.name,
        "is_default": pipeline.is_default,
        "is_active": pipeline.is_active,
        **fields,
    }
    return services.pipeline_save(actor=actor, pipeline=pipeline, stages=rows, **values)


# ---------------------------------------------------------------- services


def test_create_a_pipeline_with_its_stages(admin_user, events):
    pipeline = services.pipeline_save(
        actor=admin_user,
        name="Partnerships",
        stages=[
            services.StageSpec(name="Intro", probability=10, rotting_days=21),
            services.StageSpec(name="Pilot", probability=50),
            services.StageSpec(name="Signed", kind="won", probability=100, rotting_days=9),
            services.StageSpec(name="Dropped", kind="lost"),
        ],
    )
    stages = list(pipeline.stages.order_by("position"))
    assert [(s.name, s.position, s.is_won, s.is_lost) for s in stages] == [
        ("Intro", 0, False, False),
        ("Pilot", 1, False, False),
        ("Signed", 2, True, False),
        ("Dropped", 3, False, True),
    ]
    assert stages[0].rotting_days == 21
    assert stages[2].rotting_days is None  # closed stages do not rot
    assert not pipeline.is_default  # Sales (migration 0002) stays the default
    assert events("pipeline.created") == [{"pipeline_id": pipeline.pk}]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("Won", "won"), ("Lost", "lost")], "at least one open stage"),
        ([("A", "open"), ("Lost", "lost")], "a won stage"),
        ([("A", "open"), ("Won", "won")], "a lost stage"),
        ([("A", "open"), ("a", "open"), ("Won", "won"), ("Lost", "lost")], "Two stages"),
        ([("", "open"), ("Won", "won"), ("Lost", "lost")], "needs a name"),
    ],
)
def test_the_stage_rules(admin_user, rows, message):
    stages = [services.StageSpec(name=name, kind=kind) for name, kind in rows]
    with pytest.raises(ValidationError, match=message):
        services.pipeline_save(actor=admin_user, name="New", stages=stages)
    assert not Pipeline.objects.filter(name="New").exists()


def test_exactly_one_default_pipeline(admin_user):
    sales = Pipeline.objects.get(is_default=True)
    other = PipelineFactory(name="Other")
    save(admin_user, other, specs(other), is_default=True)
    assert list(Pipeline.objects.filter(is_default=True)) == [other]
    with pytest.raises(ValidationError, match="one default pipeline"):
        save(admin_user, Pipeline.objects.get(pk=other.pk), specs(other), is_default=False)
    sales.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be deactivated"):
        save(admin_user, Pipeline.objects.get(pk=other.pk), specs(other), is_active=False)
    save(admin_user, sales, specs(sales), is_active=False)  # not the default now
    sales.refresh_from_db()
    assert not sales.is_active


def test_reorder_rename_and_add_stages(admin_user, events):
    pipeline = PipelineFactory(name="P")
    rows = specs(pipeline, Qualify={"name": "Propose"}, Propose={"name": "Qualify"})
    rows = [rows[1], rows[0], services.StageSpec(name="Verbal yes", probability=85), *rows[2:]]
    save(admin_user, pipeline, rows)
    names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert names == ["Qualify", "Propose", "Verbal yes", "Negotiate", "Commit", "Won", "Lost"]
    assert events("pipeline.updated")[0]["changed"] == ["stages"]


def test_a_stage_holding_deals_is_deleted_only_after_its_deals_move(admin_user, rep, events):
    pipeline = PipelineFactory(name="P")
    stage = pipeline.stages.get(name="Propose")
    target = pipeline.stages.get(name="Negotiate")
    deals = [DealFactory(owner=rep, pipeline=pipeline, stage=stage) for _ in range(3)]
    with pytest.raises(ValidationError) as refused:
        save(admin_user, pipeline, specs(pipeline, Propose={"delete": True}))
    assert refused.value.message_dict[f"move_to_{stage.pk}"] == [
        "Propose holds 3 deals: choose the stage they move to."
    ]
    won = pipeline.stages.get(name="Won")
    with pytest.raises(ValidationError, match="another open stage"):
        save(admin_user, pipeline, specs(pipeline, Propose={"delete": True, "move_to": won.pk}))
    assert Stage.objects.filter(pk=stage.pk).exists()

    save(admin_user, pipeline, specs(pipeline, Propose={"delete": True, "move_to": target.pk}))
    assert not Stage.objects.filter(pk=stage.pk).exists()
    assert Deal.objects.filter(stage=target).count() == 3
    history = StageChange.objects.filter(deal__in=deals, to_stage=target)
    assert history.count() == 3
    assert {h.from_stage_name for h in history} == {"Propose"}
    assert len(events("deal.stage_changed")) == 3
    assert events("pipeline.updated")[-1]["deleted_stages"] == [stage.pk]


def test_a_stage_with_deals_keeps_its_kind(admin_user, rep):
    pipeline = PipelineFactory(name="P")
    DealFactory(owner=rep, pipeline=pipeline, stage=pipeline.stages.get(name="Commit"))
    with pytest.raises(ValidationError, match="holds deals"):
        save(admin_user, pipeline, specs(pipeline, Commit={"kind": "won"}))


def test_only_admins_change_pipelines(manager):
    with pytest.raises(PermissionDenied):
        services.pipeline_save(actor=manager, name="X", stages=[])


def test_delete_only_an_empty_non_default_pipeline(admin_user, rep):
    busy = PipelineFactory(name="Busy")
    DealFactory(owner=rep, pipeline=busy)
    with pytest.raises(ValidationError, match="holds deals"):
        services.pipeline_delete(actor=admin_user, pipeline=busy)
    with pytest.raises(ValidationError, match="default"):
        services.pipeline_delete(actor=admin_user, pipeline=Pipeline.objects.get(is_default=True))
    empty = PipelineFactory(name="Empty")
    services.pipeline_delete(actor=admin_user, pipeline=empty)
    assert not Pipeline.objects.filter(name="Empty").exists()


# ---------------------------------------------------------------- pages


def test_settings_pages_are_for_admins(client_for, admin_user, manager, rep, read_only):
    pipeline = PipelineFactory(name="P")
    pages = [
        reverse("deals:pipeline-list"),
        reverse("deals:pipeline-create"),
        reverse("deals:pipeline-edit", args=[pipeline.pk]),
        reverse("deals:pipeline-delete", args=[pipeline.pk]),
    ]
    for page in pages:
        assert client_for(admin_user).get(page).status_code == 200, page
        for user in (manager, rep, read_only):
            assert client_for(user).get(page).status_code == 403, (page, user)


def test_the_sidebar_shows_pipelines_to_admins_only(client_for, admin_user, rep):
    url = reverse("deals:pipeline-list")
    home = reverse("accounts:home")
    assert url in client_for(admin_user).get(home).content.decode()
    assert url not in client_for(rep).get(home).content.decode()


def formset_data(rows, **fields):
    data = {
        "name": "P",
        "is_active": "on",
        "stages-TOTAL_FORMS": str(len(rows)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"stages-{index}-{key}"] = value
    return data


def test_create_a_pipeline_from_the_page(client_for, admin_user):
    page = client_for(admin_user).get(reverse("deals:pipeline-create")).content.decode()
    assert 'value="Qualification"' in page  # a sensible start
    rows = [
        {"name": "Talk", "kind": "open", "probability": "20", "rotting_days": "10"},
        {"name": "", "kind": "open", "probability": "0"},  # an empty new row is ignored
        {"name": "Yes", "kind": "won", "probability": "100"},
        {"name": "No", "kind": "lost", "probability": "0"},
    ]
    response = client_for(admin_user).post(
        reverse("deals:pipeline-create"), formset_data(rows, name="Partners")
    )
    assert response.status_code == 302
    pipeline = Pipeline.objects.get(name="Partners")
    assert list(pipeline.stages.values_list("name", flat=True)) == ["Talk", "Yes", "No"]


def test_the_page_asks_where_deals_of_a_deleted_stage_go(client_for, admin_user, rep):
    pipeline = PipelineFactory(name="P")
    DealFactory(owner=rep, pipeline=pipeline, stage=pipeline.stages.get(name="Propose"))
    rows = []
    for stage in pipeline.stages.order_by("position"):
        row = {
            "stage_id": str(stage.pk),
            "name": stage.name,
            "kind": "won" if stage.is_won else "lost" if stage.is_lost else "open",
            "probability": str(stage.probability),
        }
        if stage.name == "Propose":
            row["delete"] = "on"
        rows.append(row)
    url = reverse("deals:pipeline-edit", args=[pipeline.pk])
    response = client_for(admin_user).post(url, formset_data(rows))
    assert response.status_code == 400
    assert "Propose holds 1 deal: choose the stage they move to." in response.content.decode()
    assert pipeline.stages.filter(name="Propose").exists()
    target = pipeline.stages.get(name="Qualify")
    rows[1]["move_to"] = str(target.pk)
    assert client_for(admin_user).post(url, formset_data(rows)).status_code == 302
    assert not pipeline.stages.filter(name="Propose").exists()
    assert Deal.objects.get().stage == target
