"""Demo companies and contacts: a believable small book of business.

About 150 companies (names, domains, industries, sizes, addresses, phones) in the US, the
UK, Germany and France, about 350 contacts with titles, work emails, E.164 phones and
LinkedIn profiles, a few tags, and two custom fields (company "Annual revenue", contact
"LinkedIn"). Owners are spread over the demo reps and manager so that each sees their own.

Deterministic (a seeded ``random.Random``) and idempotent: a company is known by its domain
and a contact by their email, so a second run adds nothing.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from accounts.models import User
from contacts import services
from contacts.models import Company, CompanySize, Contact, CustomField, Industry, Tag
from contacts.phones import normalize_phone
from contacts.services import AddressInput, EmailInput, PhoneInput

SEED = 20260301
COMPANY_COUNT = 150
OWNERS = (("rep@keel.test", 40), ("rep2@keel.test", 35), ("manager@keel.test", 25))

PREFIXES = (
    "Northwind", "Bluefin", "Cobalt", "Harbor", "Summit", "Juniper", "Atlas", "Beacon",
    "Cedar", "Granite", "Lumen", "Meridian", "Nimbus", "Orchard", "Pioneer", "Quarry",
    "Redwood", "Sterling", "Tidal", "Vertex", "Willow", "Aurora", "Brightwater", "Copperleaf",
    "Driftwood", "Evergreen", "Foxglove", "Goldcrest", "Highland", "Ironbridge", "Keystone",
    "Larkspur", "Maple & Oak", "Northstar", "Oakridge", "Pinecrest", "Riverbend", "Silverline",
    "Trailhead", "Upland",
)  # fmt: skip
SUFFIXES = (
    ("Labs", Industry.SOFTWARE), ("Software", Industry.SOFTWARE),
    ("Analytics", Industry.SOFTWARE), ("Capital", Industry.FINANCE),
    ("Insurance", Industry.FINANCE), ("Health", Industry.HEALTHCARE),
    ("Clinics", Industry.HEALTHCARE), ("Manufacturing", Industry.MANUFACTURING),
    ("Robotics", Industry.MANUFACTURING), ("Outfitters", Industry.RETAIL),
    ("Foods", Industry.RETAIL), ("Learning", Industry.EDUCATION),
    ("Media", Industry.MEDIA), ("Logistics", Industry.LOGISTICS),
    ("Freight", Industry.LOGISTICS), ("Energy", Industry.ENERGY),
    ("Solar", Industry.ENERGY), ("Partners", Industry.PROFESSIONAL),
    ("Consulting", Industry.PROFESSIONAL), ("Foundation", Industry.NONPROFIT),
)  # fmt: skip


@dataclass(frozen=True)
class Country:
    name: str
    tld: str
    legal: tuple[str, ...]
    cities: tuple[tuple[str, str, str, str], ...]  # city, region, postal code, phone prefix
    streets: tuple[str, ...]
    local_digits: int


COUNTRIES = (
    Country(
        "United States",
        "com",
        ("Inc.", "LLC", "Corp.", ""),
        (
            ("New York", "NY", "10013", "+1 212 555 01"),
            ("San Francisco", "CA", "94105", "+1 415 555 01"),
            ("Chicago", "IL", "60606", "+1 312 555 01"),
            ("Boston", "MA", "02110", "+1 617 555 01"),
            ("Austin", "TX", "78701", "+1 512 555 01"),
            ("Seattle", "WA", "98101", "+1 206 555 01"),
        ),
        ("Market Street", "Main Street", "Congress Avenue", "Pine Street", "Hudson Street"),
        2,
    ),
    Country(
        "United Kingdom",
        "co.uk",
        ("Ltd", "plc", ""),
        (
            ("London", "", "EC2A 4NE", "+44 20 7946 0"),
            ("Manchester", "", "M1 3BN", "+44 161 496 0"),
            ("Bristol", "", "BS1 4DJ", "+44 117 496 0"),
        ),
        ("Old Street", "King Street", "Deansgate", "Queen Square"),
        3,
    ),
    Country(
        "Germany",
        "de",
        ("GmbH", "AG", ""),
        (
            ("Berlin", "Berlin", "10115", "+49 30 9018 2"),
            ("Munich", "Bavaria", "80331", "+49 89 2180 3"),
            ("Hamburg", "Hamburg", "20095", "+49 40 4288 4"),
        ),
        ("Friedrichstraße", "Leopoldstraße", "Mönckebergstraße", "Torstraße"),
        3,
    ),
    Country(
        "France",
        "fr",
        ("SAS", "SA", ""),
        (
            ("Paris", "Île-de-France", "75002", "+33 1 42 68 5"),
            ("Lyon", "Auvergne-Rhône-Alpes", "69002", "+33 4 72 10 3"),
        ),
        ("Rue de Rivoli", "Rue de la République", "Boulevard Haussmann"),
        3,
    ),
)
COUNTRY_WEIGHTS = (55, 20, 15, 10)

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sophia", "Mateo", "Isabella", "Elijah",
    "Mia", "James", "Amelia", "Ethan", "Harper", "Leon", "Charlotte", "Finn", "Clara", "Jonas",
    "Chloé", "Hugo", "Léa", "Louis", "Priya", "Arjun", "Mei", "Kenji", "Fatima", "Omar",
    "Grace", "Daniel", "Hannah", "Samuel", "Zoe", "David", "Nora", "Felix", "Ines", "Marco",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Garcia", "Brown", "Miller", "Davis", "Martinez", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Müller", "Schmidt",
    "Schneider", "Fischer", "Weber", "Dubois", "Laurent", "Bernard", "Moreau", "Patel",
    "Nguyen", "Kim", "Okafor", "Rossi", "Novak", "Evans", "Hughes", "Price", "Bennett", "Reid",
)  # fmt: skip
TITLES = (
    "CEO", "CFO", "CTO", "COO", "VP Sales", "VP Marketing", "Head of Operations",
    "Head of Procurement", "IT Director", "Office Manager", "Purchasing Manager",
    "Marketing Manager", "Sales Director", "Product Manager", "Engineering Manager",
    "Finance Director", "Customer Success Lead", "Operations Analyst", "Founder",
)  # fmt: skip
TAGS = (("Key account", "violet"), ("Partner", "green"), ("Churn risk", "red"),
        ("Newsletter", "blue"), ("Trade show 2026", "amber"))  # fmt: skip
SIZES = tuple(CompanySize.values)
SIZE_WEIGHTS = (25, 30, 25, 14, 6)


def _slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e",
                           "ç": "c", "à": "a", "î": "i", "ô": "o", "&": ""})  # fmt: skip
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum())


def _phone(rng: random.Random, prefix: str, digits: int) -> str:
    """A valid number in the country's fictional/drama range, or "" if none validates."""
    for _ in range(5):
        raw = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
        try:
            return normalize_phone(raw)
        except ValidationError:
            continue
    return ""


def _custom_field(entity: str, key: str, label: str, field_type: str, **extra: Any) -> CustomField:
    field, _ = CustomField.objects.get_or_create(
        entity=entity,
        key=key,
        defaults={"label": label, "field_type": field_type, "show_in_list": True, **extra},
    )
    return field


def _owners() -> list[User]:
    users = {u.email: u for u in User.objects.filter(email__in=[e for e, _ in OWNERS])}
    weighted = [users[e] for e, w in OWNERS if e in users for _ in range(w)]
    if weighted:
        return weighted
    fallback = User.objects.filter(is_active=True).order_by("id").first()
    return [fallback] if fallback else []


@transaction.atomic
def seed_companies_and_contacts() -> list[str]:
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    owners = _owners()
    if not owners:
        return ["Companies and contacts: no users to own them (run the people seeder first)."]
    for name, color in TAGS:
        if not Tag.objects.filter(name__iexact=name).exists():
            Tag.objects.create(name=name, color=color)
    tags = {t.name: t for t in Tag.objects.filter(name__in=[n for n, _ in TAGS])}
    _custom_field("company", "annual_revenue", "Annual revenue", CustomField.Type.MONEY, position=1)
    _custom_field("contact", "linkedin", "LinkedIn", CustomField.Type.URL, position=1)

    known_domains = set(Company.objects.exclude(domain="").values_list("domain", flat=True))
    known_emails = set(
        Contact.objects.exclude(email="").annotate(e=Lower("email")).values_list("e", flat=True)
    )
    names = list(itertools.product(PREFIXES, SUFFIXES))
    rng.shuffle(names)
    companies_added = contacts_added = 0
    people = list(itertools.product(FIRST_NAMES, LAST_NAMES))
    rng.shuffle(people)
    person = iter(people)

    for prefix, (suffix, industry) in names[:COMPANY_COUNT]:
        # Draw everything first, so every run draws the same sequence whatever exists.
        country = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
        legal = rng.choice(country.legal)
        name = f"{prefix} {suffix}" + (f" {legal}" if legal else "")
        domain = f"{_slug(prefix)}{_slug(suffix)}.{country.tld}"
        city, region, postal, phone_prefix = rng.choice(country.cities)
        owner = rng.choice(owners)
        size = rng.choices(SIZES, weights=SIZE_WEIGHTS)[0]
        revenue = Decimal(rng.randrange(2, 900) * 50_000) * (SIZES.index(size) + 1)
        street = f"{rng.randrange(1, 400)} {rng.choice(country.streets)}"
        main_phone = _phone(rng, phone_prefix, country.local_digits)
        company_tags = [tags[n] for n, _ in TAGS if rng.random() < 0.12 and n in tags]
        n_contacts = rng.choices((0, 1, 2, 3, 4, 5), weights=(6, 20, 30, 25, 12, 7))[0]
        draws = [
            _contact_draw(rng, next(person), domain, phone_prefix, country.local_digits)
            for _ in range(n_contacts)
        ]
        for draw in draws:
            draw["owner"] = owner if rng.random() < 0.85 else rng.choice(owners)

        company = Company.objects.filter(domain=domain).first() if domain in known_domains else None
        if company is None:
            company = services.company_create(
                actor=None,
                name=name,
                owner=owner,
                website=f"https://www.{domain}",
                industry=industry,
                size=size,
                email=f"hello@{domain}",
                phone=main_phone,
                custom={"annual_revenue": str(revenue)},
                tags=company_tags,
                addresses=[
                    AddressInput(
                        label="Head office",
                        street=street,
                        city=city,
                        region=region,
                        postal_code=postal,
                        country=country.name,
                        is_primary=True,
                    )
                ],
            )
            known_domains.add(domain)
            companies_added += 1
        for draw in draws:
            if draw["email"].lower() in known_emails:
                continue
            services.contact_create(
                actor=None,
                first_name=draw["first"],
                last_name=draw["last"],
                owner=draw["owner"],
                company=company,
                title=draw["title"],
                emails=[EmailInput(draw["email"], "work", True)],
                phones=[
                    PhoneInput(p, label, i == 0) for i, (p, label) in enumerate(draw["phones"])
                ],
                custom={"linkedin": draw["linkedin"]} if draw["linkedin"] else None,
                tags=[tags["Newsletter"]] if draw["newsletter"] and "Newsletter" in tags else (),
            )
            known_emails.add(draw["email"].lower())
            contacts_added += 1
    return [
        f"Companies and contacts: {companies_added} companies and {contacts_added} contacts "
        f"added ({Company.objects.count()} and {Contact.objects.count()} in all)."
    ]


def _contact_draw(
    rng: random.Random, name: tuple[str, str], domain: str, phone_prefix: str, digits: int
) -> dict[str, Any]:
    first, last = name
    phones = []
    direct = _phone(rng, phone_prefix, digits)
    if direct:
        phones.append((direct, "work"))
    if rng.random() < 0.4:
        mobile = _phone(rng, phone_prefix, digits)
        if mobile and mobile != direct:
            phones.append((mobile, "mobile"))
    handle = f"{_slug(first)}-{_slug(last)}-{rng.randrange(100, 999)}"
    return {
        "first": first,
        "last": last,
        "title": rng.choice(TITLES),
        "email": f"{_slug(first)}.{_slug(last)}@{domain}",
        "phones": phones,
        "linkedin": f"https://www.linkedin.com/in/{handle}" if rng.random() < 0.6 else "",
        "newsletter": rng.random() < 0.2,
    }
