"""Leads of the scale dataset (``seed_demo --scale N``): at N=1, 1,000,000 leads.

Statuses follow age (recent leads are mostly new or contacted; older ones qualified,
unqualified or converted), sources and ratings come in realistic proportions, and a
converted lead points at a contact (with its company, sometimes a deal) of its owner, whose
name and details it carries. About 1% arrive unassigned.

The bench rep (rep@keel.test) owns a heavy book: 10.005% of all leads (100,050 at N=1), so
the rep's lead list has a page 2,000 (docs/benchmarks.md); the other leads are spread over
the other reps and, less, the managers.

Later parts read ``LeadBook`` from ``run.shared["leads"]``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from accounts.scale import People
from contacts.scale import (
    CORES,
    DESCRIPTORS,
    PREFIXES,
    SUFFIXES,
    TITLES,
    Book,
    Fake,
    ascii_slug,
    tag_rows,
    weighted,
)
from crm import demo as registry
from deals.scale import DealBook
from leads.models import Lead

LEADS = 1_000_000
BENCH_REP_SHARE = 0.10005  # 100,050 leads at N=1: the rep's list has 2,001 pages of 50
UNASSIGNED = 0.01
DAY = 86_400.0

STATUS_BY_AGE = (  # (younger than days, weights of new, contacted, qualified, unqualified,
    # converted)
    (30, (60, 30, 8, 2, 0)),
    (180, (15, 33, 25, 17, 10)),
    (10_000, (8, 20, 20, 37, 15)),
)
STATUSES = (
    Lead.Status.NEW,
    Lead.Status.CONTACTED,
    Lead.Status.QUALIFIED,
    Lead.Status.UNQUALIFIED,
    Lead.Status.CONVERTED,
)
SOURCES = (
    (Lead.Source.WEB_FORM, 24), (Lead.Source.WEBSITE, 18), (Lead.Source.REFERRAL, 12),
    (Lead.Source.EVENT, 10), (Lead.Source.COLD_CALL, 10), (Lead.Source.PARTNER, 8),
    (Lead.Source.ADVERTISING, 9), (Lead.Source.SOCIAL, 6), (Lead.Source.OTHER, 3),
)  # fmt: skip
RATINGS = ((Lead.Rating.HOT, 15), (Lead.Rating.WARM, 35), (Lead.Rating.COLD, 30), ("", 20))
NOTES = (
    "Asked for pricing for a team of about 40.",
    "Met at the spring trade show; wants a demo next month.",
    "Evaluating us against their current spreadsheet process.",
    "Budget approved for next quarter, decision by the board.",
    "Downloaded the buyer's guide twice.",
    "Needs single sign-on and an EU data location.",
    "Wants to talk after their busy season.",
)


@dataclass
class LeadBook:
    first: int  # id of lead 0
    owner: array  # user ids, 0 for unassigned
    created: array  # epoch seconds
    ended: array  # converted_at, or now


def seed_leads(run: registry.ScaleRun) -> list[str]:
    seeder = _Leads(run, run.shared["accounts"], run.shared["contacts"], run.shared["deals"])
    with run.step(f"leads: {seeder.n:,} with tags"):
        seeder.load()
    run.shared["leads"] = LeadBook(seeder.first, seeder.owner, seeder.created, seeder.ended)
    rep = run.shared["accounts"].bench_rep
    return [
        f"Leads: {rep.email} owns {seeder.rep_count:,} of {seeder.n:,} "
        f"({seeder.rep_count // 50 + (seeder.rep_count % 50 > 0):,} pages of 50): /leads/",
    ]


class _Leads:
    def __init__(self, run: registry.ScaleRun, people: People, book: Book, deals: DealBook):
        self.run = run
        self.people = people
        self.book = book
        self.deals = deals
        self.rng = run.rng("leads")
        self.fake = Fake(self.rng)
        self.n = run.count(LEADS)
        self.first = run.next_id(Lead)
        self.owner = array("i")
        self.created = array("d")
        self.ended = array("d")
        self.rep_count = 0

    def load(self) -> None:
        columns = [
            "id", "first_name", "last_name", "title", "company_name", "email", "phone",
            "website", "source", "status", "rating", "description", "custom", "owner_id",
            "team_id", "created_by_id", "created_at", "updated_at", "converted_at",
            "converted_by_id", "converted_contact_id", "converted_company_id",
            "converted_deal_id",
        ]  # fmt: skip
        self.run.insert(Lead, columns, self._rows(), expected=self.n)
        self.run.insert(
            Lead.tags.through,
            ["lead_id", "tag_id"],
            tag_rows(self.rng, iter(range(self.first, self.first + self.n)), self.book.tags, 0.12),
            expected=self.n // 7,
        )

    def _owners(self) -> list[Any]:
        """Each lead's owner (a Person, or None): the bench rep's exact share first."""
        rng, people, n = self.rng, self.people, self.n
        rep = people.bench_rep
        self.rep_count = min(n, round(n * BENCH_REP_SHARE))
        mine = bytearray(n)
        for i in rng.sample(range(n), self.rep_count):
            mine[i] = 1
        others = [(p, w) for p, w in zip(people.sellers, people.weights, strict=True) if p != rep]
        sellers, cumulative = weighted(others)
        drawn = rng.choices(sellers, cum_weights=cumulative, k=n)
        return [
            rep if mine[i] else None if rng.random() < UNASSIGNED else drawn[i] for i in range(n)
        ]

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        rng, run, fake, book, deals = self.rng, self.run, self.fake, self.book, self.deals
        now = run.now.timestamp()
        owners = self._owners()
        times = run.spread(rng, self.n)
        sources, source_weights = weighted(SOURCES)
        ratings, rating_weights = weighted(RATINGS)
        titles, title_weights = weighted(TITLES)
        by_age = [
            (days, weighted(tuple(zip(STATUSES, w, strict=True)))) for days, w in STATUS_BY_AGE
        ]
        combos = len(PREFIXES) * len(DESCRIPTORS) * len(CORES)
        for i in range(self.n):
            person = owners[i]
            created = times[i]
            age = (now - created) / DAY
            values, cumulative = next(w for days, w in by_age if age < days)
            status = rng.choices(values, cum_weights=cumulative)[0]
            region = person.region if person else "global"
            source = rng.choices(sources, cum_weights=source_weights)[0]
            owner_id = person.id if person else None
            converted = None
            if status == Lead.Status.CONVERTED:
                converted = self._conversion(owner_id, created, now)
                if converted is None:
                    status = Lead.Status.QUALIFIED
            if converted:
                contact, company, _, converted_at = converted
                first, last, email, phone, title = book.contact_person[contact]
                company_name = book.company_name[company] if company >= 0 else ""
                website = ""
                if company >= 0:
                    website = f"https://www.{email.partition('@')[2]}" if email else ""
                ended = converted_at
            else:
                first, last = fake.name(region)
                pick = rng.randrange(combos)
                words = (
                    PREFIXES[pick % len(PREFIXES)],
                    DESCRIPTORS[pick // len(PREFIXES) % len(DESCRIPTORS)] if pick % 3 == 0 else "",
                    CORES[pick // len(PREFIXES) // len(DESCRIPTORS)][0],
                )
                base = " ".join(w for w in words if w)
                domain = f"{ascii_slug(base, '-')}.example"
                country = fake.country(region)
                company_name = f"{base} {rng.choice(SUFFIXES[country])}".strip()
                local = f"{ascii_slug(first)}.{ascii_slug(last)}"
                roll = rng.random()
                email = (
                    f"{local}@{domain}"
                    if roll < 0.82
                    else f"{local}{i % 997}@mail.example"
                    if roll < 0.92
                    else ""
                )
                phone = fake.phone(country) if rng.random() < 0.7 else ""
                title = rng.choices(titles, cum_weights=title_weights)[0]
                website = f"https://www.{domain}" if rng.random() < 0.4 else ""
                ended = now
            self.owner.append(owner_id or 0)
            self.created.append(created)
            self.ended.append(ended)
            when = run.when(created)
            yield (
                self.first + i,
                first,
                last,
                title,
                company_name,
                email,
                phone,
                website,
                source,
                status,
                rng.choices(ratings, cum_weights=rating_weights)[0],
                rng.choice(NOTES) if rng.random() < 0.15 else "",
                {},
                owner_id,
                person.team_id if person else None,
                None if source == Lead.Source.WEB_FORM else owner_id,
                when,
                run.when(ended) if converted else when,
                run.when(ended) if converted else None,
                owner_id if converted else None,
                book.first_contact + converted[0] if converted else None,
                book.first_company + converted[1] if converted and converted[1] >= 0 else None,
                deals.first + converted[2] if converted and converted[2] >= 0 else None,
            )

    def _conversion(
        self, owner_id: int | None, created: float, now: float
    ) -> tuple[int, int, int, float] | None:
        """(contact, company, deal, converted at) for a converted lead of ``owner_id``: one
        of the owner's contacts, its company and maybe one of that company's deals."""
        rng, book, deals = self.rng, self.book, self.deals
        contacts = book.contacts_by_owner.get(owner_id or 0)
        if not contacts:
            return None
        contact = rng.choice(contacts)
        company = book.contact_company[contact]
        deal = -1
        if company >= 0 and rng.random() < 0.5:
            deal = rng.choice(deals.by_company.get(company) or [-1])
        converted_at = created + min(rng.uniform(2, 60) * DAY, (now - created) * 0.9)
        return contact, company, deal, converted_at


registry.register_scale(seed_leads, order=40)
