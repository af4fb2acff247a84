"""Company, contact and custom-field forms: they parse and validate; views hand the data to
``contacts.services``. Emails, phones and addresses are formsets of repeatable rows that
work without page scripts (an "Add another" button posts the form back with one more row;
``static/js/contacts.js`` adds the row in place when scripts run)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from accounts import policy
from accounts.models import Scope, User
from contacts import custom_fields
from contacts.custom_fields import CustomFieldsFormMixin
from contacts.domains import normalize_domain
from contacts.models import Company, CompanySize, Contact, CustomField, Industry
from contacts.phones import display_phone, normalize_phone
from contacts.services import (
    AddressInput,
    EmailInput,
    PhoneInput,
    clean_email,
    clean_website,
    parse_tag_names,
)
from crm.forms import FastSelect

LABEL_SUGGESTIONS = {
    "emails": ("work", "personal", "billing", "support"),
    "phones": ("work", "mobile", "main", "home", "fax"),
    "addresses": ("head office", "billing", "shipping", "home"),
}
MAX_ROWS = 20


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


# ---------------------------------------------------------------- contact point rows


class EmailRowForm(forms.Form):
    email = forms.CharField(
        label="Email",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
    )
    label = forms.CharField(
        label="Label",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"list": "emails-labels", "placeholder": "work"}),
    )

    def clean_email(self) -> str:
        try:
            return clean_email(self.cleaned_data.get("email", ""))
        except ValidationError as error:
            raise ValidationError("Enter an email address such as jane@example.com.") from error


class PhoneRowForm(forms.Form):
    number = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "off", "placeholder": "+1 415 555 0100"}
        ),
    )
    label = forms.CharField(
        label="Label",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"list": "phones-labels", "placeholder": "mobile"}),
    )

    def clean_number(self) -> str:
        return normalize_phone(self.cleaned_data.get("number", ""))


class AddressRowForm(forms.Form):
    label = forms.CharField(
        label="Label",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"list": "addresses-labels", "placeholder": "head office"}),
    )
    street = forms.CharField(label="Street", required=False, max_length=200)
    city = forms.CharField(label="City", required=False, max_length=100)
    region = forms.CharField(label="State or region", required=False, max_length=100)
    postal_code = forms.CharField(label="Postal code", required=False, max_length=20)
    country = forms.CharField(label="Country", required=False, max_length=100)


class PointFormSet(forms.BaseFormSet):
    """Rows of one kind; ``<prefix>-primary`` (a radio per row) names the primary row."""

    kind = ""  # "emails", "phones", "addresses"
    value_field = ""

    def __init__(self, *args: Any, add_row: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_row = add_row

    @property
    def primary_name(self) -> str:
        return f"{self.prefix}-primary"

    def primary_index(self) -> int | None:
        if self.is_bound:
            try:
                return int(self.data.get(self.primary_name, ""))
            except ValueError:
                return None
        for index, initial in enumerate(self.initial or []):
            if initial.get("is_primary"):
                return index
        return 0

    def total_form_count(self) -> int:
        count = super().total_form_count()
        return min(count + 1, MAX_ROWS) if self.is_bound and self.add_row else count

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        form.row_index = i  # type: ignore[attr-defined]
        form.primary_checked = self.primary_index() == i  # type: ignore[attr-defined]
        return form

    def kept_forms(self) -> list[forms.Form]:
        return [
            f
            for f in self.forms
            if not (self.can_delete and f.cleaned_data.get("DELETE"))
            and any(v for k, v in f.cleaned_data.items() if k not in ("DELETE", "label"))
        ]

    def is_primary(self, form: forms.Form) -> bool:
        return self.primary_index() == form.row_index  # type: ignore[attr-defined]

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.kept_forms():
            value = str(form.cleaned_data.get(self.value_field, "")).lower()
            if self.value_field and value in seen:
                form.add_error(self.value_field, "This one is listed twice.")
            seen.add(value)

    def inputs(self) -> list[Any]:
        """The kept rows as service inputs (``EmailInput``, ...)."""
        raise NotImplementedError

    def label_suggestions(self) -> tuple[str, ...]:
        return LABEL_SUGGESTIONS.get(self.kind, ())


class EmailFormSet(PointFormSet):
    kind = "emails"
    value_field = "email"

    def inputs(self) -> list[EmailInput]:
        return [
            EmailInput(f.cleaned_data["email"], f.cleaned_data["label"], self.is_primary(f))
            for f in self.kept_forms()
        ]


class PhoneFormSet(PointFormSet):
    kind = "phones"
    value_field = "number"

    def inputs(self) -> list[PhoneInput]:
        return [
            PhoneInput(f.cleaned_data["number"], f.cleaned_data["label"], self.is_primary(f))
            for f in self.kept_forms()
        ]


class AddressFormSet(PointFormSet):
    kind = "addresses"
    value_field = ""

    def inputs(self) -> list[AddressInput]:
        return [
            AddressInput(
                **{k: v for k, v in f.cleaned_data.items() if k != "DELETE"},
                is_primary=self.is_primary(f),
            )
            for f in self.kept_forms()
        ]


def _formset(form: type[forms.Form], base: type[PointFormSet]) -> type[PointFormSet]:
    return cast(
        "type[PointFormSet]",
        forms.formset_factory(
            form, formset=base, extra=0, can_delete=True, max_num=MAX_ROWS, absolute_max=MAX_ROWS
        ),
    )


EmailRows = _formset(EmailRowForm, EmailFormSet)
PhoneRows = _formset(PhoneRowForm, PhoneFormSet)
AddressRows = _formset(AddressRowForm, AddressFormSet)


def point_formsets(
    data: Any = None, *, record: Company | Contact | None = None, add: str = ""
) -> dict[str, PointFormSet]:
    """The emails, phones and addresses formsets of a company or contact form.

    Unbound: the record's rows (or one blank row each for a new record). ``add`` names the
    formset that gets one more blank row (the no-script "Add another" button).
    """
    initial: dict[str, list[dict[str, Any]]] = {"emails": [], "phones": [], "addresses": []}
    if record is not None and record.pk:
        initial["emails"] = [
            {"email": e.email, "label": e.label, "is_primary": e.is_primary}
            for e in record.emails.all()
        ]
        initial["phones"] = [
            {"number": display_phone(p.number), "label": p.label, "is_primary": p.is_primary}
            for p in record.phones.all()
        ]
        initial["addresses"] = [
            {
                **{n: getattr(a, n) for n in ("label", "street", "city", "region")},
                "postal_code": a.postal_code,
                "country": a.country,
                "is_primary": a.is_primary,
            }
            for a in record.addresses.all()
        ]
    sets: dict[str, PointFormSet] = {}
    for prefix, cls in (("emails", EmailRows), ("phones", PhoneRows), ("addresses", AddressRows)):
        rows = initial[prefix]
        if data is None:
            formset = cls(prefix=prefix, initial=rows or None)
            if not rows and prefix != "addresses":  # a blank email and phone row to fill
                formset.extra = 1
        else:
            formset = cls(data, prefix=prefix, initial=rows or None, add_row=add == prefix)
        sets[prefix] = formset
    return sets


# ---------------------------------------------------------------- record forms


class RecordFormBase(CustomFieldsFormMixin, forms.Form):
    """Owner (within the user's reach), tags and notes, shared by companies and contacts."""

    owner = OwnerChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Unassigned", widget=FastSelect
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text="Separate tags with commas; new ones are created.",
        widget=forms.TextInput(attrs={"list": "tag-options", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        kind = f"contacts.{self.custom_entity}"
        self.field_access = policy.restrict_form(self, user, kind)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = policy.assignable_users(user, kind)
        if policy.scope_for(user, kind) != Scope.ALL:
            # Only someone who sees everything may leave a record unassigned (nobody else
            # would see it).
            owner.required = True
            owner.empty_label = None
            owner.error_messages["required"] = "Choose who owns it."

    def clean_tags(self) -> list[str]:
        return parse_tag_names(self.cleaned_data.get("tags", ""))


class CompanyForm(RecordFormBase):
    custom_entity = "company"

    name = forms.CharField(max_length=200, error_messages={"required": "A company needs a name."})
    website = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"inputmode": "url", "placeholder": "example.com"}),
    )
    domain = forms.CharField(
        required=False,
        max_length=200,
        help_text="Left empty, it comes from the website or a work email.",
        widget=forms.TextInput(attrs={"placeholder": "example.com"}),
    )
    industry = forms.ChoiceField(choices=[("", "—"), *Industry.choices], required=False)
    size = forms.ChoiceField(
        label="Employees", choices=[("", "—"), *CompanySize.choices], required=False
    )

    field_order = ["name", "website", "domain", "industry", "size", "owner", "tags", "description"]

    def clean_website(self) -> str:
        return clean_website(self.cleaned_data.get("website", ""))

    def clean_domain(self) -> str:
        return normalize_domain(self.cleaned_data.get("domain", ""))

    @classmethod
    def initial_for(cls, company: Company) -> dict[str, Any]:
        return {
            "name": company.name,
            "website": company.website,
            "domain": company.domain,
            "industry": company.industry,
            "size": company.size,
            "owner": company.owner_id,
            "tags": ", ".join(t.name for t in company.tags.all()),
            "description": company.description,
        }


class ContactForm(RecordFormBase):
    custom_entity = "contact"

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(
        max_length=100, error_messages={"required": "A contact needs a last name."}
    )
    title = forms.CharField(label="Job title", max_length=150, required=False)
    company_name = forms.CharField(
        label="Company",
        required=False,
        max_length=200,
        help_text="Pick from the suggestions, or type a new company's name.",
        widget=forms.TextInput(attrs={"list": "company-options", "autocomplete": "off"}),
    )
    company = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = [
        "first_name",
        "last_name",
        "title",
        "company_name",
        "company",
        "owner",
        "tags",
        "description",
    ]

    def clean_company(self) -> str:
        value = (self.cleaned_data.get("company") or "").strip()
        return value if value.isdigit() else ""

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        return {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "title": contact.title,
            "company_name": contact.company.name if contact.company else "",
            "company": contact.company_id or "",
            "owner": contact.owner_id,
            "tags": ", ".join(t.name for t in contact.tags.all()),
            "description": contact.description,
        }


# ---------------------------------------------------------------- custom-field definitions


class CustomFieldForm(forms.Form):
    """Add or edit a custom field; the type of an existing field cannot change."""

    label = forms.CharField(max_length=100, error_messages={"required": "A field needs a label."})
    field_type = forms.ChoiceField(label="Type", choices=CustomField.Type.choices)
    choices = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For choice fields: one option per line.",
    )
    help_text = forms.CharField(
        required=False, max_length=200, help_text="Shown under the field in forms."
    )
    required = forms.BooleanField(required=False, label="Required in forms")
    show_in_list = forms.BooleanField(required=False, label="Show as a list column by default")

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any) -> None:
        if field is not None:
            kwargs.setdefault(
                "initial",
                {
                    "label": field.label,
                    "field_type": field.field_type,
                    "choices": "\n".join(field.choices),
                    "help_text": field.help_text,
                    "required": field.required,
                    "show_in_list": field.show_in_list,
                },
            )
        super().__init__(*args, **kwargs)
        self.field = field
        if field is not None:
            self.fields["field_type"].disabled = True
            self.fields["field_type"].help_text = "The type of a field never changes."

    def clean_choices(self) -> list[str]:
        return custom_fields.parse_choices(self.cleaned_data.get("choices", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field_type = data.get("field_type")
        if field_type:
            try:
                custom_fields.validate_definition(
                    field_type=field_type,
                    choices=data.get("choices", [])
                    if field_type in custom_fields.CHOICE_TYPES
                    else [],
                )
            except ValidationError as error:
                for message in error.message_dict.get("choices", error.messages):
                    self.add_error("choices", message)
        return data
