"""Who is told what: one handler per event type (docs/events.md), never the actor.

A person is only told about a record they may see (the visibility policy); what the title
says is the record's name, never a field a role may hide.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models

from accounts import policy
from accounts.models import User
from crm.events import handles
from crm.models import Event
from notifications.services import notify


def _person(pk: Any) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).first() if pk else None


def _record(label: str, pk: Any) -> models.Model | None:
    model = apps.get_model(label)
    return model._default_manager.filter(pk=pk).first() if pk else None


def _who(event: Event) -> str:
    return str(event.actor) if event.actor_id else "Keel"


def _tell(
    event: Event, recipient: User | None, record: models.Model | None, kind: str, title: str
) -> None:
    if recipient is None or record is None or not policy.can_view(recipient, record):
        return
    notify(
        recipient=recipient, kind=kind, title=title, actor=event.actor, record=record, event=event
    )


@handles("lead.assigned", "deal.assigned")
def assigned(event: Event) -> None:
    kind = event.type
    noun = kind.split(".", 1)[0]
    label = "leads.lead" if noun == "lead" else "deals.deal"
    record = _record(label, event.payload.get(f"{noun}_id"))
    title = f"{_who(event)} assigned you the {noun} {record}"
    _tell(event, _person(event.payload.get("to_owner_id")), record, kind, title)


@handles("task.assigned")
def task_assigned(event: Event) -> None:
    task = _record("activities.task", event.payload.get("task_id"))
    title = f"{_who(event)} gave you the task {task}"
    _tell(event, _person(event.payload.get("to_owner_id")), task, "task.assigned", title)


@handles("deal.stage_changed")
def stage_changed(event: Event) -> None:
    payload = event.payload
    if payload.get("to_status") != "open" and payload.get("from_status") == "open":
        return  # won or lost: deal.won / deal.lost tell the owner
    deal = _record("deals.deal", payload.get("deal_id"))
    if deal is None:
        return
    title = f"{_who(event)} moved {deal} to {payload.get('to_stage', 'another stage')}"
    _tell(event, _person(deal.owner_id), deal, "deal.stage_changed", title)  # type: ignore[attr-defined]


@handles("deal.won", "deal.lost")
def closed(event: Event) -> None:
    deal = _record("deals.deal", event.payload.get("deal_id"))
    if deal is None:
        return
    if event.type == "deal.won":
        title = f"{deal} was won" + (f" by {event.actor}" if event.actor_id else "")
    else:
        reason = event.payload.get("reason") or ""
        title = f"{deal} was lost" + (f": {reason}" if reason else "")
    _tell(event, _person(deal.owner_id), deal, event.type, title)  # type: ignore[attr-defined]


@handles("task.due", "task.reminder")
def task_due(event: Event) -> None:
    task = _record("activities.task", event.payload.get("task_id"))
    words = "Due now" if event.type == "task.due" else "Reminder"
    _tell(event, _person(event.payload.get("owner_id")), task, event.type, f"{words}: {task}")


@handles("record.shared")
def shared(event: Event) -> None:
    payload = event.payload
    record = _record(payload.get("record_type", ""), payload.get("record_id"))
    if record is None:
        return
    level = "to edit" if payload.get("level") == "edit" else "to view"
    noun = record._meta.verbose_name
    if payload.get("user_id"):
        people = [_person(payload["user_id"])]
        title = f"{_who(event)} shared the {noun} {record} with you {level}"
    else:
        people = list(User.objects.active().filter(team_id=payload.get("team_id")))
        title = f"{_who(event)} shared the {noun} {record} with your team {level}"
    for person in people:
        _tell(event, person, record, "record.shared", title)
