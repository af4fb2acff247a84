"""Phone numbers: parsed with libphonenumber and stored in E.164 (``+14155550123``)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """``raw`` as E.164; numbers without a country code are read in ``CRM_PHONE_REGION``.

    Empty input gives ``""``. An impossible number raises ``ValidationError`` with a
    message a person can act on.
    """
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region or settings.CRM_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            "%(value)s is not a phone number.", code="invalid_phone", params={"value": text}
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "%(value)s is not a valid phone number; "
            "include the country code, e.g. +44 20 7946 0958.",
            code="invalid_phone",
            params={"value": text},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """An E.164 number formatted for reading (international format)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
