"""Companies, contacts, their emails, phones and addresses, tags and custom fields."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Concat, Lower
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import OwnedRecord
from accounts.rbac import record_permissions
from crm.records import record_url


class Tag(models.Model):
    name = models.CharField(max_length=50)
    color = models.CharField(
        max_length=20,
        default="slate",
        choices=[(c, c.title()) for c in ("slate", "blue", "green", "amber", "red", "violet")],
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="contacts_tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class CustomField(models.Model):
    """A field an admin added to companies, contacts, leads or deals; values live in the
    record's ``custom`` JSON column under ``key`` (see ``contacts.custom_fields``)."""

    class Entity(models.TextChoices):
        COMPANY = "company", "Companies"
        CONTACT = "contact", "Contacts"
        LEAD = "lead", "Leads"
        DEAL = "deal", "Deals"

    class Type(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        MONEY = "money", "Money"
        DATE = "date", "Date"
        CHOICE = "choice", "Choice"
        MULTI_CHOICE = "multi_choice", "Multiple choice"
        BOOLEAN = "boolean", "Yes/no"
        URL = "url", "URL"

    entity = models.CharField(max_length=20, choices=Entity.choices)
    key = models.SlugField(
        max_length=50, help_text="Stored name, letters, digits and underscores; never changes."
    )
    label = models.CharField(max_length=100)
    field_type = models.CharField("type", max_length=20, choices=Type.choices)
    choices = models.JSONField(
        default=list, blank=True, help_text="Options for choice and multiple-choice fields."
    )
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    show_in_list = models.BooleanField(
        default=False, help_text="Offered as a column in the list by default."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="contacts_customfield_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_entity_display()}: {self.label}"


class Industry(models.TextChoices):
    SOFTWARE = "software", "Software"
    FINANCE = "finance", "Finance"
    HEALTHCARE = "healthcare", "Healthcare"
    MANUFACTURING = "manufacturing", "Manufacturing"
    RETAIL = "retail", "Retail"
    EDUCATION = "education", "Education"
    MEDIA = "media", "Media"
    LOGISTICS = "logistics", "Logistics"
    ENERGY = "energy", "Energy"
    PROFESSIONAL = "professional", "Professional services"
    GOVERNMENT = "government", "Government"
    NONPROFIT = "nonprofit", "Non-profit"
    OTHER = "other", "Other"


class CompanySize(models.TextChoices):
    MICRO = "1-10", "1-10"
    SMALL = "11-50", "11-50"
    MEDIUM = "51-200", "51-200"
    LARGE = "201-1000", "201-1,000"
    ENTERPRISE = "1000+", "1,000+"


class CompanyQuerySet(models.QuerySet["Company"]):
    def owned_by(self, user) -> CompanyQuerySet:  # type: ignore[no-untyped-def]
        return self.filter(owner=user)


class Company(OwnedRecord):
    audited = True  # create, update, delete go to the audit log

    name = models.CharField(max_length=200)
    domain = models.CharField(
        max_length=200, blank=True, help_text="Web domain, lower case, without www."
    )
    website = models.URLField(max_length=300, blank=True)
    industry = models.CharField(max_length=30, choices=Industry.choices, blank=True)
    size = models.CharField("employees", max_length=20, choices=CompanySize.choices, blank=True)
    email = models.EmailField("primary email", max_length=254, blank=True)
    phone = models.CharField("primary phone", max_length=20, blank=True)
    description = models.TextField("notes", blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies")
    custom = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_text = models.GeneratedField(
        expression=Lower(
            Concat(
                "name",
                models.Value(" "),
                "domain",
                models.Value(" "),
                "email",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name", "id"]
        permissions = record_permissions("company", "companies")
        indexes = [
            models.Index(fields=["name", "id"], name="company_name_idx"),
            models.Index(fields=["owner", "name", "id"], name="company_owner_name_idx"),
            models.Index(fields=["team", "name", "id"], name="company_team_name_idx"),
            models.Index(fields=["-created_at", "-id"], name="company_created_idx"),
            models.Index(fields=["domain"], name="company_domain_idx"),
            models.Index(fields=["phone"], name="company_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("contacts:company-detail", self.pk)


class ContactQuerySet(models.QuerySet["Contact"]):
    def owned_by(self, user) -> ContactQuerySet:  # type: ignore[no-untyped-def]
        return self.filter(owner=user)


class Contact(OwnedRecord):
    audited = True  # create, update, delete go to the audit log

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    title = models.CharField("job title", max_length=150, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    email = models.EmailField("primary email", max_length=254, blank=True)
    phone = models.CharField("primary phone", max_length=20, blank=True)
    description = models.TextField("notes", blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    custom = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_text = models.GeneratedField(
        expression=Lower(
            Concat(
                "first_name",
                models.Value(" "),
                "last_name",
                models.Value(" "),
                "email",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        permissions = record_permissions("contact", "contacts")
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
            models.Index(
                fields=["owner", "last_name", "first_name", "id"], name="contact_owner_name_idx"
            ),
            models.Index(
                fields=["team", "last_name", "first_name", "id"], name="contact_team_name_idx"
            ),
            models.Index(fields=["-created_at", "-id"], name="contact_created_idx"),
            models.Index(Lower("email"), name="contact_email_ci_idx"),
            models.Index(fields=["phone"], name="contact_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return record_url("contacts:contact-detail", self.pk)


class ContactPoint(models.Model):
    """Shared shape of an email, phone or address that belongs to a company or a contact."""

    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE)
    label = models.CharField(max_length=30, blank=True, help_text="work, home, mobile, ...")
    is_primary = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @classmethod
    def owner_check(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=(
                models.Q(company__isnull=False, contact__isnull=True)
                | models.Q(company__isnull=True, contact__isnull=False)
            ),
            name=name,
        )


class EmailAddress(ContactPoint):
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    email = models.EmailField(max_length=254)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name_plural = "email addresses"
        constraints = [ContactPoint.owner_check("contacts_email_one_owner")]
        indexes = [models.Index(Lower("email"), name="contacts_email_ci_idx")]

    def __str__(self) -> str:
        return self.email


class PhoneNumber(ContactPoint):
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(max_length=20, help_text="E.164, e.g. +14155550123")

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [ContactPoint.owner_check("contacts_phone_one_owner")]
        indexes = [models.Index(fields=["number"], name="contacts_phone_number_idx")]

    def __str__(self) -> str:
        return self.number


class Address(ContactPoint):
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses"
    )
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name_plural = "addresses"
        constraints = [ContactPoint.owner_check("contacts_address_one_owner")]

    def __str__(self) -> str:
        return ", ".join(
            p for p in (self.street, self.city, self.region, self.postal_code, self.country) if p
        )


# Record shares (django-guardian direct foreign keys, read by accounts.policy).
class CompanyUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)


class CompanyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)


class ContactUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Contact, on_delete=models.CASCADE)


class ContactGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Contact, on_delete=models.CASCADE)
