"""Money as a sales rep reads it: ``{{ deal.amount|money:deal.currency }}`` -> "$12,500"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()

SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "KRW": "₩",
    "ILS": "₪",
    "BRL": "R$",
    "MXN": "MX$",
    "HKD": "HK$",
    "SGD": "S$",
}


@register.filter
def money(amount: Any, currency: str = "") -> str:
    """Grouped, cents only when there are some, the symbol for common currencies."""
    try:
        value = Decimal(str(amount if amount is not None else 0))
    except InvalidOperation:
        return str(amount)
    places = 0 if value == value.to_integral_value() else 2
    text = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    code = (currency or "").upper()
    symbol = SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text} {code}".strip()


@register.filter
def money_short(amount: Any, currency: str = "") -> str:
    """Compact for tight places: "$1.2M", "$350K", "$980"."""
    try:
        value = Decimal(str(amount if amount is not None else 0))
    except InvalidOperation:
        return str(amount)
    for limit, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K")):
        if abs(value) >= limit:
            scaled = (value / limit).quantize(Decimal("0.1"))
            text = f"{scaled.normalize():f}{suffix}"
            break
    else:
        text = f"{value.quantize(Decimal('1')):f}"
    code = (currency or "").upper()
    symbol = SYMBOLS.get(code)
    return f"{symbol}{text}" if symbol else f"{text} {code}".strip()
