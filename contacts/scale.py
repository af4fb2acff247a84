"""Companies and contacts of the scale dataset (``seed_demo --scale N``), and the fake-data
helpers the other parts share: names, phone numbers (valid E.164 of each country), cities.

At N=1: 50,000 companies (each with an address, most with an email and a phone) and 200,000
contacts (92% at a company, most with an email and a phone), tags on a quarter of the
companies and a fifth of the contacts. A company's country follows its owner's team; its
contacts work there and share its domain. Every email domain ends in ``.example`` (RFC
2606), so no message can ever reach a real mailbox.

Later parts read ``Book`` from ``run.shared["contacts"]``.
"""

from __future__ import annotations

import random
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from accounts.scale import People
from contacts.models import (
    Address,
    Company,
    CompanySize,
    Contact,
    EmailAddress,
    Industry,
    PhoneNumber,
    Tag,
)
from crm import demo as registry

COMPANIES = 50_000
CONTACTS = 200_000

# ---------------------------------------------------------------- shared fake data

US_CITIES = (
    ("New York", "NY"), ("Chicago", "IL"), ("San Francisco", "CA"), ("Boston", "MA"),
    ("Austin", "TX"), ("Seattle", "WA"), ("Denver", "CO"), ("Atlanta", "GA"),
    ("Houston", "TX"), ("Minneapolis", "MN"),
)  # fmt: skip
EMEA = (
    ("GB", 25), ("DE", 20), ("FR", 15), ("NL", 9), ("ES", 8), ("IT", 7), ("CH", 5),
    ("IE", 4), ("SE", 4), ("ZA", 2), ("AE", 1),
)  # fmt: skip

# country: (name, phone patterns (prefix, random digits after it), cities (city, region))
# Every pattern gives numbers libphonenumber accepts as valid (checked in the tests).
COUNTRIES: dict[str, tuple[str, tuple[tuple[str, int], ...], tuple[tuple[str, str], ...]]] = {
    "US": (
        "United States",
        tuple(
            (f"+1{area}{exchange}", 6)
            for area in ("212", "312", "415", "617", "646", "702", "713", "303", "206", "512")
            for exchange in "2345689"
        ),
        US_CITIES,
    ),
    "CA": (
        "Canada",
        tuple((f"+1{area}{d}", 6) for area in ("416", "604", "514", "403", "613") for d in "2345"),
        (("Toronto", "ON"), ("Vancouver", "BC"), ("Montréal", "QC"), ("Calgary", "AB")),
    ),
    "GB": (
        "United Kingdom",
        (("+44203", 7), ("+44207", 7), ("+44208", 7)),
        (("London", "England"), ("Manchester", "England"), ("Edinburgh", "Scotland")),
    ),
    "DE": (
        "Germany",
        (("+4930", 8), ("+49151", 8), ("+49170", 8), ("+49176", 8)),
        (("Berlin", "Berlin"), ("München", "Bayern"), ("Hamburg", "Hamburg"), ("Köln", "NRW")),
    ),
    "FR": (
        "France",
        (("+331", 8), ("+3361", 7), ("+3367", 7)),
        (("Paris", "Île-de-France"), ("Lyon", "Auvergne-Rhône-Alpes"), ("Lille", "Nord")),
    ),
    "NL": ("Netherlands", (("+3120", 7),), (("Amsterdam", "Noord-Holland"),)),
    "ES": ("Spain", (("+346", 8),), (("Madrid", "Madrid"), ("Barcelona", "Cataluña"))),
    "IT": ("Italy", (("+3902", 8),), (("Milano", "Lombardia"),)),
    "CH": ("Switzerland", (("+4144", 7),), (("Zürich", "ZH"),)),
    "IE": ("Ireland", (("+3531", 7),), (("Dublin", "Leinster"),)),
    "SE": ("Sweden", (("+4670", 7), ("+4673", 7)), (("Stockholm", "Stockholm"),)),
    "ZA": ("South Africa", (("+2782", 7), ("+2783", 7)), (("Johannesburg", "Gauteng"),)),
    "AE": ("United Arab Emirates", (("+97150", 7), ("+97155", 7)), (("Dubai", "Dubai"),)),
    "AU": (
        "Australia",
        (("+6129", 7), ("+6138", 7)),
        (("Sydney", "NSW"), ("Melbourne", "VIC")),
    ),
    "JP": ("Japan", (("+8135", 7), ("+8166", 7)), (("Tokyo", "Tokyo"), ("Osaka", "Osaka"))),
    "IN": (
        "India",
        (("+919", 9),),
        (("Bengaluru", "Karnataka"), ("Mumbai", "Maharashtra"), ("Pune", "Maharashtra")),
    ),
    "NZ": ("New Zealand", (("+6493", 6), ("+6495", 6)), (("Auckland", "Auckland"),)),
    "BR": (
        "Brazil",
        (("+55119", 8),),
        (("São Paulo", "SP"), ("Campinas", "SP")),
    ),
    "MX": (
        "Mexico",
        (("+5255", 8),),
        (("Ciudad de México", "CDMX"), ("Guadalajara", "Jalisco")),
    ),
}
REGION_COUNTRIES: dict[str, tuple[tuple[str, int], ...]] = {
    "na": (("US", 85), ("CA", 15)),
    "emea": EMEA,
    "apac": (("AU", 35), ("JP", 25), ("IN", 30), ("NZ", 10)),
    "latam": (("BR", 55), ("MX", 45)),
    "global": (("US", 40), ("GB", 20), ("DE", 15), ("JP", 15), ("FR", 10)),
}
STREETS = (
    "Market Street", "Harbour Road", "King Street", "Station Road", "Mill Lane", "Park Avenue",
    "Bridge Street", "Church Road", "Elm Street", "High Street", "Riverside Drive",
    "Commerce Way",
)  # fmt: skip

# Name pools by region (a North American book also holds names from everywhere).
WEST_FIRST = (
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Isabella",
    "Lucas", "Mia", "Ethan", "Charlotte", "Henry", "Harper", "James", "Grace", "Samuel",
    "Zoe", "Daniel", "Nora", "Owen", "Chloe", "Jack", "Ava", "Benjamin", "Ella", "Leo",
    "Hannah", "William", "Lily", "Michael", "Emily", "David", "Sarah", "Thomas",
)  # fmt: skip
WEST_LAST = (
    "Anderson", "Brooks", "Carter", "Dawson", "Ellis", "Fletcher", "Garrison", "Hughes",
    "Irving", "Jensen", "Keller", "Lawson", "Mitchell", "Nolan", "O'Brien", "Parker",
    "Quinn", "Reed", "Sullivan", "Turner", "Underwood", "Vaughn", "Walsh", "Young",
    "Bennett", "Coleman", "Foster", "Hayes", "Morgan", "Murphy", "Price", "Russell",
    "Sanders", "Ward", "Wright", "Collins",
)  # fmt: skip
EUROPE_FIRST = (
    "Lukas", "Hannah", "Jonas", "Lea", "Felix", "Marie", "Lars", "Ingrid", "Chloé",
    "Hugo", "Camille", "Matteo", "Giulia", "Sofía", "Javier", "Tomasz", "Zofia", "Sven",
    "Astrid", "Pieter", "Anouk", "Niamh", "Conor", "Elif", "Mehmet", "Ana", "Pablo",
    "Élodie", "Jan", "Katarzyna", "Henrik", "Freja",
)  # fmt: skip
EUROPE_LAST = (
    "Müller", "Schmidt", "Fischer", "Weber", "Dubois", "Moreau", "Laurent", "Rossi",
    "Bianchi", "García", "Fernández", "Kowalski", "Nowak", "Johansson", "Eriksson",
    "Larsen", "Nielsen", "de Vries", "Janssen", "Bakker", "Murphy", "Byrne", "Yilmaz",
    "Novak", "Horvat", "Schneider", "Lefebvre", "Romano", "Svensson", "Berg",
)  # fmt: skip
ASIA_FIRST = (
    "Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Kenji", "Yuki", "Aarav", "Priya",
    "Rohan", "Ananya", "Vikram", "Isha", "Arjun", "Kavya", "Wei", "Mei", "Jun", "Lin",
    "Ji-woo", "Min-jun", "Chloe", "Jack", "Ruby", "Oscar",
)  # fmt: skip
ASIA_LAST = (
    "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Nakamura", "Kobayashi",
    "Patel", "Sharma", "Iyer", "Reddy", "Gupta", "Nair", "Chen", "Wang", "Li", "Zhang",
    "Kim", "Park", "Nguyen", "Tran", "Wilson", "Taylor", "Singh", "Kapoor", "Mehta",
)  # fmt: skip
LATIN_FIRST = (
    "Mateo", "Valentina", "Santiago", "Camila", "Sebastián", "Isabela", "Diego",
    "Mariana", "Gabriel", "Lucía", "Rafael", "Fernanda", "João", "Beatriz", "Pedro",
    "Larissa", "Miguel", "Daniela", "Carlos", "Renata", "Thiago", "Ximena",
)  # fmt: skip
LATIN_LAST = (
    "Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida",
    "Hernández", "López", "Martínez", "González", "Pérez", "Sánchez", "Ramírez",
    "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales",
)  # fmt: skip
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "west": (WEST_FIRST, WEST_LAST),
    "europe": (EUROPE_FIRST, EUROPE_LAST),
    "asia": (ASIA_FIRST, ASIA_LAST),
    "latin": (LATIN_FIRST, LATIN_LAST),
}
REGION_NAMES = {
    "na": (("west", 70), ("latin", 12), ("asia", 10), ("europe", 8)),
    "emea": (("europe", 80), ("west", 12), ("asia", 8)),
    "apac": (("asia", 75), ("west", 25)),
    "latam": (("latin", 90), ("west", 10)),
    "global": (("west", 40), ("europe", 30), ("asia", 25), ("latin", 5)),
}
TITLES = (
    ("CEO", 3), ("Founder", 2), ("COO", 2), ("CFO", 2), ("CTO", 3), ("VP Sales", 4),
    ("VP Marketing", 3), ("Head of Operations", 5), ("Head of Procurement", 4),
    ("IT Director", 5), ("Finance Director", 4), ("Marketing Manager", 6),
    ("Operations Manager", 7), ("Procurement Manager", 6), ("Office Manager", 5),
    ("Project Manager", 7), ("Software Engineer", 5), ("Account Manager", 5),
    ("Customer Success Manager", 4), ("HR Manager", 4), ("Analyst", 5), ("", 8),
)  # fmt: skip

# Company names: prefix [descriptor] core + a legal suffix of its country. 62,400 different
# names; a larger scale repeats them with the city appended.
PREFIXES = (
    "Northwind", "Bluefin", "Copperleaf", "Granite", "Summit", "Evergreen", "Atlas",
    "Brightpath", "Keystone", "Meridian", "Orchid", "Pinecrest", "Quarry", "Redwood",
    "Silverline", "Trailhead", "Vantage", "Willow", "Zephyr", "Cobalt", "Driftwood", "Ironbark",
    "Lighthouse", "Maple", "Nimbus", "Oakridge", "Polaris", "Riverstone", "Sapphire",
    "Tidewater", "Upland", "Vertex", "Wildflower", "Yellowstone", "Amber", "Beacon", "Cedar",
    "Delta", "Ember", "Falcon", "Glacier", "Harbor", "Indigo", "Juniper", "Kestrel", "Lumen",
    "Monarch", "Nova", "Onyx", "Pioneer", "Quantum", "Rowan", "Sterling", "Topaz", "Unity",
    "Valley", "Westgate", "Aurora", "Bramble", "Crescent",
)  # fmt: skip
DESCRIPTORS = (
    "Global", "Digital", "Pacific", "United", "Advanced", "Coastal", "Continental",
    "Integrated", "Modern", "National", "Northern", "Premier", "Prime", "Southern", "Smart",
    "Applied", "Blue", "Green", "Bright", "Open", "First", "Central", "Eastern", "Western",
    "Royal",
)  # fmt: skip
CORES = (
    ("Software", Industry.SOFTWARE), ("Analytics", Industry.SOFTWARE),
    ("Cloud", Industry.SOFTWARE), ("Systems", Industry.SOFTWARE),
    ("Capital", Industry.FINANCE), ("Insurance", Industry.FINANCE),
    ("Payments", Industry.FINANCE), ("Health", Industry.HEALTHCARE),
    ("Clinics", Industry.HEALTHCARE), ("Biotech", Industry.HEALTHCARE),
    ("Pharma", Industry.HEALTHCARE), ("Manufacturing", Industry.MANUFACTURING),
    ("Robotics", Industry.MANUFACTURING), ("Machines", Industry.MANUFACTURING),
    ("Plastics", Industry.MANUFACTURING), ("Retail", Industry.RETAIL),
    ("Foods", Industry.RETAIL), ("Outfitters", Industry.RETAIL), ("Markets", Industry.RETAIL),
    ("Academy", Industry.EDUCATION), ("Learning", Industry.EDUCATION),
    ("Media", Industry.MEDIA), ("Studios", Industry.MEDIA), ("Publishing", Industry.MEDIA),
    ("Logistics", Industry.LOGISTICS), ("Freight", Industry.LOGISTICS),
    ("Shipping", Industry.LOGISTICS), ("Energy", Industry.ENERGY), ("Solar", Industry.ENERGY),
    ("Power", Industry.ENERGY), ("Consulting", Industry.PROFESSIONAL),
    ("Legal", Industry.PROFESSIONAL), ("Architects", Industry.PROFESSIONAL),
    ("Partners", Industry.PROFESSIONAL), ("Accounting", Industry.PROFESSIONAL),
    ("Engineering", Industry.OTHER), ("Hotels", Industry.OTHER), ("Telecom", Industry.OTHER),
    ("Security", Industry.OTHER), ("Aviation", Industry.OTHER),
)  # fmt: skip
SUFFIXES = {
    "US": ("Inc.", "LLC", "Corp.", ""), "CA": ("Inc.", "Ltd.", ""),
    "GB": ("Ltd", "plc", ""), "DE": ("GmbH", "AG"), "FR": ("SAS", "SA"), "NL": ("B.V.",),
    "ES": ("S.L.", "S.A."), "IT": ("S.r.l.", "S.p.A."), "CH": ("AG", "GmbH"),
    "IE": ("Ltd", "DAC"), "SE": ("AB",), "ZA": ("(Pty) Ltd",), "AE": ("LLC", "FZ-LLC"),
    "AU": ("Pty Ltd",), "JP": ("K.K.", "Co., Ltd."), "IN": ("Pvt. Ltd.", "Ltd."),
    "NZ": ("Ltd",), "BR": ("Ltda.", "S.A."), "MX": ("S.A. de C.V.", "S. de R.L."),
}  # fmt: skip
SIZES = (
    (CompanySize.MICRO, 22), (CompanySize.SMALL, 30), (CompanySize.MEDIUM, 25),
    (CompanySize.LARGE, 15), (CompanySize.ENTERPRISE, 8),
)  # fmt: skip
# How many contacts a company of each size tends to have, relatively.
CONTACTS_BY_SIZE: dict[str, int] = {
    CompanySize.MICRO: 1, CompanySize.SMALL: 2, CompanySize.MEDIUM: 4,
    CompanySize.LARGE: 7, CompanySize.ENTERPRISE: 12,
}  # fmt: skip
NOTES = (
    "Long-time customer of a competitor; contract renews in the autumn.",
    "Procurement insists on three quotes.",
    "Met the founders at a trade show.",
    "Uses spreadsheets for everything today.",
    "Expanding into two new countries this year.",
    "Strict security review before any purchase.",
    "Board approves spend over 50k.",
)
TAGS = (
    ("VIP", "amber"), ("Enterprise", "violet"), ("Partner", "blue"), ("Newsletter", "slate"),
    ("Trade show", "green"), ("Inbound", "blue"), ("Churn risk", "red"), ("Upsell", "green"),
    ("Referral", "violet"), ("Decision maker", "amber"), ("Budget approved", "green"),
    ("Competitor customer", "red"),
)  # fmt: skip


def weighted(pairs: Iterable[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    """Values and cumulative weights, for ``rng.choices(values, cum_weights=...)``."""
    values: list[Any] = []
    cumulative: list[float] = []
    total = 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cumulative.append(total)
    return values, cumulative


class Fake:
    """Believable names, phone numbers and addresses, drawn from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._countries = {r: weighted(pairs) for r, pairs in REGION_COUNTRIES.items()}
        self._pools = {r: weighted(pairs) for r, pairs in REGION_NAMES.items()}

    def country(self, region: str) -> str:
        values, cumulative = self._countries.get(region, self._countries["global"])
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def name(self, region: str) -> tuple[str, str]:
        values, cumulative = self._pools.get(region, self._pools["global"])
        firsts, lasts = NAMES[self.rng.choices(values, cum_weights=cumulative)[0]]
        return self.rng.choice(firsts), self.rng.choice(lasts)

    def phone(self, country: str) -> str:
        prefix, digits = self.rng.choice(COUNTRIES[country][1])
        return f"{prefix}{self.rng.randrange(10**digits):0{digits}d}"

    def city(self, country: str) -> tuple[str, str]:
        return self.rng.choice(COUNTRIES[country][2])

    def street(self) -> str:
        return f"{self.rng.randint(1, 980)} {self.rng.choice(STREETS)}"


def ascii_slug(text: str, joiner: str = "") -> str:
    """``text`` in lower-case ASCII letters and digits, words joined by ``joiner``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    return joiner.join(words)


# ---------------------------------------------------------------- the seeder


@dataclass
class Book:
    """What the companies and contacts parts hand on; index ``i`` is the ``i``-th row."""

    first_company: int  # id of company 0; company i has id first_company + i
    company_owner: array  # user ids (0: none)
    company_created: array  # epoch seconds
    company_name: list[str]
    company_country: list[str]
    company_size: list[str]
    first_contact: int
    contact_company: array  # company index, -1 for none
    contact_owner: array
    contact_created: array
    contact_person: list[tuple[str, str, str, str, str]]  # first, last, email, phone, title
    contacts_by_company: list[list[int]]
    contacts_by_owner: dict[int, list[int]]
    tags: list[int]
    featured_contacts: list[int]  # contact indexes owned by the bench rep, many activities


def seed_companies_and_contacts(run: registry.ScaleRun) -> list[str]:
    people: People = run.shared["accounts"]
    tags = _tags()
    companies = _Companies(run, people)
    with run.step(f"companies: {companies.n:,} with addresses, emails and phones"):
        companies.load(tags)
    contacts = _Contacts(run, people, companies)
    with run.step(f"contacts: {contacts.n:,} with emails and phones"):
        contacts.load(tags)
    run.shared["contacts"] = Book(
        first_company=companies.first,
        company_owner=companies.owner,
        company_created=companies.created,
        company_name=companies.name,
        company_country=companies.country,
        company_size=companies.size,
        first_contact=contacts.first,
        contact_company=contacts.company,
        contact_owner=contacts.owner,
        contact_created=contacts.created,
        contact_person=contacts.person,
        contacts_by_company=contacts.by_company,
        contacts_by_owner=contacts.by_owner,
        tags=tags,
        featured_contacts=contacts.featured,
    )
    return []


def _tags() -> list[int]:
    ids = []
    for name, color in TAGS:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(
            name=name, color=color
        )
        ids.append(tag.pk)
    return ids


def tag_rows(
    rng: random.Random, owner_ids: Iterator[int], tags: list[int], share: float
) -> Iterator[tuple[int, int]]:
    """(record id, tag id) pairs: ``share`` of the records get one or two tags."""
    for record_id in owner_ids:
        if rng.random() < share:
            first = rng.choice(tags)
            yield record_id, first
            if rng.random() < 0.25:
                second = rng.choice(tags)
                if second != first:
                    yield record_id, second


class _Companies:
    def __init__(self, run: registry.ScaleRun, people: People) -> None:
        self.run = run
        self.people = people
        self.rng = run.rng("companies")
        self.fake = Fake(self.rng)
        self.n = run.count(COMPANIES)
        self.first = run.next_id(Company)
        self.owner = array("i")
        self.created = array("d")
        self.name: list[str] = []
        self.country: list[str] = []
        self.domain: list[str] = []
        self.size: list[str] = []
        self.industry: list[str] = []

    def _plan(self) -> None:
        rng, people = self.rng, self.people
        combos = len(PREFIXES) * (len(DESCRIPTORS) + 1) * len(CORES)
        picks = rng.sample(range(combos), min(self.n, combos))
        picks += [rng.randrange(combos) for _ in range(self.n - len(picks))]
        sellers = rng.choices(range(len(people.sellers)), weights=people.weights, k=self.n)
        size_values, size_weights = weighted(SIZES)
        self.created.extend(self.run.spread(rng, self.n))
        seen: set[str] = set()
        for i, pick in enumerate(picks):
            prefix = PREFIXES[pick % len(PREFIXES)]
            rest = pick // len(PREFIXES)
            descriptor = ("", *DESCRIPTORS)[rest % (len(DESCRIPTORS) + 1)]
            core, industry = CORES[rest // (len(DESCRIPTORS) + 1)]
            seller = people.sellers[sellers[i]]
            country = self.fake.country(seller.region)
            base = " ".join(w for w in (prefix, descriptor, core) if w)
            if base in seen:  # only past 62,400 companies
                base = f"{base} {self.fake.city(country)[0]}"
            seen.add(base)
            suffix = rng.choice(SUFFIXES[country])
            self.name.append(f"{base} {suffix}".strip())
            self.domain.append(f"{ascii_slug(base, '-')}.example")
            self.country.append(country)
            self.owner.append(seller.id)
            self.size.append(rng.choices(size_values, cum_weights=size_weights)[0])
            self.industry.append(industry)

    def load(self, tags: list[int]) -> None:
        self._plan()
        run, n = self.run, self.n
        columns = [
            "id", "name", "domain", "website", "industry", "size", "email", "phone",
            "description", "custom", "owner_id", "team_id", "created_by_id", "created_at",
            "updated_at",
        ]  # fmt: skip
        run.insert(Company, columns, self._rows(), expected=n)
        address = ["company_id", "label", "is_primary", "street", "city", "region", "postal_code"]
        run.insert(Address, [*address, "country"], self._addresses(), expected=n)
        run.insert(
            EmailAddress,
            ["company_id", "label", "is_primary", "email"],
            ((self.first + i, "work", True, e) for i, e in self.emails.items()),
            expected=len(self.emails),
        )
        run.insert(
            PhoneNumber,
            ["company_id", "label", "is_primary", "number"],
            ((self.first + i, "main", True, p) for i, p in self.phones.items()),
            expected=len(self.phones),
        )
        run.insert(
            Company.tags.through,
            ["company_id", "tag_id"],
            tag_rows(self.rng, iter(range(self.first, self.first + n)), tags, 0.25),
            expected=n // 3,
        )

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        rng, run, fake = self.rng, self.run, self.fake
        team = {p.id: p.team_id for p in self.people.sellers}
        self.emails: dict[int, str] = {}
        self.phones: dict[int, str] = {}
        for i in range(self.n):
            domain = self.domain[i]
            email = f"{rng.choice(('info', 'hello', 'contact', 'sales'))}@{domain}"
            email = email if rng.random() < 0.7 else ""
            phone = fake.phone(self.country[i]) if rng.random() < 0.8 else ""
            if email:
                self.emails[i] = email
            if phone:
                self.phones[i] = phone
            created = run.when(self.created[i])
            owner = self.owner[i]
            yield (
                self.first + i,
                self.name[i],
                domain,
                f"https://www.{domain}" if rng.random() < 0.9 else "",
                self.industry[i],
                self.size[i],
                email,
                phone,
                rng.choice(NOTES) if rng.random() < 0.2 else "",
                {},
                owner,
                team[owner],
                owner,
                created,
                created,
            )

    def _addresses(self) -> Iterator[tuple[Any, ...]]:
        fake = self.fake
        for i in range(self.n):
            country = self.country[i]
            city, region = fake.city(country)
            yield (
                self.first + i,
                "head office",
                True,
                fake.street(),
                city,
                region,
                f"{self.rng.randrange(10000, 99999)}",
                COUNTRIES[country][0],
            )


class _Contacts:
    def __init__(self, run: registry.ScaleRun, people: People, companies: _Companies) -> None:
        self.run = run
        self.people = people
        self.companies = companies
        self.rng = run.rng("contacts")
        self.fake = Fake(self.rng)
        self.n = run.count(CONTACTS)
        self.first = run.next_id(Contact)
        self.company = array("i")
        self.owner = array("i")
        self.created = array("d")
        self.person: list[tuple[str, str, str, str, str]] = []
        self.by_company: list[list[int]] = [[] for _ in range(companies.n)]
        self.by_owner: dict[int, list[int]] = {}
        self.featured: list[int] = []

    def _plan(self) -> None:
        rng, run, people, companies = self.rng, self.run, self.people, self.companies
        weights = [CONTACTS_BY_SIZE[size] for size in companies.size]
        at = rng.choices(range(companies.n), weights=weights, k=self.n)
        # Contacts arrive after their company: plan the times, then number them in time order.
        plans = []
        now = run.now.timestamp()
        for i in range(self.n):
            company = at[i] if rng.random() < 0.92 else -1
            if company >= 0:
                since = companies.created[company]
                created = since + (now - since) * rng.random() ** 1.6
            else:
                created = now - registry.HISTORY_DAYS * 86_400 * rng.random() ** 1.3
            plans.append((created, company))
        plans.sort()
        by_id = {p.id: p for p in people.sellers}
        sellers = rng.choices(range(len(people.sellers)), weights=people.weights, k=self.n)
        titles, title_weights = weighted(TITLES)
        seen: set[str] = set()
        for i, (created, company) in enumerate(plans):
            if company >= 0:
                owner = companies.owner[company]
                if rng.random() < 0.15:  # a teammate works this contact
                    owner = rng.choice(people.teammates(by_id[owner])).id
                country = companies.country[company]
                region = by_id[companies.owner[company]].region
            else:
                seller = people.sellers[sellers[i]]
                owner, region = seller.id, seller.region
                country = self.fake.country(region)
            first, last = self.fake.name(region)
            local = f"{ascii_slug(first)}.{ascii_slug(last)}"
            domain = companies.domain[company] if company >= 0 else "mail.example"
            email = f"{local}@{domain}"
            if email in seen:
                email = f"{local}{i % 97 + 2}@{domain}"
            seen.add(email)
            if rng.random() < 0.06:
                email = ""
            phone = self.fake.phone(country) if rng.random() < 0.8 else ""
            title = rng.choices(titles, cum_weights=title_weights)[0]
            self.company.append(company)
            self.owner.append(owner)
            self.created.append(created)
            self.person.append((first, last, email, phone, title))
        # A few contacts at companies, owned by the bench rep, get a long history.
        featured_count = 3 if run.scale >= 0.1 else 1
        candidates = [i for i in range(self.n) if self.company[i] >= 0]
        self.featured = rng.sample(candidates, min(featured_count, len(candidates)))
        for i in self.featured:
            self.owner[i] = people.bench_rep.id
        for i in range(self.n):
            if self.company[i] >= 0:
                self.by_company[self.company[i]].append(i)
            self.by_owner.setdefault(self.owner[i], []).append(i)

    def load(self, tags: list[int]) -> None:
        self._plan()
        run, n = self.run, self.n
        columns = [
            "id", "first_name", "last_name", "title", "company_id", "email", "phone",
            "description", "custom", "owner_id", "team_id", "created_by_id", "created_at",
            "updated_at",
        ]  # fmt: skip
        run.insert(Contact, columns, self._rows(), expected=n)
        run.insert(
            EmailAddress,
            ["contact_id", "label", "is_primary", "email"],
            self._emails(),
            expected=n,
        )
        run.insert(
            PhoneNumber,
            ["contact_id", "label", "is_primary", "number"],
            (
                (self.first + i, self.rng.choice(("work", "mobile")), True, person[3])
                for i, person in enumerate(self.person)
                if person[3]
            ),
            expected=n,
        )
        run.insert(
            Contact.tags.through,
            ["contact_id", "tag_id"],
            tag_rows(self.rng, iter(range(self.first, self.first + n)), tags, 0.2),
            expected=n // 4,
        )

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        rng, run = self.rng, self.run
        team = {p.id: p.team_id for p in self.people.everyone}
        companies = self.companies
        for i in range(self.n):
            first, last, email, phone, title = self.person[i]
            company = self.company[i]
            created = run.when(self.created[i])
            owner = self.owner[i]
            yield (
                self.first + i,
                first,
                last,
                title,
                companies.first + company if company >= 0 else None,
                email,
                phone,
                rng.choice(NOTES) if rng.random() < 0.1 else "",
                {},
                owner,
                team[owner],
                owner,
                created,
                created,
            )

    def _emails(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        for i, (first, last, email, _, _) in enumerate(self.person):
            if email:
                yield self.first + i, "work", True, email
            if rng.random() < 0.1:
                personal = f"{ascii_slug(first)}{ascii_slug(last)}{i % 89}@mail.example"
                yield self.first + i, "personal", not email, personal


registry.register_scale(seed_companies_and_contacts, order=20)
