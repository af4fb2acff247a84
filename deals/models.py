"""Pipelines with ordered stages, deals on them, and each deal's stage history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import OwnedRecord
from accounts.rbac import record_permissions
from contacts.models import Company, Contact, Tag
from crm.records import record_url


def default_currency() -> str:
    return settings.CRM_DEFAULT_CURRENCY


class Pipeline(models.Model):
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("deals:board", self.pk)


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Chance of winning, in percent, used for weighted forecasts.",
    )
    is_won = models.BooleanField("won stage", default=False)
    is_lost = models.BooleanField("lost stage", default=False)
    rotting_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A deal idle this many days in the stage is marked as rotting.",
    )

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="deals_stage_name_unique"),
            models.CheckConstraint(
                condition=~models.Q(is_won=True, is_lost=True), name="deals_stage_won_xor_lost"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class DealQuerySet(models.QuerySet["Deal"]):
    def open(self) -> DealQuerySet:
        return self.filter(status=Deal.Status.OPEN)

    def owned_by(self, user) -> DealQuerySet:  # type: ignore[no-untyped-def]
        return self.filter(owner=user)


class Deal(OwnedRecord):
    audited = True  # create, update, delete go to the audit log

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    name = models.CharField(max_length=200)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(max_length=3, default=default_currency)
    expected_close_date = models.DateField(null=True, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    contacts = models.ManyToManyField(Contact, blank=True, related_name="deals")
    lost_reason = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    position = models.FloatField(
        default=0, editable=False, help_text="Order within the stage's kanban column."
    )
    stage_entered_at = models.DateTimeField(default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised by every change; stale edits are refused."
    )
    description = models.TextField("notes", blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="deals")
    custom = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_text = models.GeneratedField(
        expression=Lower("name"), output_field=models.TextField(), db_persist=True
    )

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = record_permissions("deal", "deals")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="deal_created_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="deal_owner_created_idx"),
            models.Index(fields=["team", "-created_at", "-id"], name="deal_team_created_idx"),
            models.Index(fields=["stage", "position", "id"], name="deal_board_idx"),
            models.Index(fields=["owner", "stage", "position"], name="deal_owner_board_idx"),
            models.Index(fields=["team", "stage", "position"], name="deal_team_board_idx"),
            models.Index(fields=["pipeline", "status", "stage"], name="deal_pipeline_idx"),
            models.Index(fields=["status", "closed_at"], name="deal_closed_idx"),
            models.Index(fields=["stage", "closed_at"], name="deal_stage_closed_idx"),
            models.Index(fields=["expected_close_date"], name="deal_close_date_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("deals:deal-detail", self.pk)

    @property
    def idle_since(self):  # type: ignore[no-untyped-def]
        if self.last_activity_at and self.last_activity_at > self.stage_entered_at:
            return self.last_activity_at
        return self.stage_entered_at

    def is_rotting(self, *, at=None) -> bool:  # type: ignore[no-untyped-def]
        """Open and idle longer than its stage's rotting days (``stage`` should be loaded)."""
        days = self.stage.rotting_days
        if self.status != self.Status.OPEN or not days:
            return False
        return (at or timezone.now()) - self.idle_since > timedelta(days=days)


class StageChange(models.Model):
    """One move of a deal between stages: when, by whom, from where to where."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The stages' names when it happened: history outlives a deleted stage.
    from_stage_name = models.CharField(max_length=100, blank=True)
    to_stage_name = models.CharField(max_length=100, blank=True)
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    days_in_previous = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["deal", "-changed_at"], name="deal_stagechange_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} -> {self.to_stage_id}"


class DealUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Deal, on_delete=models.CASCADE)


class DealGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Deal, on_delete=models.CASCADE)
