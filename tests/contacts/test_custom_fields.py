"""contacts.custom_fields: the form mixin, validation, storage, display, filters, CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from contacts import custom_fields
from contacts.models import Company, CustomField
from tests.contacts.factories import CompanyFactory, CustomFieldFactory

T = CustomField.Type


def field(field_type: str, **kwargs) -> CustomField:
    return CustomFieldFactory(entity="company", field_type=field_type, **kwargs)


class CompanyCustomForm(custom_fields.CustomFieldsFormMixin, forms.Form):
    custom_entity = "company"
    name = forms.CharField()


@pytest.mark.django_db
def test_definitions_are_active_and_ordered():
    second = field(T.TEXT, label="B", position=2)
    first = field(T.TEXT, label="A", position=1)
    field(T.TEXT, label="Hidden", position=0, is_active=False)
    CustomFieldFactory(entity="contact", label="Other entity")
    assert custom_fields.definitions("company") == [first, second]
    assert len(custom_fields.definitions("company", include_inactive=True)) == 3
    with pytest.raises(ValueError, match="Unknown"):
        custom_fields.definitions("planet")


@pytest.mark.django_db
def test_key_for_label_is_snake_case_and_unique():
    field(T.TEXT, key="annual_revenue")
    assert custom_fields.key_for_label("Annual revenue", entity="company") == "annual_revenue_2"
    assert custom_fields.key_for_label("Annual revenue", entity="contact") == "annual_revenue"
    assert custom_fields.key_for_label("2nd phone!", entity="company") == "f_2nd_phone"
    assert custom_fields.key_for_label("???", entity="company") == "field"


def test_parse_choices_one_per_line():
    assert custom_fields.parse_choices(" Gold \n\nsilver\nGOLD\n  Bronze  age ") == [
        "Gold",
        "silver",
        "Bronze age",
    ]


def test_choice_types_need_options():
    with pytest.raises(ValidationError) as error:
        custom_fields.validate_definition(field_type="choice", choices=[])
    assert "choices" in error.value.message_dict
    custom_fields.validate_definition(field_type="multi_choice", choices=["a"])
    custom_fields.validate_definition(field_type="text", choices=[])


# (type, choices, form input, stored, display, csv)
CASES = [
    (T.TEXT, [], "Referral partner", "Referral partner", "Referral partner", "Referral partner"),
    (T.NUMBER, [], "1200", 1200, "1,200", "1200"),
    (T.NUMBER, [], "2.5", 2.5, "2.5", "2.5"),
    (T.MONEY, [], "125000.5", "125000.50", "125,000.50 USD", "125000.50"),
    (T.DATE, [], "2026-03-01", "2026-03-01", "1 Mar 2026", "2026-03-01"),
    (T.CHOICE, ["Gold", "Silver"], "Silver", "Silver", "Silver", "Silver"),
    (T.MULTI_CHOICE, ["EU", "US", "APAC"], ["APAC", "EU"], ["EU", "APAC"], "EU, APAC", "EU; APAC"),
    (T.BOOLEAN, [], "on", True, "Yes", "yes"),
    (T.URL, [], "example.com/about", "https://example.com/about", None, None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "choices", "raw", "stored", "shown", "csv"), CASES)
def test_each_type_round_trips_through_the_form(kind, choices, raw, stored, shown, csv):
    definition = field(kind, key="value", label="Value", choices=choices)
    form = CompanyCustomForm({"name": "Acme", "cf_value": raw})
    assert form.is_valid(), form.errors
    values = form.custom_values()
    assert values == {"value": stored}
    # What the form stores is what a service accepts.
    assert custom_fields.clean_values("company", values) == values
    expected_display = shown if shown is not None else stored
    assert custom_fields.display_value(definition, stored) == expected_display
    assert custom_fields.csv_value(definition, stored) == (csv if csv is not None else stored)
    # An edit form shows the stored value again and saves it unchanged.
    again = CompanyCustomForm({"name": "Acme", "cf_value": form["cf_value"].value()}, custom=values)
    assert again.is_valid(), again.errors
    assert again.custom_values() == values
    initial = CompanyCustomForm(custom=values)["cf_value"].value()
    assert initial not in (None, "", [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "choices", "bad"),
    [
        (T.NUMBER, [], "twelve"),
        (T.MONEY, [], "12.5.3"),
        (T.DATE, [], "31/02/2026"),
        (T.CHOICE, ["Gold"], "Platinum"),
        (T.MULTI_CHOICE, ["EU"], ["US"]),
        (T.URL, [], "not a url"),
        (T.URL, [], "javascript:alert(1)"),
    ],
)
def test_bad_values_are_refused(kind, choices, bad):
    definition = field(kind, key="value", label="Value", choices=choices)
    form = CompanyCustomForm({"name": "Acme", "cf_value": bad})
    assert not form.is_valid()
    assert "cf_value" in form.errors
    with pytest.raises(ValidationError):
        custom_fields.validate_value(definition, bad)
    with pytest.raises(ValidationError) as error:
        custom_fields.clean_values("company", {"value": bad})
    assert "Value" in str(error.value)


@pytest.mark.django_db
def test_required_field_and_unknown_keys():
    field(T.TEXT, key="segment", label="Segment", required=True)
    form = CompanyCustomForm({"name": "Acme", "cf_segment": ""})
    assert not form.is_valid()
    assert "cf_segment" in form.errors
    with pytest.raises(ValidationError, match="no custom field"):
        custom_fields.clean_values("company", {"nope": "x"})
    assert custom_fields.clean_values("company", {"segment": "  "}) == {}


@pytest.mark.django_db
def test_unchecked_boolean_stores_false_and_required_boolean_is_optional():
    field(T.BOOLEAN, key="partner", label="Partner", required=True)
    form = CompanyCustomForm({"name": "Acme"})
    assert form.is_valid(), form.errors
    assert form.custom_values() == {"partner": False}


@pytest.mark.django_db
def test_values_of_deactivated_fields_are_kept_and_orphans_dropped():
    field(T.TEXT, key="old", label="Old", is_active=False)
    field(T.TEXT, key="new", label="New")
    form = CompanyCustomForm(
        {"name": "Acme", "cf_new": "fresh"}, custom={"old": "kept", "gone": "x", "new": "stale"}
    )
    assert "cf_old" not in form.fields
    assert form.is_valid()
    assert form.custom_values() == {"old": "kept", "new": "fresh"}
    assert [b.name for b in form.custom_bound_fields()] == ["cf_new"]


@pytest.mark.django_db
def test_display_rows_in_order_skip_empty_and_link_urls():
    field(T.URL, key="site", label="Site", position=2)
    field(T.MONEY, key="revenue", label="Revenue", position=1)
    field(T.TEXT, key="empty", label="Empty", position=3)
    field(T.TEXT, key="off", label="Off", is_active=False)
    rows = custom_fields.display_rows(
        "company", {"site": "https://acme.example", "revenue": "10.00", "off": "x"}
    )
    assert rows == [("Revenue", "10.00 USD"), ("Site", "https://acme.example")]
    assert rows[1].href == "https://acme.example"
    assert rows[0].href == ""
    html = render_to_string("components/_custom_fields.html", {"rows": rows})
    assert '<a href="https://acme.example"' in html
    assert "10.00 USD" in html
    assert "No values yet." in render_to_string("components/_custom_fields.html", {"rows": []})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "choices", "values", "query", "expected"),
    [
        (T.TEXT, [], ["Big fish", "small fry"], "FISH", [0]),
        (T.NUMBER, [], [10, 20], "20", [1]),
        (T.MONEY, [], ["5.00", "7.50"], "7.5", [1]),
        (T.DATE, [], ["2026-01-01", "2026-02-01"], "2026-01-01", [0]),
        (T.CHOICE, ["Gold", "Silver"], ["Gold", "Silver"], "gold", [0]),
        (T.MULTI_CHOICE, ["EU", "US", "EUR"], [["EU"], ["EUR", "US"]], "EU", [0]),
        (T.BOOLEAN, [], [True, False, None], "no", [1, 2]),
        (T.BOOLEAN, [], [True, False, None], "yes", [0]),
        (T.URL, [], ["https://a.example", "https://b.example"], "https://b.example", [1]),
    ],
)
def test_filter_q(kind, choices, values, query, expected):
    definition = field(kind, key="value", label="Value", choices=choices)
    companies = [
        CompanyFactory(name=f"C{i}", custom={} if v is None else {"value": v})
        for i, v in enumerate(values)
    ]
    found = Company.objects.filter(custom_fields.filter_q(definition, query)).order_by("name")
    assert list(found) == [companies[i] for i in expected]


@pytest.mark.django_db
def test_filter_q_refuses_a_value_the_field_cannot_hold():
    definition = field(T.NUMBER, key="value")
    with pytest.raises(ValidationError):
        custom_fields.filter_q(definition, "lots")


@pytest.mark.django_db
def test_date_and_decimal_python_values_are_accepted():
    assert custom_fields.validate_value(field(T.DATE, key="d"), date(2026, 5, 4)) == "2026-05-04"
    assert custom_fields.validate_value(field(T.MONEY, key="m"), Decimal("3")) == "3.00"
    assert custom_fields.validate_value(field(T.MONEY, key="m2"), "$1,250") == "1250.00"


@pytest.mark.django_db
def test_a_removed_option_stays_on_records_that_have_it():
    tier = field(T.CHOICE, key="tier", label="Tier", choices=["Gold"])
    regions = field(T.MULTI_CHOICE, key="regions", label="Regions", choices=["EU", "US"])
    stored = {"tier": "Platinum", "regions": ["APAC", "EU"]}
    form = CompanyCustomForm(
        {"name": "Acme", "cf_tier": "Platinum", "cf_regions": ["APAC", "US"]}, custom=stored
    )
    assert form.is_valid(), form.errors
    values = form.custom_values()
    assert values == {"tier": "Platinum", "regions": ["US", "APAC"]}
    assert custom_fields.clean_values("company", values, existing=stored) == values
    with pytest.raises(ValidationError):
        custom_fields.clean_values("company", values)  # a new record cannot pick it
    # The definitions themselves are untouched.
    tier.refresh_from_db()
    regions.refresh_from_db()
    assert tier.choices == ["Gold"]
    assert regions.choices == ["EU", "US"]
