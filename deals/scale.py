"""Deals of the scale dataset (``seed_demo --scale N``): at N=1, 200,000 deals on the
existing pipelines (a second one, "Renewals", is created when there is only one), their stage
history and contacts.

The default pipeline gets 65% of the deals. A deal's status follows its age: most deals of
the last three months are open, most older ones are won (40%) or lost (60%, with a reason);
at N=1 the default pipeline holds about 26,000 open deals (the kanban benchmark needs
20,000 or more). Each deal's stage history walks the stages in order (2% of the deals
bounce back and forth, up to 30 moves); ``status`` follows the stage's won/lost flags and
``position`` increases within each stage. ``last_activity_at`` is set by the activities
part.

Later parts read ``DealBook`` from ``run.shared["deals"]``.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max

from accounts.scale import People
from contacts.models import CompanySize
from contacts.scale import Book, tag_rows, weighted
from crm import demo as registry
from deals.models import Deal, Pipeline, Stage, StageChange

DEALS = 200_000
PRIMARY_SHARE = 0.65
DAY = 86_400.0
OPEN, WON, LOST = 0, 1, 2

RENEWALS = (
    # name, probability, won, lost, rotting days
    ("Renewal due", 60, False, False, 30),
    ("Quote sent", 75, False, False, 14),
    ("Negotiation", 85, False, False, 10),
    ("Renewed", 100, True, False, None),
    ("Churned", 0, False, True, None),
)
PRODUCTS = (
    "Annual subscription", "Platform licence", "Pilot", "Expansion", "Onboarding package",
    "Premium support", "Data migration", "Multi-year agreement", "Team plan", "Add-on modules",
)  # fmt: skip
LOST_REASONS = (
    ("Price too high", 30), ("Chose a competitor", 25), ("No budget", 15),
    ("No decision", 15), ("Timing: revisit next year", 10), ("Missing feature", 5),
)  # fmt: skip
NOTES = (
    "Champion is the head of operations; economic buyer is the CFO.",
    "Security questionnaire returned, waiting for legal.",
    "Competing with an incumbent on a three-year contract.",
    "Asked for a discount for a two-year commitment.",
    "Procurement portal registration done.",
)
AMOUNT_BY_SIZE: dict[str, int] = {  # median deal size, by the company's size
    CompanySize.MICRO: 2_500, CompanySize.SMALL: 7_500, CompanySize.MEDIUM: 18_000,
    CompanySize.LARGE: 45_000, CompanySize.ENTERPRISE: 120_000,
}  # fmt: skip
EURO = {"DE", "FR", "NL", "ES", "IT", "IE"}


@dataclass
class DealBook:
    first: int  # id of deal 0
    owner: array  # user ids
    company: array  # company index, -1 for none
    created: array  # epoch seconds
    ended: array  # closed_at, or now for open deals
    by_company: dict[int, list[int]]
    featured: list[int]  # open deals of the bench rep with a long history
    board: Pipeline  # the default pipeline, the kanban benchmark's
    board_open: int  # its open deals


@dataclass(frozen=True)
class _Path:
    pipeline: Pipeline
    open: list[Stage]
    won: Stage
    lost: Stage

    @property
    def stages(self) -> list[Stage]:
        return [*self.open, self.won, self.lost]


def _pipelines() -> list[_Path]:
    """Every active pipeline with open, won and lost stages, the default first; a second
    pipeline is created when there is only one."""
    paths = []
    for pipeline in Pipeline.objects.filter(is_active=True).order_by("-is_default", "position"):
        stages = list(pipeline.stages.order_by("position", "id"))
        open_stages = [s for s in stages if not s.is_won and not s.is_lost]
        won = next((s for s in stages if s.is_won), None)
        lost = next((s for s in stages if s.is_lost), None)
        if open_stages and won and lost:
            paths.append(_Path(pipeline, open_stages, won, lost))
    while len(paths) < 2:
        name = "Renewals" if paths else "Sales"
        pipeline = Pipeline.objects.create(
            name=name, position=len(paths), is_default=not paths, is_active=True
        )
        stages = [
            Stage.objects.create(
                pipeline=pipeline,
                name=stage,
                position=position,
                probability=probability,
                is_won=won,
                is_lost=lost,
                rotting_days=rotting,
            )
            for position, (stage, probability, won, lost, rotting) in enumerate(RENEWALS)
        ]
        paths.append(_Path(pipeline, stages[:3], stages[3], stages[4]))
    return paths


def seed_deals(run: registry.ScaleRun) -> list[str]:
    people: People = run.shared["accounts"]
    book: Book = run.shared["contacts"]
    seeder = _Deals(run, people, book)
    with run.step(f"deals: {seeder.n:,} with stage history, contacts and tags"):
        seeder.load()
    run.shared["deals"] = seeder.result()
    board = seeder.paths[0].pipeline
    return [
        f"Kanban: {board.name} holds {seeder.board_open:,} open deals: "
        f"/pipelines/{board.pk}/board/",
    ]


class _Deals:
    def __init__(self, run: registry.ScaleRun, people: People, book: Book) -> None:
        self.run = run
        self.people = people
        self.book = book
        self.rng = run.rng("deals")
        self.n = run.count(DEALS)
        self.first = run.next_id(Deal)
        self.paths = _pipelines()
        self.currency = settings.CRM_DEFAULT_CURRENCY
        self.owner = array("i")
        self.company = array("i")
        self.created = array("d")
        self.ended = array("d")
        self.by_company: dict[int, list[int]] = {}
        self.featured: list[int] = []
        self.board_open = 0
        self.changes: list[tuple[int, int | None, int, int, float, int | None]] = []
        self.contacts: list[tuple[int, int]] = []
        top = Deal.objects.values("stage").annotate(top=Max("position"))
        self.position = {row["stage"]: row["top"] or 0.0 for row in top}

    def result(self) -> DealBook:
        return DealBook(
            first=self.first,
            owner=self.owner,
            company=self.company,
            created=self.created,
            ended=self.ended,
            by_company=self.by_company,
            featured=self.featured,
            board=self.paths[0].pipeline,
            board_open=self.board_open,
        )

    def load(self) -> None:
        run = self.run
        rows = self._plan()
        columns = [
            "id", "name", "pipeline_id", "stage_id", "status", "amount", "currency",
            "expected_close_date", "company_id", "lost_reason", "closed_at", "position",
            "stage_entered_at", "version", "description", "custom", "owner_id", "team_id",
            "created_by_id", "created_at", "updated_at",
        ]  # fmt: skip
        run.insert(Deal, columns, rows, expected=self.n)
        when = run.when
        history = ["deal_id", "from_stage_id", "to_stage_id", "changed_by_id", "changed_at"]
        names = {stage.pk: stage.name for path in self.paths for stage in path.stages}
        run.insert(
            StageChange,
            [*history, "days_in_previous", "from_stage_name", "to_stage_name"],
            (
                (
                    deal,
                    source,
                    target,
                    by,
                    when(at),
                    days,
                    names.get(source or 0, ""),
                    names[target],
                )
                for deal, source, target, by, at, days in self.changes
            ),
            expected=len(self.changes),
        )
        run.insert(Deal.contacts.through, ["deal_id", "contact_id"], self.contacts, expected=self.n)
        run.insert(
            Deal.tags.through,
            ["deal_id", "tag_id"],
            tag_rows(self.rng, iter(range(self.first, self.first + self.n)), self.book.tags, 0.15),
            expected=self.n // 5,
        )

    def _plan(self) -> list[tuple[Any, ...]]:
        rng, run, people, book = self.rng, self.run, self.people, self.book
        now = run.now.timestamp()
        team = {p.id: p.team_id for p in people.everyone}
        by_id = {p.id: p for p in people.sellers}
        sizes = book.company_size
        # Bigger companies buy more often: weight by their contact count (about their size).
        weights = [len(c) + 1 for c in book.contacts_by_company]
        companies = rng.choices(range(len(weights)), weights=weights, k=self.n)
        sellers = rng.choices(range(len(people.sellers)), weights=people.weights, k=self.n)
        reasons, reason_weights = weighted(LOST_REASONS)
        times = run.spread(rng, self.n)
        rows: list[tuple[Any, ...]] = []
        featured_wanted = 3 if run.scale >= 0.1 else 1
        for i in range(self.n):
            created = times[i]
            company = companies[i] if rng.random() < 0.95 else -1
            if company >= 0:
                owner = book.company_owner[company]
                if rng.random() < 0.2:
                    owner = rng.choice(people.teammates(by_id[owner])).id
            else:
                owner = people.sellers[sellers[i]].id
            path = self.paths[0] if rng.random() < PRIMARY_SHARE else rng.choice(self.paths[1:])
            status = self._status((now - created) / DAY)
            featured = (
                status == OPEN
                and path is self.paths[0]
                and company >= 0
                and len(self.featured) < featured_wanted
                and i >= self.n * 0.9
                and rng.random() < 0.2
            )
            if featured:
                owner = people.bench_rep.id
                self.featured.append(i)
            stages, ended, entered = self._history(
                i, path=path, status=status, created=created, owner=owner, featured=featured
            )
            stage = stages[-1]
            self.position[stage.pk] = self.position.get(stage.pk, 0.0) + 1.0
            if status == OPEN and path is self.paths[0]:
                self.board_open += 1
            median = AMOUNT_BY_SIZE[sizes[company] if company >= 0 else CompanySize.SMALL]
            amount = max(500, int(round(math.exp(rng.gauss(math.log(median), 0.7)), -2)))
            closes = ended if status != OPEN else created + rng.randint(20, 150) * DAY
            self.owner.append(owner)
            self.company.append(company)
            self.created.append(created)
            self.ended.append(ended if status != OPEN else now)
            if company >= 0:
                self.by_company.setdefault(company, []).append(i)
                contacts = book.contacts_by_company[company]
                for contact in rng.sample(contacts, min(len(contacts), rng.randint(1, 3))):
                    self.contacts.append((self.first + i, book.first_contact + contact))
            name = book.company_name[company] if company >= 0 else "New customer"
            rows.append(
                (
                    self.first + i,
                    f"{name}: {rng.choice(PRODUCTS)}",
                    path.pipeline.pk,
                    stage.pk,
                    ("open", "won", "lost")[status],
                    Decimal(amount),
                    self._currency(company),
                    run.when(closes).date(),
                    book.first_company + company if company >= 0 else None,
                    rng.choices(reasons, cum_weights=reason_weights)[0] if status == LOST else "",
                    run.when(ended) if status != OPEN else None,
                    self.position[stage.pk],
                    run.when(entered),
                    len(stages),
                    rng.choice(NOTES) if rng.random() < 0.1 else "",
                    {},
                    owner,
                    team[owner],
                    owner,
                    run.when(created),
                    run.when(entered),
                )
            )
        if not self.featured:  # tiny scales: make one
            self._feature_last_open(rows)
        return rows

    def _status(self, age_days: float) -> int:
        """Most deals of the last three months are open, most older ones closed."""
        rng = self.rng
        open_chance = 0.7 if age_days < 90 else 0.2 if age_days < 240 else 0.03
        return OPEN if rng.random() < open_chance else WON if rng.random() < 0.4 else LOST

    def _currency(self, company: int) -> str:
        country = self.book.company_country[company] if company >= 0 else ""
        return "GBP" if country == "GB" else "EUR" if country in EURO else self.currency

    def _history(
        self,
        i: int,
        *,
        path: _Path,
        status: int,
        created: float,
        owner: int,
        featured: bool,
    ) -> tuple[list[Stage], float, float]:
        """The stages the deal went through, recorded as StageChange rows; returns them,
        when the deal closed (now if open) and when it entered its stage."""
        rng = self.rng
        now = self.run.now.timestamp()
        opens = path.open
        if status == OPEN:
            reached = min(int(len(opens) * rng.random() ** 1.5), len(opens) - 1)
            stages = opens[: reached + 1]
            ended = now
            last = created + (now - created) * rng.uniform(0.3, 0.95)
        else:
            reached = len(opens) - 1 if status == WON else rng.randrange(len(opens))
            stages = [*opens[: reached + 1], path.won if status == WON else path.lost]
            ended = created + min(rng.uniform(10, 150) * DAY, (now - created) * 0.95)
            last = ended
        if featured or rng.random() < 0.02:  # a deal that went back and forth
            stages = self._bounce(path, stages, 30 if featured else rng.randint(10, 30))
        if len(stages) == 1:
            moments = [created]
        else:
            step = (last - created) / (len(stages) - 1)
            moments = [created + step * k for k in range(len(stages))]
        deal = self.first + i
        previous = None
        for stage, moment in zip(stages, moments, strict=True):
            days = None if previous is None else int((moment - previous[1]) // DAY)
            self.changes.append(
                (deal, previous[0].pk if previous else None, stage.pk, owner, moment, days)
            )
            previous = (stage, moment)
        return stages, ended, moments[-1]

    def _bounce(self, path: _Path, stages: list[Stage], moves: int) -> list[Stage]:
        """The path to the same final stage, wandering back and forth between the open
        stages first: about ``moves`` stages long."""
        opens = path.open
        if len(opens) < 2:
            return stages
        closing = [s for s in stages if s.is_won or s.is_lost]
        target = opens.index(stages[-1 - len(closing)])
        out, at = [opens[0]], 0
        while len(out) + abs(target - at) + len(closing) < moves:
            forward = at == 0 or (at < len(opens) - 1 and self.rng.random() < 0.55)
            at += 1 if forward else -1
            out.append(opens[at])
        while at != target:
            at += 1 if target > at else -1
            out.append(opens[at])
        return out + closing

    def _feature_last_open(self, rows: list[tuple[Any, ...]]) -> None:
        """Give the bench rep the newest open deal of the default pipeline at a company."""
        board = self.paths[0].pipeline.pk
        rep = self.people.bench_rep
        for i in range(self.n - 1, -1, -1):
            row = rows[i]
            if row[2] == board and row[4] == "open" and row[8] is not None:
                self.owner[i] = rep.id
                rows[i] = (*row[:16], rep.id, rep.team_id, rep.id, *row[19:])
                self.featured.append(i)
                return


registry.register_scale(seed_deals, order=30)
