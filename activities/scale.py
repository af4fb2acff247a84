"""Activities and tasks of the scale dataset (``seed_demo --scale N``): at N=1, 1,000,000
activities (calls, emails, notes, meetings) and 100,000 tasks, on real leads, contacts,
companies and deals, each in its record's lifetime and owned by the record's owner.

A few records owned by the bench rep (rep@keel.test) get a long history: 200 to 300
activities and a dozen tasks each (one contact and one deal below N=0.1, three of each
above), so the record pages' timelines are measured on a full page of entries; their URLs
are printed at the end. Tasks past due are marked as already notified, and past reminders
as sent, so the beat sweepers do not publish years of ``task.due`` events after a seed.
Finally each deal's ``last_activity_at`` is set from its newest activity.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.urls import NoReverseMatch, reverse

from accounts.scale import People
from activities.models import Activity, Task
from contacts.scale import Book, weighted
from crm import demo as registry
from deals.models import Deal
from deals.scale import DealBook
from leads.scale import LeadBook

ACTIVITIES = 1_000_000
TASKS = 100_000
FEATURED_ACTIVITIES = (200, 300)
FEATURED_TASKS = 12
DAY = 86_400.0
LEAD, CONTACT, COMPANY, DEAL = 0, 1, 2, 3
TARGETS = ((LEAD, 40), (CONTACT, 25), (DEAL, 30), (COMPANY, 5))
TASK_TARGETS = ((LEAD, 35), (CONTACT, 20), (DEAL, 40), (COMPANY, 5))

KINDS = (
    (Activity.Kind.CALL, 40), (Activity.Kind.EMAIL, 30), (Activity.Kind.NOTE, 18),
    (Activity.Kind.MEETING, 12),
)  # fmt: skip
SUBJECTS = {
    Activity.Kind.CALL: (
        "Intro call", "Discovery call", "Follow-up call", "Pricing call", "Check-in call",
        "Call about the proposal", "Reference call",
    ),
    Activity.Kind.EMAIL: (
        "Sent the pricing sheet", "Re: proposal", "Case studies as promised",
        "Meeting recap", "Re: security questionnaire", "Contract draft", "Quick question",
    ),
    Activity.Kind.NOTE: (
        "Budget confirmed", "Decision moved to next quarter", "New stakeholder joined",
        "Competitor in the running", "Prefers email to calls", "Legal review started",
    ),
    Activity.Kind.MEETING: (
        "Product demo", "Kick-off meeting", "Quarterly business review", "On-site workshop",
        "Negotiation meeting", "Technical deep dive",
    ),
}  # fmt: skip
BODIES = (
    "",
    "",
    "Walked through the reporting module; they want to see the API next.",
    "They run a tender in the spring; we are on the shortlist.",
    "Asked for a two-year price and a pilot for one team.",
    "Sent a summary with the next steps and the timeline.",
)
OUTCOMES = (
    (Activity.Outcome.CONNECTED, 55), (Activity.Outcome.LEFT_VOICEMAIL, 25),
    (Activity.Outcome.NO_ANSWER, 15), (Activity.Outcome.BUSY, 4),
    (Activity.Outcome.WRONG_NUMBER, 1),
)  # fmt: skip
LOCATIONS = ("Video call", "Video call", "Their office", "Our office", "Conference venue")
TASK_TITLES = (
    "Call back", "Send the proposal", "Follow up on the quote", "Prepare the demo",
    "Check in after the trial", "Send the contract", "Book the kick-off",
    "Ask for a referral", "Update the forecast", "Confirm the budget",
)  # fmt: skip
PRIORITIES = (
    (Task.Priority.LOW, 20), (Task.Priority.NORMAL, 55), (Task.Priority.HIGH, 20),
    (Task.Priority.URGENT, 5),
)  # fmt: skip


class _Records:
    """The records activities and tasks can concern: ids, owners, lifetimes."""

    def __init__(self, book: Book, deals: DealBook, leads: LeadBook, now: float) -> None:
        self.book, self.deals, self.leads, self.now = book, deals, leads, now
        self.sizes = {
            LEAD: len(leads.created),
            CONTACT: len(book.contact_created),
            COMPANY: len(book.company_created),
            DEAL: len(deals.created),
        }

    def lifetime(self, kind: int, i: int) -> tuple[float, float]:
        if kind == LEAD:
            return self.leads.created[i], self.leads.ended[i]
        if kind == CONTACT:
            return self.book.contact_created[i], self.now
        if kind == COMPANY:
            return self.book.company_created[i], self.now
        return self.deals.created[i], self.deals.ended[i]

    def owner(self, kind: int, i: int) -> int:
        if kind == LEAD:
            return self.leads.owner[i]
        if kind == CONTACT:
            return self.book.contact_owner[i]
        if kind == COMPANY:
            return self.book.company_owner[i]
        return self.deals.owner[i]

    def links(self, kind: int, i: int) -> tuple[int | None, int | None, int | None, int | None]:
        """(lead, contact, company, deal) ids: a contact's or deal's company comes along."""
        book, deals = self.book, self.deals
        if kind == LEAD:
            return self.leads.first + i, None, None, None
        if kind == CONTACT:
            company = book.contact_company[i]
            return (
                None,
                book.first_contact + i,
                book.first_company + company if company >= 0 else None,
                None,
            )
        if kind == COMPANY:
            return None, None, book.first_company + i, None
        company = deals.company[i]
        return (
            None,
            None,
            book.first_company + company if company >= 0 else None,
            deals.first + i,
        )


def seed_activities(run: registry.ScaleRun) -> list[str]:
    people: People = run.shared["accounts"]
    book: Book = run.shared["contacts"]
    deals: DealBook = run.shared["deals"]
    records = _Records(book, deals, run.shared["leads"], run.now.timestamp())
    featured = [(CONTACT, i) for i in book.featured_contacts] + [(DEAL, i) for i in deals.featured]
    activities = run.count(ACTIVITIES)
    with run.step(f"activities: {activities:,}"):
        _load_activities(run, people, records, featured, activities)
    tasks = run.count(TASKS)
    with run.step(f"tasks: {tasks:,}"):
        _load_tasks(run, people, records, featured, tasks)
    with run.step("deals: last activity dates"):
        _last_activity(run, deals, len(deals.created))
    lines = ["Record pages with a long timeline (as rep@keel.test):"]
    for kind, i in featured:
        if kind == CONTACT:
            lines.append(f"  contact {_url('contacts:contact-detail', book.first_contact + i)}")
        else:
            lines.append(f"  deal    {_url('deals:deal-detail', deals.first + i)}")
    return lines


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the page is not there yet: the path it will have
        return f"/{name.split(':', maxsplit=1)[0]}/{pk}/"


def _plan(
    run: registry.ScaleRun,
    *,
    records: _Records,
    featured: list[tuple[int, int]],
    n: int,
    targets: tuple[tuple[int, int], ...],
    per_featured: tuple[int, int],
    name: str,
) -> tuple[array, array, array]:
    """(time, record kind, record index) of ``n`` rows, in time order."""
    rng = run.rng(name)
    kinds, records_of, times = array("b"), array("i"), array("d")
    budget = n * 6 // 10  # featured records take at most 60% of the rows (small scales)
    for kind, i in featured:
        many = min(rng.randint(*per_featured), budget // max(1, len(featured)))
        start, end = records.lifetime(kind, i)
        for _ in range(many):
            kinds.append(kind)
            records_of.append(i)
            times.append(start + (end - start) * rng.random() ** 0.5)
    values, cumulative = weighted(targets)
    drawn = rng.choices(values, cum_weights=cumulative, k=n - len(kinds))
    for kind in drawn:
        i = rng.randrange(records.sizes[kind])
        start, end = records.lifetime(kind, i)
        kinds.append(kind)
        records_of.append(i)
        times.append(start + (end - start) * rng.random())
    order = sorted(range(n), key=times.__getitem__)
    return (
        array("d", (times[k] for k in order)),
        array("b", (kinds[k] for k in order)),
        array("i", (records_of[k] for k in order)),
    )


def _owner_of(records: _Records, people: People, kind: int, i: int, rng: Any) -> Any:
    owner = records.owner(kind, i)
    if owner:
        return owner
    return rng.choice(people.sellers).id  # an unassigned lead: whoever called it


def _load_activities(
    run: registry.ScaleRun,
    people: People,
    records: _Records,
    featured: list[tuple[int, int]],
    n: int,
) -> None:
    times, kinds, indexes = _plan(
        run,
        records=records,
        featured=featured,
        n=n,
        targets=TARGETS,
        per_featured=FEATURED_ACTIVITIES,
        name="activities",
    )
    rng = run.rng("activity rows")
    team = {p.id: p.team_id for p in people.everyone}
    values, cumulative = weighted(KINDS)
    outcomes, outcome_weights = weighted(OUTCOMES)
    now = records.now

    def rows() -> Iterator[tuple[Any, ...]]:
        for k in range(n):
            kind, i = kinds[k], indexes[k]
            owner = _owner_of(records, people, kind, i, rng)
            activity = rng.choices(values, cum_weights=cumulative)[0]
            at = times[k]
            meeting = activity == Activity.Kind.MEETING
            if meeting and at > now - 14 * DAY and rng.random() < 0.3:
                at = now + rng.uniform(0.1, 21) * DAY  # booked for the coming weeks
            occurred = run.when(at)
            lead, contact, company, deal = records.links(kind, i)
            yield (
                activity,
                rng.choice(SUBJECTS[activity]),
                rng.choice(BODIES),
                occurred,
                occurred + timedelta(minutes=rng.choice((30, 45, 60, 90))) if meeting else None,
                rng.choice(("outbound", "outbound", "inbound"))
                if activity in (Activity.Kind.CALL, Activity.Kind.EMAIL)
                else "",
                rng.choices(outcomes, cum_weights=outcome_weights)[0]
                if activity == Activity.Kind.CALL
                else "",
                rng.choice(LOCATIONS) if meeting else "",
                lead,
                contact,
                company,
                deal,
                owner,
                team.get(owner),
                min(occurred, run.now),
                min(occurred, run.now),
            )

    columns = [
        "kind", "subject", "body", "occurred_at", "ends_at", "direction", "outcome", "location",
        "lead_id", "contact_id", "company_id", "deal_id", "owner_id", "team_id", "created_at",
        "updated_at",
    ]  # fmt: skip
    run.insert(Activity, columns, rows(), expected=n)


def _load_tasks(
    run: registry.ScaleRun,
    people: People,
    records: _Records,
    featured: list[tuple[int, int]],
    n: int,
) -> None:
    times, kinds, indexes = _plan(
        run,
        records=records,
        featured=featured,
        n=n,
        targets=TASK_TARGETS,
        per_featured=(FEATURED_TASKS, FEATURED_TASKS),
        name="tasks",
    )
    rng = run.rng("task rows")
    team = {p.id: p.team_id for p in people.everyone}
    priorities, priority_weights = weighted(PRIORITIES)
    now = records.now

    def rows() -> Iterator[tuple[Any, ...]]:
        for k in range(n):
            kind, i = kinds[k], indexes[k]
            owner = _owner_of(records, people, kind, i, rng)
            created = times[k]
            due = created + rng.uniform(0.2, 14) * DAY
            all_day = rng.random() < 0.2
            if all_day:
                due -= due % DAY  # midnight UTC: the day counts, not the time
            done = rng.random() < (0.88 if due < now else 0.05)
            finished = min(due + rng.uniform(-2, 3) * DAY, now) if done else None
            finished = max(finished, created) if finished else None
            remind = due - 3_600 if rng.random() < 0.3 and not all_day else None
            lead, contact, company, deal = records.links(kind, i)
            yield (
                rng.choice(TASK_TITLES),
                "",
                run.when(due),
                all_day,
                rng.choices(priorities, cum_weights=priority_weights)[0],
                run.when(remind) if remind else None,
                run.when(remind) if remind and remind < now else None,
                run.when(due) if due < now else None,
                run.when(finished) if finished else None,
                owner if finished else None,
                owner,
                lead,
                contact,
                company,
                deal,
                owner,
                team.get(owner),
                run.when(created),
                run.when(finished or created),
            )

    columns = [
        "title", "notes", "due_at", "all_day", "priority", "reminder_at", "reminder_sent_at",
        "due_notified_at", "completed_at", "completed_by_id", "created_by_id", "lead_id",
        "contact_id", "company_id", "deal_id", "owner_id", "team_id", "created_at", "updated_at",
    ]  # fmt: skip
    run.insert(Task, columns, rows(), expected=n)


def _last_activity(run: registry.ScaleRun, deals: DealBook, n: int) -> None:
    """Each seeded deal's ``last_activity_at``: its newest activity that has happened."""
    deal = Deal._meta.db_table
    activity = Activity._meta.db_table
    first, last = deals.first, deals.first + n - 1
    if run.postgres:
        run.sql(
            f"""
            UPDATE {deal} AS d SET last_activity_at = a.newest
            FROM (SELECT deal_id, max(occurred_at) AS newest FROM {activity}
                  WHERE deal_id BETWEEN %s AND %s AND occurred_at <= %s GROUP BY deal_id) AS a
            WHERE d.id = a.deal_id
            """,  # noqa: S608 - table names from the models, values as parameters
            [first, last, run.now],
        )
    else:
        run.sql(
            f"""
            UPDATE {deal} SET last_activity_at = (
                SELECT max(occurred_at) FROM {activity}
                WHERE deal_id = {deal}.id AND occurred_at <= %s)
            WHERE id BETWEEN %s AND %s
            """,  # noqa: S608 - table names from the models, values as parameters
            [run.now, first, last],
        )


registry.register_scale(seed_activities, order=50)
