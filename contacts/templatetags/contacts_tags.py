"""Template filters of the companies and contacts pages."""

from django import template

from contacts.phones import display_phone

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """``+14155550100`` as ``+1 415-555-0100``."""
    return display_phone(e164 or "")
