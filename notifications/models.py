"""Notifications: what happened that a person should know, stored first, pushed second."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """One thing for one person: "Morgan assigned you the lead Jo Smith".

    Written by a handler of the event spine in the same transaction that marks its delivery
    done, so a notification exists once per (event, recipient, kind) however often the
    event is delivered; pushed to the person's open pages after it commits.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # covered by notification_inbox_idx
    )
    kind = models.CharField(max_length=50, help_text="The notification type (notifications.types).")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it; empty when Keel did (reminders, due tasks).",
    )
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True, help_text="The record it is about.")
    record_type = models.CharField(max_length=50, blank=True)  # "leads.lead"
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    event = models.ForeignKey(
        "crm.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was emailed (claimed once by the mail task)."
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The inbox, the dropdown and the catch-up after a reconnect: newest first.
            models.Index(fields=["recipient", "-id"], name="notification_inbox_idx"),
            models.Index(fields=["recipient", "kind", "-id"], name="notification_kind_idx"),
            models.Index(
                fields=["recipient", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "kind"], name="notification_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Preference(models.Model):
    """How one person wants one kind of notification: in Keel (the bell), by email. A kind
    without a row has its defaults (``notifications.types``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=50)
    in_app = models.BooleanField("in Keel", default=True)
    email = models.BooleanField("by email", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
