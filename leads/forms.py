"""Lead and web-form forms: they parse and validate; the views hand the data to services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from accounts import policy
from accounts.models import User
from contacts.custom_fields import CustomFieldsFormMixin
from contacts.phones import normalize_phone
from deals.models import Deal, Pipeline, Stage
from leads.models import Lead, WebForm
from leads.services import parse_tag_names

STATUS_CHOICES = [c for c in Lead.Status.choices if c[0] != Lead.Status.CONVERTED]


def clean_website(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = f"https://{value}"
    URLValidator(schemes=["http", "https"], message="Enter a web address such as example.com.")(
        value
    )
    return value


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


class LeadForm(CustomFieldsFormMixin, forms.Form):
    """Create or edit a lead. ``user`` decides whom the lead may be assigned to."""

    custom_entity = "lead"

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(
        max_length=100, error_messages={"required": "A lead needs a last name."}
    )
    company_name = forms.CharField(label="Company", max_length=200, required=False)
    title = forms.CharField(label="Job title", max_length=150, required=False)
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text="With the country code for numbers abroad, e.g. +44 20 7946 0958.",
    )
    website = forms.CharField(max_length=300, required=False)
    status = forms.ChoiceField(choices=STATUS_CHOICES, initial=Lead.Status.NEW)
    rating = forms.ChoiceField(choices=[("", "Not rated"), *Lead.Rating.choices], required=False)
    source = forms.ChoiceField(choices=Lead.Source.choices, initial=Lead.Source.OTHER)
    owner = OwnerChoiceField(queryset=User.objects.none(), empty_label=None)
    tags = forms.CharField(max_length=500, required=False, help_text="Separate tags with commas.")
    description = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, user: User, lead: Lead | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_access = policy.restrict_form(self, user, Lead)
        owners = policy.assignable_users(user, Lead)
        if lead is not None and lead.owner_id is not None:
            # Someone editing a shared lead may keep its owner, whoever that is.
            owners = User.objects.filter(pk__in=owners.values("pk")) | User.objects.filter(
                pk=lead.owner_id
            )
            owners = owners.order_by("full_name")
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = owners
        if lead is None:
            self.fields["owner"].initial = user.pk
        for name in ("email", "phone"):
            # leads.js asks the server for duplicates when the rep leaves these fields.
            if name in self.fields:
                self.fields[name].widget.attrs["data-duplicate-check"] = ""

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_website(self) -> str:
        return clean_website(self.cleaned_data["website"])

    def clean_tags(self) -> list[str]:
        return parse_tag_names(self.cleaned_data["tags"])

    def lead_values(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of ``lead_create`` / ``lead_update`` (the
        fields the user's role hides are not in the form, so not in the values either)."""
        data = dict(self.cleaned_data)
        values = {
            name: data[name]
            for name in (
                "first_name",
                "last_name",
                "title",
                "company_name",
                "email",
                "phone",
                "website",
                "source",
                "rating",
                "description",
                "status",
                "owner",
                "tags",
            )
            if name in data
        }
        values["custom"] = self.custom_values()
        return values


class LeadStatusForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES)


class ConvertForm(forms.Form):
    """What a lead becomes: which contact, which company, and an optional deal."""

    contact = forms.ChoiceField(widget=forms.RadioSelect)
    company = forms.ChoiceField(widget=forms.RadioSelect)
    create_deal = forms.BooleanField(label="Create a deal", required=False)
    deal_name = forms.CharField(label="Deal name", max_length=200, required=False)
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.none(), required=False, empty_label=None
    )
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), required=False, empty_label=None)
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    currency = forms.CharField(max_length=3, min_length=3, required=False)
    expected_close_date = forms.DateField(
        label="Expected close date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        lead: Lead,
        contacts: list[Any],
        companies: list[Any],
        user: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.contact_records = {str(c.record.pk): c.record for c in contacts}
        self.company_records = {str(c.record.pk): c.record for c in companies}
        cast(forms.ChoiceField, self.fields["contact"]).choices = [
            ("new", "Create a new contact")
        ] + [(pk, str(record)) for pk, record in self.contact_records.items()]
        company_choices = [(pk, str(r)) for pk, r in self.company_records.items()]
        if lead.company_name:
            company_choices.insert(0, ("new", "Create a new company"))
        company_choices.append(("none", "No company"))
        cast(forms.ChoiceField, self.fields["company"]).choices = company_choices
        pipelines = Pipeline.objects.filter(is_active=True).order_by("position", "name")
        cast(forms.ModelChoiceField, self.fields["pipeline"]).queryset = pipelines
        cast(forms.ModelChoiceField, self.fields["stage"]).queryset = (
            Stage.objects.filter(pipeline__is_active=True, is_won=False, is_lost=False)
            .select_related("pipeline")
            .order_by("pipeline__position", "pipeline__name", "position")
        )
        default_pipeline = next((p for p in pipelines if p.is_default), None) or pipelines.first()
        for key, records in (("contact", self.contact_records), ("company", self.company_records)):
            if key in self.initial and str(self.initial[key]) not in records:
                del self.initial[key]  # a link to a record that is not a candidate
        self.initial.setdefault("contact", next(iter(self.contact_records), "new"))
        self.initial.setdefault(
            "company",
            next(iter(self.company_records), "new" if lead.company_name else "none"),
        )
        self.initial.setdefault("pipeline", default_pipeline.pk if default_pipeline else None)
        self.initial.setdefault("currency", settings.CRM_DEFAULT_CURRENCY)
        self.initial.setdefault("deal_name", f"{lead.company_name or lead.full_name} deal")
        # The new deal's amount, currency and close date follow the user's levels on deals:
        # hidden ones leave the form, read-only ones are disabled (the deal keeps defaults).
        self.deal_access = policy.restrict_form(self, user, Deal)
        if "currency" in self.fields and "amount" in self.fields and self.fields["amount"].disabled:
            self.fields["currency"].help_text = ""  # the amount's note speaks for both
            self.initial["amount"] = Decimal("0")  # what the deal starts with

    def stage_groups(self) -> list[tuple[Pipeline, list[Stage]]]:
        """Open stages grouped by pipeline, for the stage select's optgroups."""
        groups: dict[int, tuple[Pipeline, list[Stage]]] = {}
        for stage in cast(forms.ModelChoiceField, self.fields["stage"]).queryset or []:
            groups.setdefault(stage.pipeline_id, (stage.pipeline, []))[1].append(stage)
        return list(groups.values())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("create_deal"):
            return data
        pipeline, stage = data.get("pipeline"), data.get("stage")
        if pipeline is None:
            self.add_error("pipeline", "Choose the pipeline for the deal.")
        elif stage is not None and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", f"{stage.name} is not a stage of {pipeline.name}.")
        currency = (data.get("currency") or "").upper()
        if currency and not currency.isalpha():
            self.add_error("currency", "Use a three-letter currency code such as USD.")
        data["currency"] = currency
        return data

    def deal_values(self) -> dict[str, Any]:
        """The new deal's fields (``leads.services.NewDeal``): the amount, currency and
        close date only where the user may set them, else the deal keeps the defaults."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            "pipeline": data["pipeline"],
            "stage": data["stage"],
            "name": data["deal_name"],
        }
        for name in ("amount", "currency", "expected_close_date"):
            if name in self.fields and not self.fields[name].disabled:
                values[name] = data[name]
        if "amount" in values:
            values["amount"] = values["amount"] or Decimal("0")
        return values

    @property
    def chosen_contact(self) -> Any:
        return self.contact_records.get(self.cleaned_data["contact"])

    @property
    def chosen_company(self) -> Any:
        return self.company_records.get(self.cleaned_data["company"])

    @property
    def create_company(self) -> bool:
        return self.cleaned_data["company"] == "new"


class WebFormForm(forms.Form):
    """An admin's settings of a web-to-lead form."""

    name = forms.CharField(max_length=100, help_text="For you; visitors see it as the title.")
    asked_fields = forms.MultipleChoiceField(
        label="Fields on the form",
        choices=WebForm.FIELD_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Last name is always asked: a lead needs one.",
    )
    required_fields = forms.MultipleChoiceField(
        label="Required fields",
        choices=WebForm.FIELD_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    owner = OwnerChoiceField(
        label="Owner of new leads",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody (admins assign them)",
    )
    source = forms.ChoiceField(choices=Lead.Source.choices, initial=Lead.Source.WEB_FORM)
    tag = forms.CharField(
        label="Tag new leads with",
        max_length=50,
        required=False,
        help_text="A tag name; it is created if it does not exist.",
    )
    success_message = forms.CharField(
        max_length=300,
        initial="Thank you, we will be in touch shortly.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    redirect_url = forms.CharField(
        label="Redirect to",
        max_length=300,
        required=False,
        help_text="Optional: a page of your site to show after a submission, "
        "instead of the message.",
    )
    is_active = forms.BooleanField(label="Active (accepts submissions)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["owner"]
        ).queryset = User.objects.active().order_by("full_name")

    def clean_redirect_url(self) -> str:
        value = (self.cleaned_data["redirect_url"] or "").strip()
        if not value:
            return ""
        if not value.startswith(("https://", "http://")):
            raise ValidationError("Use a full address starting with https://.")
        URLValidator(schemes=["http", "https"])(value)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        fields = list(data.get("asked_fields") or [])
        if "last_name" not in fields:
            fields.insert(0, "last_name")
        order = [key for key, _ in WebForm.FIELD_CHOICES]
        data["asked_fields"] = sorted(set(fields), key=order.index)
        required = set(data.get("required_fields") or []) | {"last_name"}
        stray = required - set(data["asked_fields"])
        if stray:
            labels = dict(WebForm.FIELD_CHOICES)
            self.add_error(
                "required_fields",
                "Only fields on the form can be required: "
                + ", ".join(labels[s] for s in sorted(stray, key=order.index))
                + ".",
            )
        data["required_fields"] = sorted(required & set(data["asked_fields"]), key=order.index)
        return data

    def service_values(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of ``webform_create`` / ``webform_update``."""
        values = dict(self.cleaned_data)
        values["fields"] = values.pop("asked_fields")
        return values


# What each lead field looks like on the public form.
PUBLIC_FIELDS: dict[str, dict[str, Any]] = {
    "first_name": {"label": "First name", "max_length": 100, "autocomplete": "given-name"},
    "last_name": {"label": "Last name", "max_length": 100, "autocomplete": "family-name"},
    "email": {"label": "Email", "max_length": 254, "autocomplete": "email", "type": "email"},
    "phone": {"label": "Phone", "max_length": 40, "autocomplete": "tel", "type": "tel"},
    "company_name": {"label": "Company", "max_length": 200, "autocomplete": "organization"},
    "title": {"label": "Job title", "max_length": 150, "autocomplete": "organization-title"},
    "website": {"label": "Website", "max_length": 300, "autocomplete": "url", "type": "url"},
    "description": {"label": "Message", "max_length": 5000, "textarea": True},
}
HONEYPOT = "homepage"  # a field people never see; bots fill it


class PublicLeadForm(forms.Form):
    """The fields a web form asks for, built from its settings."""

    def __init__(self, *args: Any, web_form: WebForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.web_form = web_form
        required = set(web_form.required_fields) | {"last_name"}
        for name in web_form.fields:
            spec = PUBLIC_FIELDS.get(name)
            if spec is None:
                continue
            attrs = {"autocomplete": spec["autocomplete"]} if "autocomplete" in spec else {}
            if spec.get("textarea"):
                widget: forms.Widget = forms.Textarea(attrs={"rows": 5, **attrs})
            else:
                widget = forms.TextInput(attrs={"type": spec.get("type", "text"), **attrs})
            field_class = forms.EmailField if name == "email" else forms.CharField
            self.fields[name] = field_class(
                label=spec["label"],
                max_length=spec["max_length"],
                required=name in required,
                widget=widget,
                error_messages={"required": f"Please fill in {spec['label'].lower()}."},
            )
        if "last_name" not in self.fields:  # older forms: a lead still needs a name
            spec = PUBLIC_FIELDS["last_name"]
            self.fields["last_name"] = forms.CharField(
                label=spec["label"], max_length=spec["max_length"]
            )
        self.fields[HONEYPOT] = forms.CharField(required=False, label="Leave this field empty")

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone", ""))

    def clean_website(self) -> str:
        return clean_website(self.cleaned_data.get("website", ""))

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}_error"}
                )

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())

    def visible_fields_only(self) -> list[Any]:
        return [self[name] for name in self.fields if name != HONEYPOT]

    def lead_values(self) -> dict[str, str]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in PUBLIC_FIELDS and value
        }
