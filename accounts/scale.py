"""The people of the scale dataset (``seed_demo --scale N``): 50 users in 5 teams.

The demo users (``accounts.demo``, password ``keel-demo``) are among them; the other 45 sign
in as ``rep07@scale.keel.test``, ``manager03@scale.keel.test``, ``viewer@scale.keel.test``
with the same password. Each team has one manager and eight or nine reps; the admin, the
support agent and a read-only viewer belong to no team. Later parts read ``People`` from
``run.shared["accounts"]`` to give records owners (the record's team is the owner's).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password

from accounts import demo, roles
from accounts.models import Role, Team, User
from crm import demo as registry

SCALE_DOMAIN = "scale.keel.test"
BENCH_REP = "rep@keel.test"

# name, description, region (contacts.scale picks phones and cities by region), zones
TEAMS = (
    ("North America", "", "na", ("America/Chicago", "America/New_York", "America/Denver")),
    ("EMEA", "", "emea", ("Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid")),
    (
        "APAC",
        "Asia and the Pacific, from Sydney and Singapore.",
        "apac",
        ("Australia/Sydney", "Asia/Singapore", "Asia/Tokyo", "Asia/Kolkata"),
    ),
    (
        "Latin America",
        "Mexico, Brazil and the Southern Cone.",
        "latam",
        ("America/Sao_Paulo", "America/Mexico_City"),
    ),
    (
        "Strategic Accounts",
        "The hundred largest customers, worldwide.",
        "global",
        ("America/New_York", "Europe/London"),
    ),
)
REPS_PER_TEAM = (9, 9, 8, 8, 8)  # with the managers and three teamless users: 50 people
MANAGER_WEIGHT = 0.3  # managers own fewer records than their reps

FIRST = (
    "Avery", "Jordan", "Taylor", "Casey", "Jamie", "Alex", "Robin", "Quinn", "Dana", "Kai",
    "Noor", "Mateus", "Ines", "Haruto", "Ananya", "Lukas", "Sofia", "Emeka", "Freya", "Tomás",
    "Mei", "Arjun", "Elena", "Oskar", "Camila", "Yusuf", "Greta", "Rafael", "Aiko", "Bianca",
)  # fmt: skip
LAST = (
    "Whitfield", "Okafor", "Lindqvist", "Moreno", "Sato", "Brennan", "Kaur", "Novak",
    "Fontaine", "Reyes", "Hartmann", "Ito", "Castillo", "McAllister", "Dimitrov", "Nakashima",
    "Ferreira", "Olsen", "Bhatt", "Duarte", "Kowalczyk", "Lemaire", "Park", "Vidal",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    id: int
    team_id: int | None
    region: str
    role: str
    email: str


@dataclass
class People:
    everyone: list[Person]
    sellers: list[Person]  # reps and managers: they own the records
    weights: list[float]  # how much each seller owns, relatively
    bench_rep: Person  # rep@keel.test, who gets a heavy book of leads (docs/benchmarks.md)
    team_region: dict[int, str] = field(default_factory=dict)

    def teammates(self, person: Person) -> list[Person]:
        return [p for p in self.sellers if p.team_id == person.team_id]


def seed_people(run: registry.ScaleRun) -> list[str]:
    if User.objects.filter(email__endswith=f"@{SCALE_DOMAIN}").exists():
        raise registry.ScaleRefusedError(
            f"Users @{SCALE_DOMAIN} exist but this database has no record of a loaded scale "
            "dataset (the event was purged, or it came from elsewhere): load the scale "
            "dataset into a fresh database."
        )
    with run.step("people: the demo users, 45 more, 5 teams"):
        demo.seed_people()
        people = _people(run)
    run.shared["accounts"] = people
    return [
        f"People: {len(people.everyone)} users in {len(TEAMS)} teams; sign in as "
        f"{BENCH_REP} or e.g. rep07@{SCALE_DOMAIN} (password {demo.DEMO_PASSWORD}).",
    ]


def _people(run: registry.ScaleRun) -> People:
    rng = run.rng("accounts")
    teams = []
    for name, description, _region, _zones in TEAMS:
        team, _ = Team.objects.get_or_create(name=name, defaults={"description": description})
        teams.append(team)
    role_groups = {role.slug: role.group_id for role in Role.objects.all()}
    names = iter(rng.sample([f"{f} {last}" for f in FIRST for last in LAST], 60))
    password = make_password(demo.DEMO_PASSWORD)  # hashed once: 45 hashes would take seconds

    wanted: list[tuple[str, str, Team | None, str]] = [
        (f"viewer@{SCALE_DOMAIN}", roles.READ_ONLY, None, "Europe/London")
    ]
    rep_number = itertools.count(3)  # rep@ and rep2@ are the demo's
    for index, (team, (_, _, _region, zones), reps) in enumerate(
        zip(teams, TEAMS, REPS_PER_TEAM, strict=True)
    ):
        if index > 0:  # manager@keel.test runs the first team
            wanted.append(
                (f"manager{index + 1:02d}@{SCALE_DOMAIN}", roles.SALES_MANAGER, team, zones[0])
            )
        demo_reps = 1 if index < 2 else 0  # rep@ in North America, rep2@ in EMEA
        for _ in range(reps - demo_reps):
            number = next(rep_number)
            wanted.append(
                (f"rep{number:02d}@{SCALE_DOMAIN}", roles.SALES_REP, team, rng.choice(zones))
            )
    users = [
        User(
            email=email,
            password=password,
            full_name=next(names),
            team=team,
            timezone=zone,
            date_joined=run.now,
        )
        for email, _, team, zone in wanted
    ]
    User.objects.bulk_create(users)
    created = {user.email: user.pk for user in User.objects.filter(email__endswith=SCALE_DOMAIN)}
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=created[email], group_id=role_groups[role])
        for email, role, _, _ in wanted
    )
    return _read_people(teams, rng)


def _read_people(teams: list[Team], rng: Any) -> People:
    region = {team.pk: spec[2] for team, spec in zip(teams, TEAMS, strict=True)}
    everyone = []
    for user in User.objects.filter(is_active=True).prefetch_related("groups__role"):
        role = user.primary_role.slug if user.primary_role else ""
        everyone.append(
            Person(user.pk, user.team_id, region.get(user.team_id or 0, "global"), role, user.email)
        )
    everyone.sort(key=lambda p: p.id)
    sellers = [
        p
        for p in everyone
        if p.role in (roles.SALES_REP, roles.SALES_MANAGER) and p.team_id in region
    ]
    weights = [
        MANAGER_WEIGHT if p.role == roles.SALES_MANAGER else rng.uniform(0.7, 1.3) for p in sellers
    ]
    bench_rep = next(p for p in everyone if p.email == BENCH_REP)
    return People(everyone, sellers, weights, bench_rep, region)


registry.register_scale(seed_people, order=10)
