"""Formatting for the dashboard: money per currency, percentages, SVG bar widths."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.conf import settings

register = template.Library()


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


@register.filter
def money(amounts: dict[str, Decimal] | None, currency: str = "") -> str:
    """ "12,500 USD", the main ``currency`` first and any others after: "+ 3,000 EUR"."""
    amounts = amounts or {}
    main = currency or settings.CRM_DEFAULT_CURRENCY
    parts = [f"{_amount(amounts.get(main, Decimal(0)))} {main}"]
    parts += [f"{_amount(v)} {c}" for c, v in sorted(amounts.items()) if c != main and v]
    return " + ".join(parts)


@register.filter
def money_in(amounts: dict[str, Decimal] | None, currency: str) -> str:
    """Only ``currency``'s total: "12,500 USD"."""
    return f"{_amount((amounts or {}).get(currency, Decimal(0)))} {currency}"


@register.filter
def amount_in(amounts: dict[str, Decimal] | None, currency: str) -> str:
    """Only ``currency``'s total, as a number: "12,500" (the column says the currency)."""
    return _amount((amounts or {}).get(currency, Decimal(0)))


@register.filter
def other_currencies(amounts: dict[str, Decimal] | None, currency: str) -> str:
    """What is not in ``currency``: "+ 3,000 EUR + 1,200 GBP", or ""."""
    return " ".join(
        f"+ {_amount(v)} {c}" for c, v in sorted((amounts or {}).items()) if c != currency and v
    )


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


@register.filter
def signed_pct(value: float | None) -> str:
    """ "+12%", "\u22128%" (a real minus sign), "0%"; a dash when there is nothing to compare."""
    if value is None:
        return "—"
    rounded = round(value)
    if rounded > 0:
        return f"+{rounded}%"
    if rounded < 0:
        return f"\u2212{-rounded}%"
    return "0%"


@register.filter
def signed_points(value: float | None) -> str:
    """A change in percentage points: "+3 pts"."""
    if value is None:
        return "—"
    rounded = round(value)
    sign = "+" if rounded > 0 else "\u2212" if rounded < 0 else ""
    return f"{sign}{abs(rounded)} pts"


@register.filter
def trend(value: float | None) -> str:
    """ "up", "down" or "flat" (for CSS classes and icons)."""
    if value is None or round(value) == 0:
        return "flat"
    return "up" if value > 0 else "down"


@register.filter
def bar(value: Any) -> str:
    """An SVG width in a 0-100 viewBox, always with a dot decimal separator."""
    try:
        number = max(0.0, min(100.0, float(value)))
    except (TypeError, ValueError):
        number = 0.0
    if 0 < number < 0.5:
        number = 0.5  # a sliver, so a small non-zero value is still visible
    return f"{number:.1f}"
