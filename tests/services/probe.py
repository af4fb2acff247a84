"""A handler for service tests, imported by the worker with ``celery worker -I``."""

from crm.events import handles
from crm.models import Event, Heartbeat


@handles("probe.changed")
def record_probe(event: Event) -> None:
    Heartbeat.objects.update_or_create(name=f"probe-{event.pk}", defaults={"at": event.created_at})
