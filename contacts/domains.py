"""Company web domains: lower case, without scheme, ``www.``, port or path.

A company's domain is what duplicate detection and email matching key on, so it is derived
when left empty: from the website, else from an email address unless that address is at a
free mail provider (``gmail.com`` says nothing about the company).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

FREE_MAIL = frozenset(
    {
        "aol.com",
        "fastmail.com",
        "gmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hey.com",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "outlook.com",
        "pm.me",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "163.com",
        "web.de",
        "yahoo.co.uk",
        "yahoo.com",
        "yahoo.fr",
        "yandex.ru",
        "ymail.com",
        "zoho.com",
    }
)
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+[a-z][a-z0-9-]{{1,62}}$")


def _host(text: str) -> str:
    text = (text or "").strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    text = text.rsplit("@", 1)[-1]  # user:password@host
    text = text.split(":", 1)[0].rstrip(".")
    return text.removeprefix("www.")


def normalize_domain(raw: str) -> str:
    """``raw`` (``https://www.Acme.com/about``, ``acme.com``) as ``acme.com``.

    Empty input gives ``""``; something that is not a domain raises ``ValidationError``.
    """
    if not (raw or "").strip():
        return ""
    host = _host(raw)
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError(
            "%(value)s is not a web domain.", code="invalid_domain", params={"value": raw}
        ) from error
    if len(host) > 200 or not _DOMAIN_RE.match(host):
        raise ValidationError(
            "%(value)s is not a web domain; enter something like example.com.",
            code="invalid_domain",
            params={"value": raw.strip()},
        )
    return host


def domain_from_website(website: str) -> str:
    """The domain of a web address, or ``""`` when there is none to take."""
    try:
        return normalize_domain(website)
    except ValidationError:
        return ""


def domain_from_email(email: str) -> str:
    """The domain of a work email; ``""`` for free mail providers and bad input."""
    if "@" not in (email or ""):
        return ""
    domain = domain_from_website(email.rsplit("@", 1)[1])
    return "" if domain in FREE_MAIL else domain


def derive_domain(*, domain: str = "", website: str = "", email: str = "") -> str:
    """The domain given, else the website's, else the email's (see module docs)."""
    if (domain or "").strip():
        return normalize_domain(domain)
    return domain_from_website(website) or domain_from_email(email)
