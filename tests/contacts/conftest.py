import pytest


@pytest.fixture
def events(db):
    """``events("company.created")``: the payloads published with that type, oldest first."""
    from crm.models import Event

    def of_type(event_type):
        return list(
            Event.objects.filter(type=event_type).order_by("id").values_list("payload", flat=True)
        )

    return of_type
