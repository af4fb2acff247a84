"""The kernel's tables: the event outbox and its deliveries, and process heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Event(models.Model):
    """Something meaningful happened: written in the same transaction as the change.

    The row is the transactional outbox of DESIGN.md section 4: it exists if and only if its
    change committed, and its deliveries say which handler has seen it.
    """

    type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # covered by crm_event_actor_idx
        help_text="Who caused it; empty for the system.",
    )
    cause = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="effects",
        help_text="The event whose handling published this one.",
    )
    depth = models.PositiveSmallIntegerField(default=0)
    halted = models.BooleanField(
        default=False, help_text="Past the depth limit: recorded but not dispatched."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        permissions = [("view_system_status", "Can view system status and the event outbox")]
        indexes = [
            models.Index(fields=["type", "-id"], name="crm_event_type_idx"),
            models.Index(fields=["created_at"], name="crm_event_created_idx"),
            models.Index(fields=["actor", "-id"], name="crm_event_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Delivery(models.Model):
    """One handler's copy of one event, claimed by compare-and-set so it runs once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField(
        default=timezone.now, help_text="Not run before this time (retry backoff)."
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a task for it was last sent to the broker."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="crm_delivery_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "available_at"], name="crm_delivery_due_idx"),
            models.Index(fields=["status", "finished_at"], name="crm_delivery_finished_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id} ({self.status})"


class Heartbeat(models.Model):
    """The last sign of life of a background process (``beat``)."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class SavedView(models.Model):
    """A user's named list view: its filters, sort and columns (``crm.lists``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    list_key = models.CharField(max_length=50, help_text="Which list, e.g. 'leads'.")
    name = models.CharField(max_length=100)
    query = models.CharField(
        max_length=2000, blank=True, help_text="The list's query string (filters and sort)."
    )
    columns = models.JSONField(default=list, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"], name="crm_savedview_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
