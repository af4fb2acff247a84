"""Forms parse and validate; the views hand ``cleaned_data`` to services."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings

from accounts.models import Role, User
from crm.forms import FastSelect


@cache
def timezone_choices() -> list[tuple[str, list[tuple[str, str]]] | tuple[str, str]]:
    """IANA zones grouped by region for a select box, UTC first."""
    regions: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        region, _, place = name.partition("/")
        if not place or region in {"Etc", "SystemV", "US", "Brazil", "Canada", "Chile", "Mexico"}:
            continue  # aliases and legacy names
        regions.setdefault(region, []).append((name, name.replace("_", " ")))
    choices: list[tuple[str, list[tuple[str, str]]] | tuple[str, str]] = [
        ("", f"Installation default ({settings.TIME_ZONE})"),
        ("UTC", "UTC"),
    ]
    choices.extend(sorted(regions.items()))
    return choices


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    timezone = forms.ChoiceField(
        label="Time zone",
        required=False,
        choices=timezone_choices,
        widget=FastSelect,
        help_text="Dates and times across Keel are shown in this zone.",
    )
    theme = forms.ChoiceField(label="Theme", choices=User.Theme.choices, widget=forms.RadioSelect)

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())  # "  Riley   Rep " -> "Riley Rep"


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=User.Theme.choices)


class IPRangeForm(forms.Form):
    cidr = forms.CharField(
        label="Network",
        max_length=50,
        help_text="An address (203.0.113.7) or a network (203.0.113.0/24, 2001:db8::/32).",
    )
    role = forms.ModelChoiceField(
        label="Applies to",
        queryset=Role.objects.order_by("rank", "name"),
        required=False,
        empty_label="Everyone",
    )
    note = forms.CharField(
        label="Note", max_length=200, required=False, help_text="e.g. Head office"
    )
