"""Activities logged on records (calls, meetings, notes, emails) and tasks.

Both link to the records they concern with plain foreign keys (lead, contact, company,
deal): logging on a deal also fills its company, so a company's timeline is one indexed
query per kind instead of a walk over everything related.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import OwnedRecord
from accounts.rbac import record_permissions
from contacts.models import Company, Contact
from crm.records import record_url
from deals.models import Deal
from leads.models import Lead


class RelatedRecords(models.Model):
    """The records an activity or task concerns (any subset)."""

    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        abstract = True

    @property
    def record(self) -> models.Model | None:
        """The most specific record it concerns (deal, lead, contact, company)."""
        return self.deal or self.lead or self.contact or self.company


class Activity(OwnedRecord, RelatedRecords):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"
        NOTE = "note", "Note"
        EMAIL = "email", "Email"

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "Outbound"
        INBOUND = "inbound", "Inbound"

    class Outcome(models.TextChoices):
        CONNECTED = "connected", "Connected"
        LEFT_VOICEMAIL = "voicemail", "Left voicemail"
        NO_ANSWER = "no_answer", "No answer"
        BUSY = "busy", "Busy"
        WRONG_NUMBER = "wrong_number", "Wrong number"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(
        default=timezone.now, help_text="When it happened, or when a meeting starts."
    )
    ends_at = models.DateTimeField(null=True, blank=True, help_text="When a meeting ends.")
    direction = models.CharField(max_length=10, choices=Direction.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    location = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        permissions = record_permissions("activity", "activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-occurred_at", "-id"], name="activity_lead_idx"),
            models.Index(fields=["contact", "-occurred_at", "-id"], name="activity_contact_idx"),
            models.Index(fields=["company", "-occurred_at", "-id"], name="activity_company_idx"),
            models.Index(fields=["deal", "-occurred_at", "-id"], name="activity_deal_idx"),
            models.Index(fields=["owner", "-occurred_at"], name="activity_owner_idx"),
            models.Index(fields=["team", "-occurred_at"], name="activity_team_idx"),
            models.Index(fields=["kind", "occurred_at"], name="activity_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    def get_absolute_url(self) -> str:
        return record_url("activities:activity-detail", self.pk)


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> TaskQuerySet:
        return self.filter(completed_at__isnull=True)


class Task(OwnedRecord, RelatedRecords):
    """Something to do by a due time; ``owner`` is the assignee."""

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    all_day = models.BooleanField(default=False, help_text="Due on the day rather than at a time.")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    reminder_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    due_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When task.due was published."
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["completed_at", "due_at", "-priority", "id"]
        permissions = record_permissions("task", "tasks")
        indexes = [
            models.Index(fields=["owner", "completed_at", "due_at"], name="task_owner_due_idx"),
            models.Index(fields=["team", "completed_at", "due_at"], name="task_team_due_idx"),
            models.Index(fields=["due_at"], name="task_due_idx"),
            models.Index(fields=["lead", "-created_at"], name="task_lead_idx"),
            models.Index(fields=["contact", "-created_at"], name="task_contact_idx"),
            models.Index(fields=["company", "-created_at"], name="task_company_idx"),
            models.Index(fields=["deal", "-created_at"], name="task_deal_idx"),
            models.Index(
                fields=["reminder_at"],
                name="task_reminder_due_idx",
                condition=models.Q(reminder_sent_at__isnull=True, completed_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="task_due_open_idx",
                condition=models.Q(due_notified_at__isnull=True, completed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_url("activities:task-detail", self.pk)

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, *, at=None) -> bool:  # type: ignore[no-untyped-def]
        return (
            self.completed_at is None
            and self.due_at is not None
            and self.due_at < (at or timezone.now())
        )


class TaskUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Task, on_delete=models.CASCADE)


class TaskGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Task, on_delete=models.CASCADE)
