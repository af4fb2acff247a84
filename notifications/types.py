"""The kinds of notification: who gets what is in ``handlers``; here, what each is called.

Every kind is listed on the notifications page's filter (and, with preferences, per
channel). Apps that add kinds later (support tickets, @mentions) register them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str  # "lead.assigned"
    label: str  # "Lead assigned to you"
    icon: str = "bell"  # a Lucide icon id
    order: int = 100
    email: bool = False  # emailed unless the person turns it off (preferences)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _kinds[kind.key] = kind


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.label))


def kind_for(key: str) -> Kind:
    return _kinds.get(key) or Kind(key, key.replace(".", " ").capitalize())


for _kind in (
    Kind("lead.assigned", "Lead assigned to you", "target", 10, email=True),
    Kind("deal.assigned", "Deal assigned to you", "handshake", 20, email=True),
    Kind("deal.stage_changed", "Your deal moved", "workflow", 30),
    Kind("deal.won", "Your deal was won", "trophy", 31),
    Kind("deal.lost", "Your deal was lost", "circle-x", 32),
    Kind("task.assigned", "Task assigned to you", "list-checks", 40, email=True),
    Kind("task.reminder", "Task reminder", "alarm-clock", 41, email=True),
    Kind("task.due", "Task due", "clock", 42),
    Kind("record.shared", "Shared with you", "share-2", 50, email=True),
    Kind("ticket.assigned", "Support ticket for you", "life-buoy", 60, email=True),
):
    register(_kind)
