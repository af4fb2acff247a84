"""Demo deals: the "Sales" pipeline from migration 0002 plus a "Renewals" pipeline, about
250 deals across every stage, linked to the demo companies and contacts, with stage
histories, won and lost deals (with reasons) and a few rotting ones.

Deterministic (a seeded random generator over the records in id order) and idempotent: a
second run finds the Renewals pipeline with its deals and changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import User
from contacts.models import Company, Contact, Tag
from deals.models import Deal, Pipeline, Stage, StageChange

SEED = 20261125
SALES_STAGES = [
    # name, probability, won, lost, rotting days (as migration 0002 creates them)
    ("Qualification", 10, False, False, 14),
    ("Needs analysis", 25, False, False, 14),
    ("Proposal", 50, False, False, 10),
    ("Negotiation", 75, False, False, 7),
    ("Won", 100, True, False, None),
    ("Lost", 0, False, True, None),
]
RENEWAL_STAGES = [
    ("Upcoming", 30, False, False, 30),
    ("Contacted", 50, False, False, 14),
    ("Quote sent", 75, False, False, 10),
    ("Renewed", 100, True, False, None),
    ("Churned", 0, False, True, None),
]
SALES_PRODUCTS = (
    "Platform licence",
    "Onboarding package",
    "Analytics add-on",
    "Seat expansion",
    "Pilot",
    "Enterprise upgrade",
    "Premium support",
    "Data migration",
    "API access",
    "Training days",
)
RENEWAL_PRODUCTS = ("Annual renewal", "Support renewal", "Multi-year renewal", "Licence true-up")
LOST_REASONS = (
    "Chose a competitor",
    "No budget this year",
    "Timing: revisit next quarter",
    "Built it in-house",
    "Price too high",
    "No decision maker engaged",
    "Project cancelled",
)
CHURN_REASONS = (
    "Moved to a cheaper tool",
    "Company acquired",
    "Low usage",
    "Budget cuts",
)
AMOUNTS = (2400, 4800, 7500, 9900, 12000, 18500, 24000, 36000, 48000, 65000, 90000, 125000)
FALLBACK_NAMES = (
    "Northwind Traders",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Analytics",
    "Hooli",
    "Vandelay Imports",
    "Acme Robotics",
    "Soylent Foods",
    "Tyrell Systems",
    "Cyberdyne Energy",
)


def _pipeline(
    name: str, stages: list[tuple[Any, ...]], *, default: bool, position: int
) -> Pipeline:
    pipeline = Pipeline.objects.filter(name=name).first()
    if pipeline is None:
        pipeline = Pipeline.objects.create(
            name=name,
            position=position,
            is_default=default and not Pipeline.objects.filter(is_default=True).exists(),
        )
    if not pipeline.stages.exists():
        for index, (stage_name, probability, won, lost, rotting) in enumerate(stages):
            Stage.objects.create(
                pipeline=pipeline,
                name=stage_name,
                position=index,
                probability=probability,
                is_won=won,
                is_lost=lost,
                rotting_days=rotting,
            )
    return pipeline


def _owners() -> list[User]:
    people = list(
        User.objects.active()
        .filter(groups__role__slug__in=[roles.SALES_REP, roles.SALES_MANAGER])
        .distinct()
        .order_by("email")
    )
    return people or list(User.objects.active().order_by("email")[:5])


class _Seeder:
    def __init__(self, owners: list[User]) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not security
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.owners = owners
        # Reps carry most deals; the manager some.
        self.weights = [1 if self._is_manager(u) else 3 for u in owners]
        self.companies = list(Company.objects.order_by("pk")[:400])
        self.contacts: dict[int, list[int]] = {}
        for pk, company_id in (
            Contact.objects.filter(company__isnull=False)
            .order_by("pk")
            .values_list("pk", "company_id")
        ):
            self.contacts.setdefault(company_id, []).append(pk)
        self.positions: dict[int, float] = {}
        self.deals: list[Deal] = []
        self.paths: list[list[tuple[Stage, Any]]] = []
        self.links: list[list[int]] = []
        self.tags: list[list[Tag]] = []
        self.tag_pool = [
            Tag.objects.filter(name__iexact=name).first()
            or Tag.objects.create(name=name, color=color)
            for name, color in (("priority", "red"), ("expansion", "green"), ("partner", "blue"))
        ]

    @staticmethod
    def _is_manager(user: User) -> bool:
        return any(role.slug == roles.SALES_MANAGER for role in user.roles)

    def _amount(self) -> Decimal:
        base = self.rng.choice(AMOUNTS) * self.rng.uniform(0.8, 1.3)
        return Decimal(round(base / 100) * 100).quantize(Decimal("0.01"))

    def _company(self, index: int) -> Company | None:
        if not self.companies:
            return None
        return self.companies[(index * 7 + self.rng.randrange(3)) % len(self.companies)]

    def add(self, pipeline: Pipeline, count: int, *, renewals: bool) -> None:
        stages = list(pipeline.stages.order_by("position"))
        open_stages = [s for s in stages if not s.is_closed]
        won = next(s for s in stages if s.is_won)
        lost = next(s for s in stages if s.is_lost)
        rng = self.rng
        for index in range(count):
            roll = rng.random()
            if roll < 0.16:
                target, closed = won, True
            elif roll < 0.27:
                target, closed = lost, True
            else:
                target, closed = (
                    open_stages[
                        min(int(rng.random() ** 1.4 * len(open_stages)), len(open_stages) - 1)
                    ],
                    False,
                )
            self._deal(pipeline, open_stages, target, closed=closed, index=index, renewals=renewals)

    def _path(
        self, open_stages: list[Stage], target: Stage, created: Any, *, rotting: bool
    ) -> list[tuple[Stage, Any]]:
        rng = self.rng
        if target.is_closed:
            reached = rng.randrange(len(open_stages))
            steps = [*open_stages[: reached + 1], target]
        else:
            steps = open_stages[: open_stages.index(target) + 1]
        span = (self.now - created).total_seconds()
        times = sorted(rng.uniform(0.05, 0.95) * span for _ in steps[1:])
        moments = [created] + [created + timedelta(seconds=t) for t in times]
        if rotting and not target.is_closed and target.rotting_days:
            # Idle past the stage's rotting days: the last move happened long enough ago.
            last = self.now - timedelta(days=target.rotting_days + rng.randint(2, 25))
            moments = [min(m, last) for m in moments]
            moments[-1] = last
            earliest = last - timedelta(days=3 * len(steps))
            moments[0] = min(moments[0], earliest)
            moments = [moments[0]] + [max(m, moments[0]) for m in moments[1:]]
        return list(zip(steps, moments, strict=True))

    def _deal(
        self,
        pipeline: Pipeline,
        open_stages: list[Stage],
        target: Stage,
        *,
        closed: bool,
        index: int,
        renewals: bool,
    ) -> None:
        rng = self.rng
        owner = rng.choices(self.owners, weights=self.weights)[0]
        company = self._company(index + (1000 if renewals else 0))
        label = company.name if company else FALLBACK_NAMES[index % len(FALLBACK_NAMES)]
        product = rng.choice(RENEWAL_PRODUCTS if renewals else SALES_PRODUCTS)
        year = self.today.year + (1 if renewals and self.today.month > 9 else 0)
        name = f"{label}: {product}" + (f" {year}" if renewals else "")
        created = self.now - timedelta(days=rng.randint(8, 160), hours=rng.randint(0, 23))
        rotting = not closed and rng.random() < 0.18
        path = self._path(open_stages, target, created, rotting=rotting)
        created, entered = path[0][1], path[-1][1]
        if closed:
            close_date = entered.date()
        else:
            close_date = self.today + timedelta(days=rng.randint(-12, 100))
        reason = ""
        if target.is_lost:
            reason = rng.choice(CHURN_REASONS if renewals else LOST_REASONS)
        last_activity = None
        if not closed and not rotting:
            # Worked recently enough: only the deals picked as rotting are idle too long.
            recent = rng.randint(0, max(0, (target.rotting_days or 14) - 2))
            last_activity = max(entered, self.now - timedelta(days=recent, hours=rng.randint(1, 9)))
        position = self.positions.get(target.pk, 0.0) + 1024.0
        self.positions[target.pk] = position
        deal = Deal(
            name=name[:200],
            pipeline=pipeline,
            stage=target,
            status=Deal.Status.WON
            if target.is_won
            else Deal.Status.LOST
            if target.is_lost
            else Deal.Status.OPEN,
            amount=self._amount(),
            currency="EUR" if rng.random() < 0.08 else settings.CRM_DEFAULT_CURRENCY,
            expected_close_date=close_date,
            company=company,
            lost_reason=reason,
            closed_at=entered if closed else None,
            position=position,
            stage_entered_at=entered,
            last_activity_at=last_activity,
            created_by=owner,
            created_at=created,
            updated_at=entered,
            description="",
        )
        deal.assign_owner(owner)
        self.deals.append(deal)
        self.paths.append(path)
        people = self.contacts.get(company.pk, []) if company else []
        self.links.append(people[: rng.randint(1, 2)] if people else [])
        self.tags.append([rng.choice(self.tag_pool)] if rng.random() < 0.2 else [])

    def save(self) -> int:
        Deal.objects.bulk_create(self.deals, batch_size=500)
        changes = []
        for deal, path in zip(self.deals, self.paths, strict=True):
            previous = None
            for stage, moment in path:
                changes.append(
                    StageChange(
                        deal=deal,
                        from_stage=previous[0] if previous else None,
                        to_stage=stage,
                        from_stage_name=previous[0].name if previous else "",
                        to_stage_name=stage.name,
                        changed_by=deal.owner,
                        changed_at=moment,
                        days_in_previous=(moment - previous[1]).days if previous else None,
                    )
                )
                previous = (stage, moment)
        StageChange.objects.bulk_create(changes, batch_size=500)
        contacts_through = Deal.contacts.through
        contacts_through.objects.bulk_create(
            [
                contacts_through(deal_id=deal.pk, contact_id=pk)
                for deal, pks in zip(self.deals, self.links, strict=True)
                for pk in pks
            ],
            batch_size=500,
        )
        tags_through = Deal.tags.through
        tags_through.objects.bulk_create(
            [
                tags_through(deal_id=deal.pk, tag_id=tag.pk)
                for deal, tags in zip(self.deals, self.tags, strict=True)
                for tag in tags
            ],
            batch_size=500,
        )
        return len(self.deals)


@transaction.atomic
def seed_deals() -> list[str]:
    renewals = Pipeline.objects.filter(name="Renewals").first()
    if renewals is not None and Deal.objects.filter(pipeline=renewals).exists():
        return ["Deals: already seeded."]
    owners = _owners()
    if not owners:
        return ["Deals: no demo people to own deals; skipped."]
    sales = Pipeline.objects.filter(is_default=True).first() or _pipeline(
        "Sales", SALES_STAGES, default=True, position=0
    )
    if not sales.stages.exists():
        sales = _pipeline(sales.name, SALES_STAGES, default=True, position=0)
    renewals = _pipeline("Renewals", RENEWAL_STAGES, default=False, position=1)
    seeder = _Seeder(owners)
    seeder.add(sales, 180, renewals=False)
    seeder.add(renewals, 70, renewals=True)
    created = seeder.save()
    linked = "linked to the demo companies" if seeder.companies else "without companies"
    return [f"Deals: {created} in {sales.name} and {renewals.name}, {linked}."]
