"""Which permission each view needs, declared in one table per app next to its urls.

Every app's ``urls.py`` declares a rule for each URL name it serves::

    access.declare("accounts", {"profile": access.LOGIN, "team": access.perm("accounts.view_team")})

``AccessMiddleware`` enforces the rule before the view runs, so RBAC can be reviewed in one
place and a URL without an entry is refused (and fails ``tests/crm/test_access.py``).
Rules are the coarse gate (who may open the page at all); which *records* a user may see is
the visibility policy's job in the selectors (DESIGN.md section 5).

``PUBLIC`` views must also carry Django's ``@login_not_required`` so that
``LoginRequiredMiddleware`` lets anonymous requests through; the public list is
:func:`public_url_names`, reviewed in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import ResolverMatch


@dataclass(frozen=True)
class Rule:
    public: bool = False
    perms: tuple[str, ...] = ()

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        if not user.is_authenticated or not user.is_active:
            return False
        return all(user.has_perm(p) for p in self.perms)

    def __str__(self) -> str:
        if self.public:
            return "public"
        return "login" + "".join(f" + {p}" for p in self.perms)


PUBLIC = Rule(public=True)
LOGIN = Rule()


def perm(*permissions: str) -> Rule:
    """Signed in and holding every one of ``permissions`` (``app_label.codename``)."""
    return Rule(perms=tuple(permissions))


_tables: dict[str, dict[str, Rule]] = {}


def declare(namespace: str, table: Mapping[str, Rule]) -> None:
    """Declare the rules of a URL namespace ("" for un-namespaced third-party names)."""
    _tables.setdefault(namespace, {}).update(table)


def rule_for(match: ResolverMatch) -> Rule | None:
    table = _tables.get(match.namespace)
    if table is None:
        return None
    return table.get(match.url_name or "")


def is_governed(match: ResolverMatch) -> bool:
    """True when the URL belongs to a namespace whose rules Keel declares."""
    return match.namespace in _tables


def declared() -> dict[str, dict[str, Rule]]:
    return {namespace: dict(table) for namespace, table in _tables.items()}


def public_url_names() -> set[str]:
    return {
        f"{namespace}:{name}" if namespace else name
        for namespace, table in _tables.items()
        for name, rule in table.items()
        if rule.public
    }
