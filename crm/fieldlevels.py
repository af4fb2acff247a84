"""The kernel's window on the field policy: which fields of a record kind a user may not
read. ``accounts.policy`` owns the answer (DESIGN.md section 5) and installs it here when
the app registry is ready, since the kernel never imports ``accounts``. Lists drop the
columns and filters of hidden fields and refuse bulk actions that write frozen ones; the
global search leaves hidden fields out of its hits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Resolver = Callable[[Any, str], frozenset[str]]
_hidden: Resolver | None = None
_frozen: Resolver | None = None


def install(*, hidden: Resolver, frozen: Resolver) -> None:
    global _hidden, _frozen
    _hidden, _frozen = hidden, frozen


def hidden(user: Any, label: str) -> frozenset[str]:
    """The fields of the record kind ``label`` ("deals.deal") that ``user`` may not read."""
    if _hidden is None or not label:
        return frozenset()
    return _hidden(user, label)


def frozen(user: Any, label: str) -> frozenset[str]:
    """The fields of ``label`` that ``user`` may not change (hidden or read-only)."""
    if _frozen is None or not label:
        return frozenset()
    return _frozen(user, label)
