"""Shared form rendering: every ``{{ form }}`` uses the shell's field markup."""

from functools import lru_cache
from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class FormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"


class FastSelect(forms.Select):
    """A select for long option lists (time zones, countries), rendered in Python once.

    Django renders a template per option, which costs milliseconds for hundreds of options.
    Here the options' markup is built once per list of choices and cached; each render only
    marks the selected value. The markup matches Django's: optgroups, ``selected``, the
    field's attributes.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = _options_html(_freeze(self.choices))
        for selected in self.format_value(value):
            marker = format_html('<option value="{}">', selected)
            options = options.replace(marker, marker[:-1] + " selected>", 1)
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))  # noqa: S308


def _freeze(choices: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (
            str(value),
            tuple((str(v), str(text)) for v, text in label)
            if isinstance(label, list | tuple)
            else str(label),
        )
        for value, label in choices
    )


@lru_cache(maxsize=32)
def _options_html(choices: tuple[tuple[str, Any], ...]) -> str:
    """Escaped ``<option>``/``<optgroup>`` markup for a frozen list of choices."""
    parts = []
    for value, label in choices:
        if isinstance(label, tuple):
            inner = "".join(
                format_html('<option value="{}">{}</option>', v, lab) for v, lab in label
            )
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, mark_safe(inner)))  # noqa: S308
        else:
            parts.append(format_html('<option value="{}">{}</option>', value, label))
    return "".join(parts)


def apply_service_errors(form: Any, error: Any) -> None:
    """Put a service's ``ValidationError`` on ``form``: on the field it names when the form
    has that field, on the whole form otherwise."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
