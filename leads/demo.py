"""Demo leads: about 300 believable leads over every status, source and rating, spread over
the demo sales people, a handful converted into contacts, companies and deals, and the
"Website contact form". Deterministic (a fixed random seed) and idempotent: each lead is
known by its email, so a second run adds nothing.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from contacts.models import Tag
from leads.models import Lead, WebForm

LEAD_COUNT = 300
CONVERTED = 8
WEB_FORM_NAME = "Website contact form"
DEMO_DOMAIN = "demo-leads.example"

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Isabella",
    "Lucas", "Mia", "Mateo", "Charlotte", "Levi", "Harper", "Ethan", "Aisha", "Kenji", "Priya",
    "Lars", "Ingrid", "Diego", "Chloé", "Tomasz", "Fatima", "Jonas", "Ana", "Ravi", "Hana",
    "Marco", "Grace", "Samuel", "Zoe", "Daniel", "Nora", "Felix", "Leila", "Owen", "Yuki",
    "Carmen",
)  # fmt: skip
LAST_NAMES = (
    "Anderson", "Bauer", "Chen", "Dubois", "Eriksson", "Fischer", "García", "Hughes", "Ivanova",
    "Johansson", "Kowalski", "Larsen", "Martin", "Nakamura", "O'Brien", "Patel", "Quinn",
    "Rossi", "Schmidt", "Tanaka", "Underwood", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmermann",
    "Novak", "Moreau", "Singh", "Costa", "Berg", "Khan", "Lopez", "Murphy", "Nielsen",
)  # fmt: skip
COMPANIES = (
    ("Northwind Traders", "northwind-traders"), ("Bluefin Logistics", "bluefin-logistics"),
    ("Harbor Health Clinics", "harbor-health"), ("Copperleaf Software", "copperleaf"),
    ("Granite Ridge Manufacturing", "granite-ridge"), ("Lumen Energy", "lumen-energy"),
    ("Tidewater Retail Group", "tidewater-retail"), ("Summit Analytics", "summit-analytics"),
    ("Evergreen Schools Trust", "evergreen-schools"), ("Atlas Freight", "atlas-freight"),
    ("Brightpath Media", "brightpath-media"), ("Keystone Insurance", "keystone-insurance"),
    ("Meridian Foods", "meridian-foods"), ("Orchid Biotech", "orchid-biotech"),
    ("Pinecrest Property", "pinecrest-property"), ("Quarry Lane Architects", "quarry-lane"),
    ("Redwood Legal", "redwood-legal"), ("Silverline Telecom", "silverline-telecom"),
    ("Trailhead Outdoor", "trailhead-outdoor"), ("Vantage Robotics", "vantage-robotics"),
    ("Willow Creek Hotels", "willow-creek-hotels"), ("Zephyr Aviation", "zephyr-aviation"),
    ("Cobalt Security", "cobalt-security"), ("Driftwood Design Studio", "driftwood-design"),
)  # fmt: skip
TITLES = (
    "Head of Operations", "Procurement Manager", "CTO", "VP Sales", "Office Manager",
    "IT Director", "Founder", "Finance Director", "Marketing Lead", "Project Manager",
    "Customer Success Manager", "COO", "",
)  # fmt: skip
NOTES = (
    "Asked for pricing for a team of about 40.",
    "Met at the spring trade show; wants a demo next month.",
    "Evaluating us against their current spreadsheet process.",
    "Budget approved for next quarter, decision by the board.",
    "Referred by an existing customer.",
    "Downloaded the buyer's guide twice.",
    "Needs single sign-on and an EU data location.",
    "",
    "",
)  # fmt: skip
TAGS = ("inbound", "trade show", "newsletter", "enterprise", "partner referral")
STATUSES = (
    (Lead.Status.NEW, 36),
    (Lead.Status.CONTACTED, 26),
    (Lead.Status.QUALIFIED, 22),
    (Lead.Status.UNQUALIFIED, 16),
)
SOURCES = (
    (Lead.Source.WEB_FORM, 22),
    (Lead.Source.WEBSITE, 18),
    (Lead.Source.REFERRAL, 14),
    (Lead.Source.EVENT, 12),
    (Lead.Source.COLD_CALL, 10),
    (Lead.Source.PARTNER, 8),
    (Lead.Source.ADVERTISING, 8),
    (Lead.Source.SOCIAL, 6),
    (Lead.Source.OTHER, 2),
)
RATINGS = (("hot", 15), ("warm", 35), ("cold", 30), ("", 20))


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _sales_people() -> list[User]:
    """Active sales reps and managers of the demo (by email, so the order is stable)."""
    people = list(
        User.objects.active()
        .filter(Q(groups__role__slug="sales_rep") | Q(groups__role__slug="sales_manager"))
        .distinct()
        .order_by("email")
    )
    return people or list(User.objects.active().order_by("email")[:1])


def _tag(name: str) -> Tag:
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name)


def _web_form(owner: User | None, tag: Tag) -> WebForm:
    form = WebForm.objects.filter(name=WEB_FORM_NAME).first()
    if form is None:
        form = WebForm.objects.create(
            name=WEB_FORM_NAME,
            fields=["first_name", "last_name", "email", "phone", "company_name", "description"],
            required_fields=["last_name", "email"],
            owner=owner,
            source=Lead.Source.WEB_FORM,
            tag=tag,
            success_message="Thanks for getting in touch! Someone from our team will reply "
            "within one working day.",
        )
    return form


def seed_leads() -> list[str]:
    people = _sales_people()
    if not people:
        return ["Leads: no demo users yet, skipped."]
    with transaction.atomic():
        created, form = _seed(people)
    converted = _convert_some()
    return [
        f"Leads: {created} created ({Lead.objects.count()} in all), {converted} converted; "
        f"web form “{form.name}” at /forms/{form.token}/"
    ]


def _seed(people: list[User]) -> tuple[int, WebForm]:
    rng = random.Random(30)  # noqa: S311 - demo data, not security
    tags = {name: _tag(name) for name in TAGS}
    form = _web_form(next((p for p in people if "rep@" in p.email), people[0]), tags["inbound"])
    now = timezone.now()
    specs: list[dict[str, Any]] = []
    for n in range(LEAD_COUNT):
        first = FIRST_NAMES[(n * 7) % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 11 + n // len(LAST_NAMES)) % len(LAST_NAMES)]
        company, domain = COMPANIES[(n * 5 + n // 7) % len(COMPANIES)]
        source = _pick(rng, SOURCES)
        specs.append(
            {
                "first_name": first,
                "last_name": last,
                "company_name": company,
                "email": f"{_slug(first)}.{_slug(last)}.{n}@{domain}.{DEMO_DOMAIN}",
                "phone": f"+1{rng.choice(['212', '312', '415', '512', '617'])}555{n:04d}",
                "title": rng.choice(TITLES),
                "website": f"https://{domain}.example",
                "source": source,
                "status": _pick(rng, STATUSES),
                "rating": _pick(rng, RATINGS),
                "description": rng.choice(NOTES),
                "owner": people[n % len(people)],
                "created_at": now
                - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1439)),
                "tags": [t for t in TAGS if rng.random() < 0.18]
                + (["inbound"] if source == Lead.Source.WEB_FORM else []),
            }
        )
    existing = set(
        Lead.objects.filter(email__endswith=f".{DEMO_DOMAIN}").values_list("email", flat=True)
    )
    missing = [spec for spec in specs if spec["email"] not in existing]
    leads = []
    for spec in missing:
        owner = spec["owner"]
        lead = Lead(
            **{k: v for k, v in spec.items() if k not in {"owner", "tags"}},
            owner=owner,
            team_id=owner.team_id,
            updated_at=spec["created_at"],
            web_form=form if spec["source"] == Lead.Source.WEB_FORM else None,
        )
        leads.append(lead)
    Lead.objects.bulk_create(leads, batch_size=200)
    by_email = dict(
        Lead.objects.filter(email__in=[s["email"] for s in missing]).values_list("email", "pk")
    )
    through = Lead.tags.through
    through.objects.bulk_create(
        [
            through(lead_id=by_email[spec["email"]], tag_id=tags[name].pk)
            for spec in missing
            for name in dict.fromkeys(spec["tags"])
        ],
        ignore_conflicts=True,
    )
    WebForm.objects.filter(pk=form.pk).update(submission_count=form.leads.count())
    return len(missing), form


def _convert_some() -> int:
    """Convert the first few qualified, hot demo leads through ``lead_convert`` itself."""
    from deals.models import Pipeline
    from leads import duplicates, services

    if Lead.objects.filter(
        email__endswith=f".{DEMO_DOMAIN}", status=Lead.Status.CONVERTED
    ).exists():
        return 0
    pipeline = (
        Pipeline.objects.filter(is_active=True).order_by("-is_default", "position", "name").first()
    )
    candidates = list(
        Lead.objects.filter(
            email__endswith=f".{DEMO_DOMAIN}", status=Lead.Status.QUALIFIED, owner__isnull=False
        )
        .select_related("owner")
        .order_by("created_at", "id")[:CONVERTED]
    )
    for index, lead in enumerate(candidates):
        deal = None
        if pipeline is not None and index % 4 != 3:  # most become a deal, some only a contact
            deal = services.NewDeal(
                pipeline=pipeline,
                name=f"{lead.company_name}: {('Starter', 'Team', 'Enterprise')[index % 3]} plan",
                amount=Decimal(("4800", "12500", "38000", "9600")[index % 4]),
                expected_close_date=(timezone.now() + timedelta(days=20 + 9 * index)).date(),
            )
        company = next(iter(duplicates.company_choices(user=lead.owner, lead=lead)), None)
        services.lead_convert(
            actor=lead.owner,
            lead=lead,
            company=company.record if company else None,
            deal=deal,
        )
    return len(candidates)
