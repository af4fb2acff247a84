"""Demo data: each app registers a seeder; ``manage.py seed_demo`` runs them in order.

A seeder is idempotent (a second run changes nothing) and returns lines to print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Seeder = Callable[[], list[str]]


@dataclass(frozen=True)
class _Entry:
    order: int
    seeder: Seeder


_seeders: dict[str, _Entry] = {}


def register(seeder: Seeder, *, order: int = 100) -> None:
    _seeders[f"{seeder.__module__}.{seeder.__qualname__}"] = _Entry(order, seeder)


def seeders() -> list[Seeder]:
    return [entry.seeder for entry in sorted(_seeders.values(), key=lambda e: e.order)]
