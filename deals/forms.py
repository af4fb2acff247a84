"""Deal and pipeline forms: they parse and validate; the views hand the data to services."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.forms import formset_factory
from django.urls import reverse

from accounts import policy
from accounts.models import User
from contacts.custom_fields import CustomFieldsFormMixin
from contacts.models import Company, Contact
from crm.forms import FastSelect
from deals.models import Deal, Pipeline, Stage
from deals.services import STAGE_KINDS, StageSpec, parse_tag_names

CURRENCIES = (
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
    "JPY", "CNY", "HKD", "SGD", "INR", "KRW", "AED", "SAR", "ZAR", "BRL", "MXN", "ILS",
)  # fmt: skip


def currency_choices(current: str = "") -> list[tuple[str, str]]:
    codes = [settings.CRM_DEFAULT_CURRENCY, *CURRENCIES]
    if current:
        codes.append(current)
    return [(code, code) for code in dict.fromkeys(c.upper() for c in codes)]


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name()


class StageSelect(forms.Select):
    """A stage select whose options say whether the stage is won or lost (``data-kind``),
    so the page can ask for the lost reason when a lost stage is picked."""

    def __init__(self, *args: Any, kinds: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds or {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        kind = self.kinds.get(str(value))
        if kind:
            option["attrs"]["data-kind"] = kind
        return option


class RecordPicker(forms.Widget):
    """Type to search, pick one (a company) or several (contacts) without rendering every
    record as an option: the chosen ones are checkboxes, the search asks the server (htmx)
    and ``static/js/deals.js`` adds what is picked."""

    template_name = "deals/widgets/record_picker.html"

    def __init__(
        self,
        *,
        search_url: str,
        noun: str,
        multiple: bool = False,
        include: str = "",
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.search_url = search_url
        self.noun = noun
        self.multiple = multiple
        self.include = include  # a CSS selector of inputs sent along with the search
        self.queryset: QuerySet[Any] | None = None

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        values = [v for v in data.getlist(name) if v] if hasattr(data, "getlist") else []
        if self.multiple:
            return values
        return values[-1] if values else None

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # an unticked box is a choice too

    def chosen(self, value: Any) -> list[Any]:
        raw = value if isinstance(value, list | tuple) else [value]
        ids = []
        for item in raw:
            pk = str(getattr(item, "pk", item) or "")
            if pk.isdigit():
                ids.append(int(pk))
        if not ids or self.queryset is None:
            return []
        found = {obj.pk: obj for obj in self.queryset.filter(pk__in=ids)}
        return [found[pk] for pk in dict.fromkeys(ids) if pk in found]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["picker"] = {
            "chosen": self.chosen(value),
            "search_url": self.search_url,
            "noun": self.noun,
            "multiple": self.multiple,
            "include": self.include,
        }
        return context


class DealForm(CustomFieldsFormMixin, forms.Form):
    """Create or edit a deal. ``user`` decides the owners, companies and contacts offered."""

    custom_entity = "deal"

    name = forms.CharField(max_length=200, error_messages={"required": "A deal needs a name."})
    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.none(), empty_label=None)
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), empty_label=None)
    lost_reason = forms.CharField(
        label="Lost reason",
        max_length=200,
        required=False,
        help_text="Required for a lost stage.",
    )
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(choices=())
    expected_close_date = forms.DateField(
        label="Expected close date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    company = forms.ModelChoiceField(queryset=Company.objects.none(), required=False)
    contacts = forms.ModelMultipleChoiceField(queryset=Contact.objects.none(), required=False)
    owner = OwnerChoiceField(queryset=User.objects.none(), empty_label=None, widget=FastSelect)
    tags = forms.CharField(max_length=500, required=False, help_text="Separate tags with commas.")
    description = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        user: User,
        deal: Deal | None = None,
        search_urls: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.deal = deal
        urls = search_urls or {}
        fields = cast(dict[str, Any], self.fields)  # ModelChoiceFields, typed loosely
        pipelines = Pipeline.objects.filter(is_active=True)
        if deal is not None:
            pipelines = Pipeline.objects.filter(Q(is_active=True) | Q(pk=deal.pipeline_id))
        fields["pipeline"].queryset = pipelines.order_by("position", "name")
        pipeline = self._chosen_pipeline()
        stages = Stage.objects.filter(pipeline=pipeline).order_by("position", "pk")
        fields["stage"].widget = StageSelect(
            kinds={
                str(s.pk): "won" if s.is_won else "lost" if s.is_lost else "open" for s in stages
            }
        )
        fields["stage"].queryset = stages  # also gives the new widget its choices
        fields["currency"].choices = currency_choices(
            self.initial.get("currency", "") or (deal.currency if deal else "")
        )
        self.initial.setdefault("currency", settings.CRM_DEFAULT_CURRENCY)

        companies = policy.visible(Company.objects.all(), user)
        contacts = policy.visible(Contact.objects.select_related("company"), user)
        owners = policy.assignable_users(user, Deal)
        if deal is not None:
            # Someone editing a shared deal keeps its owner and links, whoever can see them.
            if deal.company_id:
                companies = Company.objects.filter(
                    Q(pk__in=companies.values("pk")) | Q(pk=deal.company_id)
                )
            contacts = (
                Contact.objects.select_related("company")
                .filter(Q(pk__in=contacts.values("pk")) | Q(deals=deal))
                .distinct()
            )
            if deal.owner_id:
                owners = User.objects.filter(Q(pk__in=owners.values("pk")) | Q(pk=deal.owner_id))
        fields["company"].queryset = companies
        fields["company"].widget = RecordPicker(search_url=urls.get("company", ""), noun="company")
        fields["company"].widget.queryset = companies
        fields["contacts"].queryset = contacts
        fields["contacts"].widget = RecordPicker(
            search_url=urls.get("contact", ""),
            noun="contact",
            multiple=True,
            include="[data-picker][data-name=company] input[name=company]:checked",
        )
        fields["contacts"].widget.queryset = contacts
        fields["owner"].queryset = owners.order_by("full_name")
        if deal is None:
            fields["owner"].initial = user.pk
            del fields["version"]
        fields["pipeline"].widget.attrs.update(
            {
                "hx-get": reverse("deals:stage-options"),
                "hx-trigger": "change",
                "hx-target": "#id_stage",
                "hx-swap": "innerHTML",
            }
        )
        fields["stage"].widget.attrs["data-stage-target"] = ""
        # The user's field levels: hidden fields leave the form, read-only ones are disabled
        # (what is posted for them is ignored); deal_values() then leaves both out.
        self.field_access = policy.restrict_form(self, user, Deal)
        if "currency" in self.fields and "amount" in self.fields and self.fields["amount"].disabled:
            self.fields["currency"].help_text = ""  # the amount's note speaks for both

    def _chosen_pipeline(self) -> Pipeline | None:
        queryset = cast(QuerySet[Pipeline], cast(Any, self.fields["pipeline"]).queryset)
        raw = self.data.get(self.add_prefix("pipeline")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("pipeline")
        raw = str(getattr(raw, "pk", raw) or "")
        if raw.isdigit():
            found = queryset.filter(pk=int(raw)).first()
            if found is not None:
                return found
        return queryset.order_by("-is_default", "position", "name").first()

    def clean_tags(self) -> list[str]:
        return parse_tag_names(self.cleaned_data["tags"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stage, pipeline = data.get("stage"), data.get("pipeline")
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", f"{stage.name} is not a stage of {pipeline.name}.")
        if stage is not None and stage.is_lost and not (data.get("lost_reason") or "").strip():
            self.add_error("lost_reason", "Say why the deal was lost.")
        return data

    def deal_values(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of ``deal_create`` / ``deal_update``: the
        fields the user may change (a hidden or read-only field keeps its value)."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in (
                "name",
                "stage",
                "amount",
                "currency",
                "expected_close_date",
                "company",
                "owner",
                "description",
                "tags",
                "lost_reason",
            )
            if name in self.fields and not self.fields[name].disabled
        }
        values["contacts"] = list(data["contacts"])
        values["custom"] = self.custom_values()
        return values


class CloseLostForm(forms.Form):
    reason = forms.CharField(
        label="Why was it lost?",
        max_length=200,
        error_messages={"required": "Say why the deal was lost."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# ---------------------------------------------------------------- pipeline settings


class PipelineForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_default = forms.BooleanField(
        label="Default pipeline",
        required=False,
        help_text="The board opens on it, and new deals go to it unless you pick another.",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="A deactivated pipeline keeps its deals but leaves the board's picker and "
        "takes no new deals.",
    )


KIND_CHOICES = [("open", "Open"), ("won", "Won"), ("lost", "Lost")]


class StageRowForm(forms.Form):
    """One stage row of the pipeline settings page."""

    stage_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(max_length=100, required=False)
    kind = forms.ChoiceField(label="Type", choices=KIND_CHOICES, initial="open")
    probability = forms.IntegerField(
        label="Probability (%)",
        min_value=0,
        max_value=100,
        initial=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    rotting_days = forms.IntegerField(
        label="Rotting after (days)",
        min_value=1,
        max_value=3650,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    delete = forms.BooleanField(label="Delete", required=False)
    move_to = forms.TypedChoiceField(
        label="Move its deals to", coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(
        self, *args: Any, move_choices: Sequence[tuple[Any, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        move_to = cast(forms.TypedChoiceField, self.fields["move_to"])
        move_to.choices = [("", "Choose a stage"), *move_choices]

    def is_blank(self) -> bool:
        """A new row left empty: ignored rather than an error."""
        data = getattr(self, "cleaned_data", {})
        return not data.get("stage_id") and not (data.get("name") or "").strip()

    def spec(self) -> StageSpec:
        data = self.cleaned_data
        return StageSpec(
            pk=data.get("stage_id"),
            name=data.get("name") or "",
            kind=str(data.get("kind")) if data.get("kind") in STAGE_KINDS else "open",
            probability=data.get("probability") or 0,
            rotting_days=data.get("rotting_days"),
            delete=bool(data.get("delete")),
            move_to=data.get("move_to"),
        )


StageFormSet = formset_factory(StageRowForm, extra=0, can_delete=False)

NEW_PIPELINE_STAGES = [
    # name, kind, probability, rotting days
    ("Qualification", "open", 10, 14),
    ("Proposal", "open", 40, 10),
    ("Negotiation", "open", 70, 7),
    ("Won", "won", 100, None),
    ("Lost", "lost", 0, None),
]
