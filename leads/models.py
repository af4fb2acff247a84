"""Leads, the web-to-lead forms that capture them, and what a converted lead became."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models.functions import Concat, Lower
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import OwnedRecord
from accounts.rbac import record_permissions
from contacts.models import Company, Contact, Tag
from crm.records import record_url
from deals.models import Deal


class LeadQuerySet(models.QuerySet["Lead"]):
    def open(self) -> LeadQuerySet:
        return self.exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.UNQUALIFIED])

    def owned_by(self, user) -> LeadQuerySet:  # type: ignore[no-untyped-def]
        return self.filter(owner=user)


class Lead(OwnedRecord):
    audited = True  # create, update, delete go to the audit log

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        QUALIFIED = "qualified", "Qualified"
        UNQUALIFIED = "unqualified", "Unqualified"
        CONVERTED = "converted", "Converted"

    class Source(models.TextChoices):
        WEB_FORM = "web_form", "Web form"
        WEBSITE = "website", "Website"
        REFERRAL = "referral", "Referral"
        COLD_CALL = "cold_call", "Cold call"
        EVENT = "event", "Event"
        PARTNER = "partner", "Partner"
        ADVERTISING = "advertising", "Advertising"
        SOCIAL = "social", "Social media"
        OTHER = "other", "Other"

    class Rating(models.TextChoices):
        HOT = "hot", "Hot"
        WARM = "warm", "Warm"
        COLD = "cold", "Cold"

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    title = models.CharField("job title", max_length=150, blank=True)
    company_name = models.CharField("company", max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    website = models.URLField(max_length=300, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.OTHER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    description = models.TextField("notes", blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="leads")
    custom = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    web_form = models.ForeignKey(
        "leads.WebForm", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    converted_at = models.DateTimeField(null=True, blank=True, editable=False)
    converted_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    converted_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_leads"
    )
    converted_company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_leads"
    )
    converted_deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_leads"
    )
    search_text = models.GeneratedField(
        expression=Lower(
            Concat(
                "first_name",
                models.Value(" "),
                "last_name",
                models.Value(" "),
                "company_name",
                models.Value(" "),
                "email",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [*record_permissions("lead", "leads"), ("convert_lead", "Can convert leads")]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_created_idx"),
            models.Index(fields=["team", "-created_at", "-id"], name="lead_team_created_idx"),
            models.Index(
                fields=["owner", "status", "last_name", "first_name", "id"],
                name="lead_owner_status_name_idx",
            ),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_created_idx"),
            models.Index(fields=["last_name", "first_name", "id"], name="lead_name_idx"),
            models.Index(Lower("email"), name="lead_email_ci_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_converted(self) -> bool:
        return self.status == self.Status.CONVERTED

    def get_absolute_url(self) -> str:
        return record_url("leads:lead-detail", self.pk)


def new_form_token() -> str:
    return secrets.token_urlsafe(16)


class WebForm(models.Model):
    """A web-to-lead capture form: its public URL and snippet create leads."""

    FIELD_CHOICES = [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("company_name", "Company"),
        ("title", "Job title"),
        ("website", "Website"),
        ("description", "Message"),
    ]

    name = models.CharField(max_length=100)
    token = models.CharField(max_length=40, unique=True, default=new_form_token, editable=False)
    fields = models.JSONField(
        default=list, help_text="Which lead fields the form asks for, in order."
    )
    required_fields = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who owns the leads it creates.",
    )
    source = models.CharField(
        max_length=20, choices=Lead.Source.choices, default=Lead.Source.WEB_FORM
    )
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.SET_NULL)
    success_message = models.CharField(
        max_length=300, default="Thank you, we will be in touch shortly."
    )
    redirect_url = models.URLField(
        max_length=300, blank=True, help_text="Where to send the visitor after submitting."
    )
    is_active = models.BooleanField(default=True)
    submission_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("leads:webform-detail", self.pk)


class LeadUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Lead, on_delete=models.CASCADE)


class LeadGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Lead, on_delete=models.CASCADE)
