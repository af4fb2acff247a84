"""Demo activities and tasks: calls, meetings, notes and emails over the past 60 days on the
demo deals, companies, contacts and leads; meetings this week and next so the calendar has
something to show; tasks for every demo user (overdue, today, upcoming, undated, done).

Deterministic (a fixed random seed over records in id order) and idempotent: an activity is
known by its kind, subject and records, a task by its title and assignee, so a second run
adds nothing. Rows are bulk-inserted (demo data publishes no events).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from activities.models import Activity, Task
from activities.services import day_end, user_zone
from contacts.models import Company, Contact
from deals.models import Deal
from leads.models import Lead

SEED = 40
PAST_DAYS = 60
SALES_ROLES = ("sales_rep", "sales_manager")

CALLS = (
    "Discovery call", "Follow-up call", "Pricing question", "Check-in call",
    "Called about the renewal", "Intro call", "Call about implementation timeline",
)  # fmt: skip
MEETINGS = (
    "Product demo", "Quarterly business review", "Onsite workshop", "Kick-off meeting",
    "Security review", "Contract walkthrough", "Stakeholder lunch",
)  # fmt: skip
NOTES = (
    "Budget confirmed", "Decision maker identified", "Competitor in the deal",
    "Legal review needed", "Champion changing roles", "Procurement process notes",
)  # fmt: skip
EMAILS = (
    "Sent the proposal", "Shared case studies", "Answered security questionnaire",
    "Sent pricing options", "Recap of our meeting", "Introduced solution engineer",
)  # fmt: skip
BODIES = (
    "Walked through the current process; they lose about a day a week to manual updates.",
    "They want a phased rollout starting with the inbound team.",
    "Asked for references in their industry. Promised two by Friday.",
    "Main concern is data migration from the old system.",
    "Positive overall. Next step: a technical deep-dive with their IT lead.",
    "Timeline slipped a month because of a reorganisation on their side.",
    "Finance needs the numbers split per region before sign-off.",
    "",
    "",
)  # fmt: skip
LOCATIONS = ("Video call", "Their office", "Our office", "Phone bridge", "Café downtown")
TASKS = (
    "Send proposal to {name}", "Call back {name}", "Prepare demo for {name}",
    "Follow up with {name}", "Update forecast for {name}", "Book onsite with {name}",
    "Send contract draft to {name}", "Check references for {name}", "Email recap to {name}",
    "Plan next steps with {name}", "Review pricing for {name}", "Ask {name} for intro",
)  # fmt: skip
TASK_NOTES = (
    "Include the volume discount we discussed.",
    "They prefer mornings, Central time.",
    "Loop in the solution engineer.",
    "",
    "",
)  # fmt: skip


def _people() -> list[User]:
    sales = list(
        User.objects.active()
        .filter(groups__role__slug__in=SALES_ROLES)
        .distinct()
        .order_by("email")
    )
    return sales or list(User.objects.active().order_by("email")[:1])


def _everyone() -> list[User]:
    return (
        list(User.objects.active().filter(email__endswith="@keel.test").order_by("email"))
        or _people()
    )


def _kind_subject(rng: random.Random, allow_meeting: bool = True) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.4:
        return Activity.Kind.CALL, rng.choice(CALLS)
    if roll < 0.65:
        return Activity.Kind.EMAIL, rng.choice(EMAILS)
    if roll < 0.85 or not allow_meeting:
        return Activity.Kind.NOTE, rng.choice(NOTES)
    return Activity.Kind.MEETING, rng.choice(MEETINGS)


def _activity(
    rng: random.Random,
    *,
    owner: User,
    at: datetime,
    lead: Lead | None = None,
    contact: Contact | None = None,
    company_id: int | None = None,
    deal: Deal | None = None,
    kind: str | None = None,
    subject: str | None = None,
) -> Activity:
    if kind is None or subject is None:
        kind, subject = _kind_subject(rng)
    activity = Activity(
        kind=kind,
        subject=subject,
        body=rng.choice(BODIES),
        occurred_at=at,
        lead=lead,
        contact=contact,
        company_id=company_id,
        deal=deal,
        created_at=min(at, timezone.now()),
        updated_at=min(at, timezone.now()),
    )
    if kind == Activity.Kind.CALL:
        activity.direction = rng.choice(Activity.Direction.values)
        activity.outcome = rng.choices(Activity.Outcome.values, weights=(6, 2, 2, 1, 1))[0]
    if kind == Activity.Kind.MEETING:
        activity.ends_at = at + timedelta(minutes=rng.choice((30, 45, 60, 90)))
        activity.location = rng.choice(LOCATIONS)
    activity.assign_owner(owner)
    return activity


def _past(
    rng: random.Random,
    now: datetime,
    *,
    zone: Any,
    oldest: int = PAST_DAYS,
    newest: int = 0,
) -> datetime:
    """A working-hours moment (08:00-17:50 in ``zone``) between ``oldest`` and ``newest``
    days ago, never in the future."""
    day = now.astimezone(zone).date() - timedelta(days=rng.randint(newest, oldest))
    at = datetime.combine(
        day, time(rng.randint(8, 17), rng.choice((0, 10, 20, 30, 40, 50))), tzinfo=zone
    )
    return min(at, now - timedelta(minutes=30)).replace(second=0, microsecond=0)


def _activity_key(a: Activity) -> tuple[Any, ...]:
    return (a.kind, a.subject, a.lead_id, a.contact_id, a.company_id, a.deal_id)


def _rng(*key: object) -> random.Random:
    """A generator per record: each record's plan stays the same whatever else exists."""
    return random.Random("-".join(map(str, (SEED, *key))))  # noqa: S311 - demo data


def _plan_activities(people: list[User], now: datetime) -> list[Activity]:
    by_pk = {p.pk: p for p in people}

    def owner_of(record: Any) -> User:
        return by_pk.get(record.owner_id) or people[record.pk % len(people)]

    def zone_of(record: Any) -> Any:
        return user_zone(owner_of(record))

    def age(record: Any, longest: int = PAST_DAYS) -> int:
        """Days the record has existed, so its history starts after it did (records
        seeded a moment ago still get a past: the demo company has been around)."""
        days = (now - record.created_at).days
        return min(longest, days) if days >= 2 else longest

    planned: list[Activity] = []
    deals = list(Deal.objects.order_by("pk").prefetch_related("contacts")[:400])
    for deal in deals:
        rng = _rng("deal", deal.pk)
        contacts = list(deal.contacts.all())
        stale = deal.pk % 5 == 4  # some deals go quiet (and rot on the board)
        for _ in range(rng.randint(2, 5)):
            at = _past(
                rng,
                now,
                zone=zone_of(deal),
                oldest=age(deal),
                newest=min(25, age(deal)) if stale else 0,
            )
            contact = rng.choice(contacts) if contacts and rng.random() < 0.6 else None
            planned.append(
                _activity(
                    rng,
                    owner=owner_of(deal),
                    at=at,
                    deal=deal,
                    contact=contact,
                    company_id=deal.company_id,
                )
            )
    for company in Company.objects.order_by("pk")[:300]:
        rng = _rng("company", company.pk)
        for _ in range(rng.randint(0, 2)):
            planned.append(
                _activity(
                    rng,
                    owner=owner_of(company),
                    at=_past(rng, now, zone=zone_of(company), oldest=age(company)),
                    company_id=company.pk,
                )
            )
    for contact in Contact.objects.order_by("pk")[:400]:
        rng = _rng("contact", contact.pk)
        for _ in range(rng.randint(0, 2)):
            planned.append(
                _activity(
                    rng,
                    owner=owner_of(contact),
                    at=_past(rng, now, zone=zone_of(contact), oldest=age(contact)),
                    contact=contact,
                    company_id=contact.company_id,
                )
            )
    for lead in Lead.objects.exclude(status=Lead.Status.CONVERTED).order_by("pk")[:150]:
        rng = _rng("lead", lead.pk)
        for _ in range(rng.randint(0, 2)):
            kind, subject = _kind_subject(rng, allow_meeting=False)
            planned.append(
                _activity(
                    rng,
                    owner=owner_of(lead),
                    at=_past(rng, now, zone=zone_of(lead), oldest=age(lead, 30)),
                    lead=lead,
                    kind=kind,
                    subject=subject,
                )
            )
    planned.extend(_plan_meetings(people, now, deals))
    return planned


def _plan_meetings(people: list[User], now: datetime, deals: list[Deal]) -> list[Activity]:
    """Meetings on working days this week and next, in business hours of the owner's zone."""
    planned = []
    for person in people:
        rng = _rng("meetings", person.pk)
        zone = user_zone(person)
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        own = [d for d in deals if d.owner_id == person.pk] or deals
        for week in (0, 1):
            for n in range(4):
                day = monday + timedelta(days=7 * week + rng.randint(0, 4))
                at = datetime.combine(
                    day, time(rng.randint(9, 16), rng.choice((0, 30))), tzinfo=zone
                )
                deal = own[(n + 4 * week + person.pk) % len(own)] if own else None
                subject = MEETINGS[(n + 3 * week) % len(MEETINGS)]
                if deal is not None:
                    subject = f"{subject}: {deal.name}"
                planned.append(
                    _activity(
                        rng,
                        owner=person,
                        at=at,
                        deal=deal,
                        company_id=deal.company_id if deal else None,
                        kind=Activity.Kind.MEETING,
                        subject=subject,
                    )
                )
    return planned


def _plan_tasks(users: list[User], now: datetime) -> list[Task]:
    deals = list(
        Deal.objects.order_by("pk").values_list("pk", "name", "owner_id", "company_id")[:400]
    )
    contacts = list(Contact.objects.order_by("pk")[:200])
    planned: list[Task] = []
    for person in users:
        rng = _rng("tasks", person.pk)
        zone = user_zone(person)
        today = now.astimezone(zone).date()
        own_deals = [d for d in deals if d[2] == person.pk] or deals
        # (days from today, local time or None for all day, done days ago or None)
        shape: list[tuple[int | None, time | None, int | None]] = [
            (-rng.randint(1, 6), time(10, 0), None),
            (-rng.randint(1, 3), None, None),
            (-rng.randint(2, 9), time(16, 30), None),
            (0, time(17, 30), None),
            (0, time(rng.choice((11, 14, 17)), 0), None),
            (0, None, None),
            *[
                (rng.randint(1, 12), rng.choice((time(9, 30), time(13, 0), None)), None)
                for _ in range(5)
            ],
            (None, None, None),
            (None, None, None),
            *[(-rng.randint(1, 8), time(12, 0), rng.randint(0, 4)) for _ in range(4)],
        ]
        for n, (offset, at, done_ago) in enumerate(shape):
            task = Task(priority=rng.choices(Task.Priority.values, weights=(2, 6, 3, 1))[0])
            template = TASKS[(n + person.pk) % len(TASKS)]
            if own_deals and n % 3 != 2:
                deal_pk, deal_name, _, company_id = own_deals[(n * 7 + person.pk) % len(own_deals)]
                task.title, task.deal_id, task.company_id = (
                    template.format(name=deal_name),
                    deal_pk,
                    company_id,
                )
            elif contacts:
                contact = contacts[(n * 11 + person.pk) % len(contacts)]
                task.title, task.contact, task.company_id = (
                    template.format(name=contact.full_name),
                    contact,
                    contact.company_id,
                )
            else:
                task.title = template.format(name="the team")
            task.title = task.title[:200]
            task.notes = rng.choice(TASK_NOTES)
            if offset is not None:
                day: date = today + timedelta(days=offset)
                if at is None:
                    task.all_day = True
                    task.due_at = day_end(datetime.combine(day, time(12, 0), tzinfo=zone), zone)
                else:
                    task.due_at = datetime.combine(day, at, tzinfo=zone)
                if task.due_at < now:
                    task.due_notified_at = task.due_at  # history, not news for the beat job
            task.created_at = task.updated_at = now - timedelta(days=rng.randint(10, 20))
            if done_ago is not None:
                task.completed_at = now - timedelta(days=done_ago, hours=rng.randint(1, 5))
                task.completed_by = person
            task.created_by = person
            task.assign_owner(person)
            planned.append(task)
    return planned


def seed_activities() -> list[str]:
    people = _people()
    if not people:
        return ["Activities: no demo users yet, skipped."]
    now = timezone.now()
    with transaction.atomic():
        activities = _plan_activities(people, now)
        tasks = _plan_tasks(_everyone(), now)
        existing = set(
            Activity.objects.values_list(
                "kind", "subject", "lead_id", "contact_id", "company_id", "deal_id"
            )
        )
        new_activities = []
        for activity in activities:
            key = _activity_key(activity)
            if key not in existing:
                existing.add(key)
                new_activities.append(activity)
        Activity.objects.bulk_create(new_activities, batch_size=500)
        known_tasks: set[tuple[str, int | None]] = set(
            Task.objects.values_list("title", "owner_id")
        )
        new_tasks = []
        for task in tasks:
            key = (task.title, task.owner_id)
            if key not in known_tasks:
                known_tasks.add(key)
                new_tasks.append(task)
        Task.objects.bulk_create(new_tasks, batch_size=500)
        deal_ids = {a.deal_id for a in new_activities if a.deal_id}
        if deal_ids:
            latest = (
                Activity.objects.filter(deal_id=OuterRef("pk"), occurred_at__lte=now)
                .order_by("-occurred_at")
                .values("occurred_at")[:1]
            )
            Deal.objects.filter(pk__in=deal_ids).update(last_activity_at=Subquery(latest))
    return [f"Activities: {len(new_activities)} activities and {len(new_tasks)} tasks added."]
