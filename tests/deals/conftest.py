import pytest

from tests.deals.factories import PipelineFactory


@pytest.fixture
def events(db):
    """``events("deal.won")``: the payloads published with that type, oldest first."""
    from crm.models import Event

    def of_type(event_type):
        return list(
            Event.objects.filter(type=event_type).order_by("id").values_list("payload", flat=True)
        )

    return of_type


@pytest.fixture
def pipeline(db):
    """Qualify, Propose, Negotiate, Commit (open, rotting after 7 days), Won, Lost."""
    return PipelineFactory(name="Board test")


@pytest.fixture
def stages(pipeline):
    """The pipeline's stages by name."""
    return {s.name: s for s in pipeline.stages.all()}
