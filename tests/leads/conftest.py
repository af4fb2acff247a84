import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Web-form rate limits live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def events(db):
    """``events("lead.created")``: the payloads published with that type, oldest first."""
    from crm.models import Event

    def of_type(event_type):
        return list(
            Event.objects.filter(type=event_type).order_by("id").values_list("payload", flat=True)
        )

    return of_type
