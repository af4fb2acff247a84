"""Check the audit log's hash chain: ``manage.py verify_audit_log`` (exit status 1 if broken)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts import audit


class Command(BaseCommand):
    help = "Check that no audit row was changed, added or removed; report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = audit.verify()
        if not verdict.ok:
            raise CommandError(
                f"Audit log broken at row {verdict.broken_at}: {verdict.problem}. "
                f"{verdict.rows:,} row(s) checked before it."
            )
        self.stdout.write(
            f"Audit log intact: {verdict.rows:,} row(s). Head {verdict.head} "
            "(compare with a copy kept elsewhere: removing the newest rows leaves a valid "
            "shorter chain)."
        )
