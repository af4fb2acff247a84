import pytest


@pytest.fixture
def events(db):
    """``events("task.created")``: the payloads published with that type, oldest first."""
    from crm.models import Event

    def of_type(event_type):
        return list(
            Event.objects.filter(type=event_type).order_by("id").values_list("payload", flat=True)
        )

    return of_type


@pytest.fixture
def pipeline(db):
    from tests.deals.factories import PipelineFactory

    return PipelineFactory(name="Sales")
