"""Security notices: an email to a person when their account's protection changes (a second
factor turned on or off, a passkey added or removed, backup codes replaced, the password
changed or reset), so that a change they did not make does not go unnoticed.

The audit log is where every such change is written, so :func:`audit.record` hands the new
row to :func:`queue`, which sends the mail from a Celery task once the change commits. The
mail says what changed, when, from which address and browser, and what to do if it was not
them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

# action -> what the mail says happened
NOTICES = {
    "twofactor.enabled": "Two-factor authentication was turned on",
    "twofactor.disabled": "A two-factor method was removed",
    "twofactor.backup_codes_regenerated": "Your backup codes were replaced",
    "passkey.added": "A passkey was added",
    "passkey.removed": "A passkey was removed",
    "auth.password_changed": "Your password was changed",
    "auth.password_reset": "Your password was reset with an emailed link",
}


def recipient_id(entry: Any) -> int | None:
    """Whose account changed: the user the row is about, else (a passkey) its actor."""
    if entry.object_type == "accounts.user" and str(entry.object_id).isdigit():
        return int(entry.object_id)
    return entry.actor_id  # type: ignore[no-any-return]


def queue(entry: Any, *, base_url: str) -> None:
    """Send the notice for the audit row ``entry`` once the current transaction commits."""
    if entry.action not in NOTICES:
        return
    from accounts.tasks import send_security_notice_task

    pk = entry.pk
    transaction.on_commit(lambda: send_security_notice_task.delay(pk, base_url.rstrip("/")))
