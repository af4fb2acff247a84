"""Does a company or contact being entered match one we already have?

A candidate matches by

- the same email: any of the record's email addresses or its primary email, any case
  (``lower(email)`` indexes on ``EmailAddress`` and ``Contact``);
- the same phone: E.164 numbers (indexed ``PhoneNumber.number`` and primary ``phone``);
- the same web domain (companies; indexed ``Company.domain``);
- a close name: on PostgreSQL trigram word similarity on ``search_text`` (the GIN indexes of
  migration 0002); elsewhere the normalised name (lower case, no punctuation, no legal
  suffix such as "Inc" or "GmbH") compared with names sharing its first word.

Only records ``user`` may see are returned (``accounts.policy``), at most :data:`LIMIT`,
strongest first. Each lookup is one indexed query, so a check costs a few milliseconds
however many records there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Lower

from accounts import policy
from contacts.domains import domain_from_email, normalize_domain
from contacts.models import Company, Contact, EmailAddress, PhoneNumber
from contacts.phones import normalize_phone

LIMIT = 5
NAME_SCAN = 50  # rows read per name lookup before ranking in Python
TRIGRAM_THRESHOLD = 0.6  # word similarity (pg_trgm's default for <%)
_SUFFIXES = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|llp|plc|gmbh|ag|sa|sas|sarl|srl|spa|bv|nv|oy|ab|"
    r"as|aps|kk|pty|pte|co|corp|corporation|company|group|holding|holdings)\b"
)
_NOT_WORD = re.compile(r"[\W_]+")
STRONG = ("same email", "same phone", "same domain")


@dataclass
class Candidate:
    """A record that may be the one being entered, and why (``"same email"``, ...)."""

    record: Any
    reasons: list[str] = field(default_factory=list)

    @property
    def strength(self) -> tuple[int, int]:
        strong = sum(1 for r in self.reasons if r in STRONG)
        return (strong, len(self.reasons))

    @property
    def reason_text(self) -> str:
        return ", ".join(self.reasons)


def name_key(name: str) -> str:
    """``"ACME, Inc."`` -> ``"acme"``: lower case, no punctuation or legal suffix."""
    words = _NOT_WORD.sub(" ", (name or "").lower())
    stripped = _SUFFIXES.sub(" ", words).split()
    return " ".join(stripped or words.split())


def _safe_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValidationError:
        return ""


def _safe_domain(raw: str) -> str:
    try:
        return normalize_domain(raw)
    except ValidationError:
        return ""


def _use_trigrams() -> bool:
    return connection.vendor == "postgresql"


class _Found:
    def __init__(self) -> None:
        self.by_pk: dict[int, Candidate] = {}

    def note(self, records: Any, reason: str) -> None:
        for record in records:
            candidate = self.by_pk.setdefault(record.pk, Candidate(record))
            if reason not in candidate.reasons:
                candidate.reasons.append(reason)

    def ranked(self) -> list[Candidate]:
        found = sorted(self.by_pk.values(), key=lambda c: c.record.pk, reverse=True)
        found.sort(key=lambda c: c.strength, reverse=True)
        return found[:LIMIT]


def _email_owner_ids(email: str, owner_field: str) -> QuerySet[Any]:
    return (
        EmailAddress.objects.alias(email_ci=Lower("email"))
        .filter(email_ci=email, **{f"{owner_field}__isnull": False})
        .values(owner_field)
    )


def _phone_owner_ids(number: str, owner_field: str) -> QuerySet[Any]:
    return PhoneNumber.objects.filter(number=number, **{f"{owner_field}__isnull": False}).values(
        owner_field
    )


def _similar_names(base: QuerySet[Any], text: str) -> list[Any]:
    """Rows whose ``search_text`` holds something close to ``text`` (PostgreSQL trigrams)."""
    from django.contrib.postgres.search import TrigramWordSimilarity

    return list(
        base.filter(search_text__trigram_word_similar=text)
        .annotate(name_similarity=TrigramWordSimilarity(text, "search_text"))
        .order_by("-name_similarity")[:NAME_SCAN]
    )


def company_candidates(
    *,
    user: Any,
    name: str = "",
    domain: str = "",
    email: str = "",
    phone: str = "",
    exclude_pk: int | None = None,
) -> list[Candidate]:
    """Companies visible to ``user`` that look like the one described."""
    if not user.has_perm("contacts.view_company"):
        return []
    base = policy.visible(Company.objects.select_related("owner"), user)
    if exclude_pk is not None:
        base = base.exclude(pk=exclude_pk)
    found = _Found()
    email = (email or "").strip().lower()
    domain = _safe_domain(domain) or domain_from_email(email)
    if domain:
        found.note(base.filter(domain=domain)[:LIMIT], "same domain")
    if "@" in email:
        found.note(base.filter(pk__in=_email_owner_ids(email, "company"))[:LIMIT], "same email")
    number = _safe_phone(phone)
    if number:
        found.note(base.filter(phone=number)[:LIMIT], "same phone")
        found.note(base.filter(pk__in=_phone_owner_ids(number, "company"))[:LIMIT], "same phone")
    key = name_key(name)
    if len(key) >= 2:
        found.note(_company_names(base, key), "similar name")
    return found.ranked()


def _company_names(base: QuerySet[Company], key: str) -> list[Company]:
    if _use_trigrams():
        rows = _similar_names(base, key)
        return [c for c in rows if _names_close(key, name_key(c.name))][:LIMIT]
    # Elsewhere: names sharing the first word, then (for a typo in it) its first letters.
    first = key.split(maxsplit=1)[0]
    rows = list(base.filter(search_text__startswith=first).order_by("-id")[:NAME_SCAN])
    if len(first) >= 5:
        seen = {c.pk for c in rows}
        rows += [
            c
            for c in base.filter(search_text__startswith=first[:3]).order_by("-id")[:NAME_SCAN]
            if c.pk not in seen
        ]
    return [c for c in rows if _names_close(key, name_key(c.name))][:LIMIT]


def _names_close(wanted: str, theirs: str) -> bool:
    """Equal once normalised, or one starts the other ("acme" / "acme labs")."""
    if not wanted or not theirs:
        return False
    if wanted == theirs:
        return True
    shorter, longer = sorted((wanted, theirs), key=len)
    # One is the start of the other: "acme" / "acme labs", "harbor learn" / "harbor learning".
    if longer.startswith(shorter) and len(shorter) >= 4:
        return True
    # Tolerate one typo in names of some length ("Globex" / "Globbex").
    return len(shorter) >= 5 and _edit_distance_1(wanted, theirs)


def _edit_distance_1(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def _first_names_close(a: str, b: str) -> bool:
    a, b = name_key(a), name_key(b)
    if not a or not b:
        return True
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _spellings(name: str) -> list[str]:
    name = " ".join((name or "").split())
    return list(dict.fromkeys([name, name.lower(), name.upper(), name.title(), name.capitalize()]))


def contact_candidates(
    *,
    user: Any,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    exclude_pk: int | None = None,
) -> list[Candidate]:
    """Contacts visible to ``user`` that look like the one described."""
    if not user.has_perm("contacts.view_contact"):
        return []
    base = policy.visible(Contact.objects.select_related("owner", "company"), user)
    if exclude_pk is not None:
        base = base.exclude(pk=exclude_pk)
    found = _Found()
    email = (email or "").strip().lower()
    if "@" in email:
        found.note(base.alias(email_ci=Lower("email")).filter(email_ci=email)[:LIMIT], "same email")
        found.note(base.filter(pk__in=_email_owner_ids(email, "contact"))[:LIMIT], "same email")
    number = _safe_phone(phone)
    if number:
        found.note(base.filter(phone=number)[:LIMIT], "same phone")
        found.note(base.filter(pk__in=_phone_owner_ids(number, "contact"))[:LIMIT], "same phone")
    last = name_key(last_name)
    if last:
        for contact, reason in _contact_names(base, first_name, last_name):
            found.note([contact], reason)
    return found.ranked()


def _contact_names(base: QuerySet[Contact], first_name: str, last_name: str) -> list[Any]:
    last = name_key(last_name)
    matches: list[tuple[Contact, str]] = []
    exact = list(base.filter(last_name__in=_spellings(last_name)).order_by("-id")[:NAME_SCAN])
    seen = set()
    for contact in exact:
        if _first_names_close(first_name, contact.first_name):
            matches.append((contact, "same name"))
            seen.add(contact.pk)
    if _use_trigrams():
        full = f"{first_name} {last_name}".strip().lower()
        for contact in _similar_names(base, full):
            if contact.pk in seen:
                continue
            their_last = name_key(contact.last_name)
            their_first = name_key(contact.first_name)
            first_ok = _first_names_close(first_name, contact.first_name) or _edit_distance_1(
                name_key(first_name), their_first
            )
            if first_ok and (their_last == last or _edit_distance_1(their_last, last)):
                matches.append((contact, "similar name"))
    return matches[:LIMIT]
