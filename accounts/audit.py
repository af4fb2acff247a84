"""The audit log: append-only, each row chained to the one before it by a SHA-256 hash.

``record()`` appends a row inside the caller's transaction, so a row exists if and only if
what it describes committed. Appends are serialized (a PostgreSQL advisory lock; SQLite
serializes writers anyway), and each row's hash covers its own fields and the previous
row's hash: changing, inserting or removing a row in the middle breaks the chain at that
point, which ``verify()`` (``manage.py verify_audit_log``) reports. Removing rows from the
end leaves a shorter valid chain, so ``verify()`` also prints the head's hash and the row
count, for comparison with a copy kept elsewhere.

Who acted comes from the caller; from where (IP, user agent) from the request being served,
set by :class:`AuditContextMiddleware` for the request's duration.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts import notices
from accounts.models import AuditEntry

# What each action means, for the audit page (an unknown action shows as itself).
ACTIONS = {
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.login_failed": "Sign-in failed",
    "audit.purged": "Old audit rows purged",
    "record.created": "Created",
    "record.updated": "Changed",
    "record.deleted": "Deleted",
    "records.bulk_updated": "Changed in bulk",
    "records.bulk_deleted": "Deleted in bulk",
    "data.exported": "Exported",
    "auth.session_revoked": "Session ended",
    "auth.sessions_revoked": "Other sessions ended",
    "auth.session_expired": "Session expired",
    "auth.ip_blocked": "Blocked: network not allowed",
    "security.ip_range_added": "Network allowed",
    "security.ip_range_removed": "Network removed",
    "role.created": "Role created",
    "role.changed": "Role changed",
    "role.fields_changed": "Role's field levels changed",
    "role.deleted": "Role deleted",
    "user.created": "Person added",
    "user.changed": "Person changed",
    "user.deactivated": "Person deactivated",
    "user.reactivated": "Person reactivated",
    "user.password_reset_sent": "Password link sent",
    "team.created": "Team created",
    "team.changed": "Team changed",
    "team.deleted": "Team deleted",
    "user.preview_started": "Began viewing as this person",
    "user.preview_stopped": "Stopped viewing as this person",
    "share.granted": "Shared",
    "share.revoked": "Share revoked",
    "auth.twofactor_verified": "Second factor verified",
    "auth.twofactor_failed": "Second factor refused",
    "twofactor.enabled": "Two-factor authentication turned on",
    "twofactor.disabled": "Two-factor method removed",
    "twofactor.backup_codes_regenerated": "Backup codes replaced",
    "passkey.added": "Passkey added",
    "passkey.removed": "Passkey removed",
    "auth.password_changed": "Password changed",
    "auth.password_reset": "Password reset by email link",
    "security.two_factor_policy_changed": "Two-factor requirement changed",
}

GENESIS = "0" * 64
LOCK_KEY = 7_241_901  # the advisory lock that serializes appends (PostgreSQL)
USER_AGENT_MAX = 300


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str


_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def client_of(request: HttpRequest) -> Client:
    """The address and browser of a request. ``REMOTE_ADDR`` is the peer, or the client the
    proxy named when the server trusts it (uvicorn ``--proxy-headers``)."""
    ip = str(request.META.get("REMOTE_ADDR") or "")[:45]
    agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    return Client(ip, agent)


class AuditContextMiddleware:
    """Make the current request's client known to ``record()`` (services have no request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)  # the client is read from it only when a row is written
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


# ---------------------------------------------------------------- writing


def plain(value: Any) -> Any:
    """``value`` as JSON keeps it (what the hash covers must read back the same)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return value.isoformat() if isinstance(value, datetime) else str(value)


def digest(entry: AuditEntry) -> str:
    """The hash of ``entry``: its fields and the previous row's hash, as canonical JSON."""
    fields = {
        "prev": entry.prev_hash,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "changes": entry.changes,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
    }
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: Any = "",
    object_label: str = "",
    client: Client | None = None,
) -> AuditEntry:
    """Append one row: ``action`` (dotted, e.g. ``auth.login``) by ``actor`` on ``obj``."""
    request = _request.get()
    if client is None:
        client = client_of(request) if request is not None else Client("", "")
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None  # AnonymousUser
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_label=(actor_label or getattr(actor, "email", ""))[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        object_label=object_label[:200],
        changes=plain(dict(changes or {})),
        ip=client.ip,
        user_agent=client.user_agent[:USER_AGENT_MAX],
    )
    if connection.in_atomic_block:  # inside the change's transaction: no savepoint needed
        _append(entry)
    else:
        with transaction.atomic():
            _append(entry)
    if action in notices.NOTICES:
        notices.queue(entry, base_url=request.build_absolute_uri("/") if request else "")
    return entry


def _append(entry: AuditEntry) -> AuditEntry:
    _lock()
    previous = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    entry.prev_hash = previous or GENESIS
    entry.hash = digest(entry)
    entry.save()
    return entry


# ---------------------------------------------------------------- record changes

# Columns whose changes say nothing to a reader (timestamps Keel keeps, derived text).
NOT_AUDITED = frozenset({"updated_at", "search_text", "version", "position", "last_activity_at"})


def acting_user() -> Any:
    """Who is acting: the signed-in user of the request being served, else None (a job)."""
    request = _request.get()
    user = getattr(request, "user", None) if request is not None else None
    return user if getattr(user, "is_authenticated", False) else None


def _audited(
    model: type[models.Model], columns: Mapping[str, Any], names: Any = None
) -> dict[str, Any]:
    """The audited fields among ``columns`` (attname -> value), optionally only ``names``:
    field name -> value, with a ``custom`` JSON field spread out as ``custom.<key>``."""
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in NOT_AUDITED or field.attname not in columns:
            continue
        if names is not None and field.name not in names and field.attname not in names:
            continue
        value = columns[field.attname]
        if field.name == "custom" and isinstance(value, dict):
            values.update({f"custom.{k}": v for k, v in value.items()})
        else:
            values[field.name] = value
    return plain(values)  # type: ignore[no-any-return]


def _current(obj: models.Model) -> dict[str, Any]:
    """``obj``'s loaded columns as they are now (deferred ones left out)."""
    deferred = obj.get_deferred_fields()
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in deferred
    }


def snapshot(obj: models.Model, names: Any = None) -> dict[str, Any]:
    """The audited values of ``obj`` now (all of them, or only ``names``)."""
    return _audited(type(obj), _current(obj), names)


def _before(obj: models.Model) -> dict[str, Any]:
    """The audited values ``obj`` had when it was loaded (``OwnedRecord.from_db``)."""
    names, values = getattr(obj, "_audit_loaded", ((), ()))
    return _audited(type(obj), dict(zip(names, values, strict=True)))


def record_saved(obj: models.Model, *, created: bool, update_fields: Any = None) -> None:
    """After ``obj.save()``: a ``record.created`` row with its values, or ``record.updated``
    with what changed since it was loaded (nothing changed: no row)."""
    after = snapshot(obj, update_fields)
    if created:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})}
        record("record.created", actor=acting_user(), obj=obj, changes=changes)
    else:
        before = _before(obj)
        keys = after.keys() | (before.keys() if update_fields is None else set())
        changes = {
            k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)
        }
        if changes:
            record("record.updated", actor=acting_user(), obj=obj, changes=changes)
    current = _current(obj)
    obj._audit_loaded = (list(current), list(current.values()))  # type: ignore[attr-defined]


def record_deleted(obj: models.Model, values: dict[str, Any], *, pk: Any, label: str) -> None:
    changes = {k: [v, None] for k, v in values.items() if v not in (None, "", [], {})}
    record(
        "record.deleted",
        actor=acting_user(),
        object_type=obj._meta.label_lower,
        object_id=pk,
        object_label=label,
        changes=changes,
    )


BULK_ID_LIMIT = 10_000  # ids listed in one bulk row; the count is always exact


def record_bulk(
    action: str,
    *,
    actor: Any,
    model: type[models.Model],
    ids: list[Any],
    changes: Mapping[str, Any] | None = None,
) -> None:
    """One row for a bulk action on ``ids`` of ``model`` (``records.bulk_updated`` or
    ``records.bulk_deleted``): the change made and which records it touched. Nothing
    touched: no row."""
    if not ids:
        return
    details: dict[str, Any] = {**(changes or {}), "count": len(ids), "ids": ids[:BULK_ID_LIMIT]}
    if len(ids) > BULK_ID_LIMIT:
        details["ids_not_listed"] = len(ids) - BULK_ID_LIMIT
    noun = model._meta.verbose_name if len(ids) == 1 else model._meta.verbose_name_plural
    record(
        action,
        actor=actor,
        object_type=model._meta.label_lower,
        object_label=f"{len(ids):,} {noun}",
        changes=details,
    )


# ---------------------------------------------------------------- retention


def purge(*, older_than_days: int, actor: Any = None) -> int:
    """Delete the rows older than ``older_than_days`` (the retention period) and record it.

    The ORM refuses to delete audit rows; this is the one way, with SQL, under the append
    lock. The purge row it appends names the anchor (the ``prev_hash`` of the oldest row
    kept), so ``verify()`` can tell a purge from rows removed by someone else.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])  # noqa: S608
            deleted = cursor.rowcount
        if not deleted:
            return 0
        oldest = AuditEntry.objects.order_by("id").values_list("prev_hash", flat=True).first()
        record(
            "audit.purged",
            actor=actor,
            changes={
                "deleted": deleted,
                "before": cutoff,
                "retention_days": older_than_days,
                "anchor": oldest or GENESIS,
            },
        )
    return deleted


# ---------------------------------------------------------------- checking


@dataclass(frozen=True)
class Verdict:
    rows: int
    head: str  # the last row's hash (GENESIS when empty)
    broken_at: int | None  # the id of the first row that does not fit
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _anchors() -> set[str]:
    """Where the chain may start: at the beginning, or where a recorded purge cut it."""
    purges = AuditEntry.objects.filter(action="audit.purged").values_list("changes", flat=True)
    return {GENESIS, *(str(changes.get("anchor", "")) for changes in purges)}


def verify(*, batch: int = 2000) -> Verdict:
    """Walk the log in order; the first row whose hash or link does not hold is reported.
    The oldest row must link to the beginning or to the anchor a purge recorded."""
    expected: str | None = None
    rows = 0
    first = AuditEntry.objects.order_by("id").only("id", "prev_hash").first()
    if first is not None and first.prev_hash not in _anchors():
        problem = "the oldest rows were removed without a recorded purge"
        return Verdict(0, GENESIS, first.pk, problem)
    entries: Iterator[AuditEntry] = AuditEntry.objects.order_by("id").iterator(chunk_size=batch)
    for entry in entries:
        rows += 1
        if expected is not None and entry.prev_hash != expected:
            problem = "its link does not match the row before it (a row was removed or added)"
            return Verdict(rows, expected, entry.pk, problem)
        if digest(entry) != entry.hash:
            return Verdict(rows, expected or GENESIS, entry.pk, "its content was changed")
        expected = entry.hash
    return Verdict(rows, expected or GENESIS, None)


# ---------------------------------------------------------------- sign-in events


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record("auth.login", actor=user, client=client_of(request) if request else None)


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("auth.logout", actor=user, client=client_of(request) if request else None)


def on_login_failed(
    sender: Any, credentials: Mapping[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A failed sign-in: the address tried (Django has already masked any secret)."""
    keys = ("email", "username", "login")
    tried = str(next((credentials[k] for k in keys if credentials.get(k)), ""))
    record(
        "auth.login_failed",
        actor_label=tried,
        client=client_of(request) if request else None,
    )


def summary(changes: Mapping[str, Any], *, limit: int = 160) -> str:
    """``changes`` in one line for a list: ``status: new → qualified; owner: 3 → 7``."""
    parts = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {value[0]} → {value[1]}")
        else:
            parts.append(f"{key}: {value}")
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def on_list_export(*, user: Any, spec: Any, state: Any) -> None:
    """A list was exported (``crm.lists.EXPORT_LISTENERS``): which list, filters, columns."""
    record(
        "data.exported",
        actor=user,
        object_type=f"list.{spec.key}",
        object_label=spec.title,
        changes={
            "query": state.saved_query(),
            "columns": [column.key for column in state.columns if column.exportable],
        },
    )
