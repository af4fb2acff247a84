"""The event spine (DESIGN.md section 4).

Services call :func:`publish` inside their transaction; the ``Event`` row and one
``Delivery`` per registered handler are written with the change. After commit a Celery task
per delivery runs the handler; a delivery is claimed with a compare-and-set update, so a
duplicated or retried task never runs a handler twice. The beat sweeper re-queues
deliveries that were never queued (broker down) or whose worker died.

Reactor apps register handlers in ``AppConfig.ready()`` by importing their ``handlers``::

    @handles("deal.stage_changed")
    def notify_owner(event: Event) -> None: ...

A handler runs inside a transaction together with the update that marks its delivery
done: its database writes and events commit only if it finishes.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from crm.models import Delivery, Event

logger = logging.getLogger(__name__)

HandlerFunc = Callable[[Event], None]
EVENT_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Handler:
    name: str
    func: HandlerFunc
    queue: str


_handlers_by_type: dict[str, dict[str, Handler]] = {}
_handlers_by_name: dict[str, Handler] = {}
_labels: dict[str, str] = {}


def describe(event_type: str, label: str) -> None:
    """Give an event type a human label for timelines and activity lists."""
    _labels[event_type] = label


def label_for(event_type: str) -> str:
    return _labels.get(event_type) or event_type.replace(".", " ").replace("_", " ").capitalize()


def handler_name(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def handles(*event_types: str, queue: str = "default") -> Callable[[HandlerFunc], HandlerFunc]:
    """Register the decorated function for each of ``event_types``."""
    for event_type in event_types:
        if not EVENT_TYPE_RE.match(event_type):
            raise ValueError(f"Event type {event_type!r} is not dotted lower case.")

    def register(func: HandlerFunc) -> HandlerFunc:
        handler = Handler(name=handler_name(func), func=func, queue=queue)
        _handlers_by_name[handler.name] = handler
        for event_type in event_types:
            _handlers_by_type.setdefault(event_type, {})[handler.name] = handler
        return func

    return register


def unregister(func: HandlerFunc) -> None:
    """Remove a handler (tests register throwaway handlers)."""
    name = handler_name(func)
    _handlers_by_name.pop(name, None)
    for handlers in _handlers_by_type.values():
        handlers.pop(name, None)


def handlers_for(event_type: str) -> list[Handler]:
    return list(_handlers_by_type.get(event_type, {}).values())


def publish(
    event_type: str,
    *,
    actor: Any = None,
    payload: Mapping[str, Any] | None = None,
    cause: Event | None = None,
) -> Event:
    """Record that something happened; call it inside the transaction that made the change.

    ``payload`` holds ids and changed fields (JSON; Decimals and dates become strings), never
    whole objects. ``actor`` is the user who acted, or None for the system. Pass ``cause``
    when publishing from a handler: the new event is one level deeper, and past
    ``CRM_EVENT_MAX_DEPTH`` it is recorded but not dispatched, so automations cannot loop.
    """
    if not EVENT_TYPE_RE.match(event_type):
        raise ValueError(f"Event type {event_type!r} is not dotted lower case.")
    depth = cause.depth + 1 if cause is not None else 0
    halted = depth > settings.CRM_EVENT_MAX_DEPTH
    handlers = [] if halted else handlers_for(event_type)
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            type=event_type,
            payload=dict(payload or {}),
            actor=actor if getattr(actor, "pk", None) else None,
            cause=cause,
            depth=depth,
            halted=halted,
            created_at=now,
        )
        deliveries = Delivery.objects.bulk_create(
            Delivery(event=event, handler=h.name, available_at=now, queued_at=now) for h in handlers
        )
    if halted:
        logger.warning(
            "Event %s #%s is %s levels deep (limit %s): not dispatched.",
            event_type,
            event.pk,
            depth,
            settings.CRM_EVENT_MAX_DEPTH,
        )
    elif deliveries:
        jobs = [(d.pk, h.queue) for d, h in zip(deliveries, handlers, strict=True)]
        transaction.on_commit(partial(enqueue_deliveries, jobs))
    return event


def enqueue_deliveries(jobs: list[tuple[int, str]]) -> int:
    """Send one task per delivery; on a broker failure leave the rest to the sweeper.

    Returns how many were sent. Never raises for a broker outage: the change has committed
    and its deliveries are in the database, so nothing is lost.
    """
    from crm.tasks import delivery_run_task

    sent = 0
    for delivery_id, queue in jobs:
        try:
            delivery_run_task.apply_async(args=[delivery_id], queue=queue)
        except (KombuError, OSError):
            unsent = [pk for pk, _ in jobs[sent:]]
            logger.warning(
                "Broker unavailable: %s deliveries left for the sweeper.",
                len(unsent),
                exc_info=True,
            )
            with contextlib.suppress(DatabaseError):
                # Not queued: the next sweep takes them without waiting for the grace period.
                Delivery.objects.filter(pk__in=unsent).update(queued_at=None)
            break
        sent += 1
    return sent


def delivery_run(*, delivery_id: int) -> bool:
    """Run one delivery's handler if this call wins the claim. True when it ran to the end."""
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.RUNNING,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False  # done already, running elsewhere, or gone
    delivery = Delivery.objects.select_related("event").get(pk=delivery_id)
    handler = _handlers_by_name.get(delivery.handler)
    if handler is None:
        _delivery_fail(delivery, "No handler of that name is registered.", retry=False)
        return False
    try:
        with transaction.atomic():
            handler.func(delivery.event)
            Delivery.objects.filter(pk=delivery_id).update(
                status=Delivery.Status.DONE, finished_at=timezone.now(), last_error=""
            )
    except Exception as exc:  # a handler's failure must not lose the delivery
        logger.exception("Handler %s failed on event #%s", delivery.handler, delivery.event_id)
        _delivery_fail(delivery, f"{type(exc).__name__}: {exc}", retry=True)
        return False
    return True


def _delivery_fail(delivery: Delivery, error: str, *, retry: bool) -> None:
    now = timezone.now()
    if retry and delivery.attempts < settings.CRM_EVENT_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING,
            available_at=now + retry_backoff(delivery.attempts),
            queued_at=None,
            last_error=error[:2000],
        )
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, finished_at=now, last_error=error[:2000]
        )


def retry_backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 30 s, 1 min, 2 min ... capped at 1 h."""
    base = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(1.0, 1.2))  # noqa: S311 - jitter, not crypto


def deliveries_redispatch_stuck(*, now: Any = None) -> int:
    """Re-queue deliveries that are due but not queued, or whose worker died mid-run.

    Called by beat every 30 s. Returns how many were sent to the broker.
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.CRM_EVENT_STUCK_AFTER)
    # A run outlives its task time limit only if its worker died: the handler's transaction
    # rolled back, so running it again is safe.
    dead_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + grace
    Delivery.objects.filter(
        status=Delivery.Status.RUNNING, claimed_at__lte=now - dead_after
    ).update(status=Delivery.Status.PENDING, queued_at=None, last_error="Worker lost.")

    due = Delivery.objects.filter(status=Delivery.Status.PENDING, available_at__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=now - grace)
    )
    jobs = []
    for delivery_id, name in due.order_by("available_at").values_list("pk", "handler")[:1000]:
        handler = _handlers_by_name.get(name)
        jobs.append((delivery_id, handler.queue if handler else "default"))
    if not jobs:
        return 0
    Delivery.objects.filter(pk__in=[pk for pk, _ in jobs]).update(queued_at=now)
    return enqueue_deliveries(jobs)


def delivery_retry(*, actor: Any, delivery_id: int) -> bool:
    """Give a failed delivery a fresh set of attempts and queue it now. False if not failed."""
    now = timezone.now()
    reset = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        available_at=now,
        queued_at=now,
        finished_at=None,
    )
    if not reset:
        return False
    delivery = Delivery.objects.get(pk=delivery_id)
    handler = _handlers_by_name.get(delivery.handler)
    logger.info("Delivery %s retried by user %s", delivery_id, getattr(actor, "pk", None))
    jobs = [(delivery_id, handler.queue if handler else "default")]
    transaction.on_commit(partial(enqueue_deliveries, jobs))
    return True


def events_purge(*, older_than_days: int, batch_size: int = 5000) -> int:
    """Delete events (and their deliveries) older than the retention period, in batches so
    a large backlog never holds one long transaction. Returns how many events went."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    purged = 0
    while ids := list(
        Event.objects.filter(created_at__lt=cutoff)
        .order_by("id")
        .values_list("pk", flat=True)[:batch_size]
    ):
        with transaction.atomic():
            Event.objects.filter(pk__in=ids).delete()
        purged += len(ids)
    return purged
