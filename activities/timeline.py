"""A record's timeline: activities, tasks created and completed, deal stage changes and lead
conversions about a company, contact, lead or deal, newest first, one page at a time.

A page is read in two steps. First the keys: each source gives the ``(time, kind, id)`` of
its newest ``limit + 1`` rows before the cursor, from an index on (record, time); on
PostgreSQL the sources are one ``UNION ALL`` query. The keys are merged and cut to
``limit``. Then the rows: each table loads only its rows that made the page, by primary
key, with the few columns of people and related records an entry shows. A page therefore
costs the same handful of small queries however long the timeline is, and paging never
shows an entry twice or skips one.

Whoever may see the record sees its timeline. A company's timeline also holds what was logged
on its contacts and deals (services fill an activity's or task's company from its deal or
contact) and the stage changes of its deals the viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models
from django.db.models import CharField, Q, Value
from django.utils.text import Truncator

from accounts import policy
from activities.models import Activity, Task
from activities.selectors import (
    PERSON_COLUMNS,
    RECORD_COLUMNS,
    record_filter,
    record_type,
    with_columns,
)
from deals.models import Deal, Stage, StageChange
from leads.models import Lead

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_LIMIT = 100
EXCERPT_CHARS = 280

ACTIVITY_ICONS: dict[str, str] = {
    Activity.Kind.CALL: "phone",
    Activity.Kind.MEETING: "users",
    Activity.Kind.NOTE: "sticky-note",
    Activity.Kind.EMAIL: "mail",
}


class BadCursorError(ValueError):
    """The ``before`` cursor is not one this module wrote."""


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the timeline: entries strictly older than (at, kind, pk) come next."""

    at: datetime
    kind: str
    pk: int

    def encode(self) -> str:
        micros = (self.at - EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.kind}.{self.pk}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            micros, kind, pk = text.split(".")
            at = EPOCH + timedelta(microseconds=int(micros))
            if kind not in SOURCE_KINDS:
                raise ValueError(kind)
            return cls(at, kind, int(pk))
        except (ValueError, OverflowError) as error:
            raise BadCursorError(f"Not a timeline position: {text!r}") from error


@dataclass
class Link:
    label: str
    url: str | None  # None when the viewer may not open it
    icon: str


@dataclass
class Entry:
    kind: str  # the source: activity, conversion, stage, task_done, task_new
    pk: int
    at: datetime
    icon: str
    title: str
    verb: str  # "logged a call", "moved the deal", ... (after the actor's name)
    actor: Any = None
    url: str | None = None
    body: str = ""
    badges: list[tuple[str, str]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tone: str = ""  # css modifier: call, meeting, note, email, task, done, stage, won, lost
    ends_at: datetime | None = None
    location: str = ""
    who: str = ""  # instead of the actor's name (a web-form lead "came in")

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.kind, self.pk)

    @property
    def dom_id(self) -> str:
        return f"tl-{self.kind}-{self.pk}"


@dataclass
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None  # for "Load older"; None at the end


def _keyset(time_field: str, kind: str, cursor: Cursor | None) -> Q:
    """Rows of a source whose own kind is ``kind`` that come after ``cursor``."""
    if cursor is None:
        return Q()
    if kind < cursor.kind:
        return Q(**{f"{time_field}__lte": cursor.at})
    if kind > cursor.kind:
        return Q(**{f"{time_field}__lt": cursor.at})
    return Q(**{f"{time_field}__lt": cursor.at}) | Q(**{time_field: cursor.at, "pk__lt": cursor.pk})


def _keys(queryset: models.QuerySet[Any], time_field: str, kind: str, ctx: _Context) -> Any:
    """The ``(time, kind, pk)`` of a source's next ``limit + 1`` rows, newest first."""
    return (
        queryset.filter(_keyset(time_field, kind, ctx.cursor))
        .order_by(f"-{time_field}", "-pk")
        .values_list(time_field, Value(kind, output_field=CharField()), "pk")[: ctx.limit + 1]
    )


LINKED = ("deal", "contact", "lead")  # what an activity or task entry links to


def _rows(model: type[models.Model], pks: set[int], joins: dict[str, tuple[str, ...]]) -> Any:
    """The rows ``pks`` of ``model`` by primary key, with the few joined columns entries show."""
    return {row.pk: row for row in with_columns(model._default_manager.filter(pk__in=pks), joins)}


@dataclass
class _Context:
    record: models.Model
    record_kind: str
    user: Any
    cursor: Cursor | None
    limit: int

    def links(self, obj: Any, *, names: tuple[str, ...] = LINKED) -> list[Link]:
        """Links to the other records an entry is about (not the page's own record)."""
        found = []
        for name in names:
            related_id = getattr(obj, f"{name}_id", None)
            if related_id is None or (name == self.record_kind and related_id == self.record.pk):
                continue
            related = getattr(obj, name)
            url = related.get_absolute_url() if policy.can_view(self.user, related) else None
            found.append(Link(str(related), url, RELATED_ICONS[name]))
        return found

    def joins(self, *names: str) -> dict[str, tuple[str, ...]]:
        """The related records to load with a row, leaving out the page's own record."""
        return {name: RECORD_COLUMNS[name] for name in names if name != self.record_kind}


RELATED_ICONS = {"deal": "handshake", "contact": "contact", "lead": "target", "company": "building"}


# ---------------------------------------------------------------- sources


ACTIVITY_VERBS: dict[str, str] = {
    Activity.Kind.CALL: "logged a call",
    Activity.Kind.MEETING: "logged a meeting",
    Activity.Kind.NOTE: "added a note",
    Activity.Kind.EMAIL: "logged an email",
}


def _activity_entry(activity: Activity, ctx: _Context) -> Entry:
    badges = []
    if activity.direction:
        badges.append((activity.get_direction_display(), "plain"))
    if activity.outcome:
        tone = "ok" if activity.outcome == Activity.Outcome.CONNECTED else "pending"
        badges.append((activity.get_outcome_display(), tone))
    return Entry(
        kind="activity",
        pk=activity.pk,
        at=activity.occurred_at,
        icon=ACTIVITY_ICONS.get(activity.kind, "sticky-note"),
        title=activity.subject,
        verb=ACTIVITY_VERBS.get(activity.kind, "logged an activity"),
        actor=activity.owner,
        url=activity.get_absolute_url(),
        body=Truncator(activity.body).chars(EXCERPT_CHARS),
        badges=badges,
        links=ctx.links(activity),
        tone=activity.kind,
        ends_at=activity.ends_at,
        location=activity.location,
    )


def activity_entry(activity: Activity, *, record: models.Model, user: Any) -> Entry:
    """The timeline entry of one activity, as it shows on ``record``'s page."""
    return _activity_entry(activity, _Context(record, record_type(record), user, None, 1))


def _activity_keys(ctx: _Context) -> Any:
    return _keys(Activity.objects.filter(record_filter(ctx.record)), "occurred_at", "activity", ctx)


def _activity_rows(ctx: _Context, pks: set[int]) -> dict[int, Any]:
    return _rows(Activity, pks, {"owner": PERSON_COLUMNS, **ctx.joins(*LINKED)})


def _task_new_keys(ctx: _Context) -> Any:
    return _keys(Task.objects.filter(record_filter(ctx.record)), "created_at", "task_new", ctx)


def _task_done_keys(ctx: _Context) -> Any:
    tasks = Task.objects.filter(record_filter(ctx.record), completed_at__isnull=False)
    return _keys(tasks, "completed_at", "task_done", ctx)


def _task_rows(ctx: _Context, pks: set[int]) -> dict[int, Any]:
    people = dict.fromkeys(("owner", "created_by", "completed_by"), PERSON_COLUMNS)
    return _rows(Task, pks, {**people, **ctx.joins(*LINKED)})


def _task_new_entry(task: Task, ctx: _Context) -> Entry:
    badges = (
        [(task.get_priority_display(), "plain")] if task.priority != Task.Priority.NORMAL else []
    )
    verb = "created a task"
    if task.owner_id and task.owner_id != task.created_by_id:
        verb = f"created a task for {task.owner}"
    return Entry(
        kind="task_new",
        pk=task.pk,
        at=task.created_at,
        icon="list-todo",
        title=task.title,
        verb=verb,
        actor=task.created_by or task.owner,
        url=task.get_absolute_url(),
        body=Truncator(task.notes).chars(EXCERPT_CHARS),
        badges=badges,
        links=ctx.links(task),
        tone="task",
        ends_at=task.due_at,  # shown as "due ..."
    )


def _task_done_entry(task: Task, ctx: _Context) -> Entry:
    return Entry(
        kind="task_done",
        pk=task.pk,
        at=task.completed_at,  # type: ignore[arg-type]
        icon="circle-check",
        title=task.title,
        verb="completed a task",
        actor=task.completed_by,
        url=task.get_absolute_url(),
        links=ctx.links(task),
        tone="done",
    )


def _stage_keys(ctx: _Context) -> Any:
    record = ctx.record
    if ctx.record_kind == "deal":
        queryset = StageChange.objects.filter(deal_id=record.pk)
    elif ctx.record_kind == "company":
        deals = policy.visible(Deal.objects.filter(company_id=record.pk), ctx.user)
        queryset = StageChange.objects.filter(deal_id__in=deals.values("pk"))
    elif ctx.record_kind == "contact":
        deals = policy.visible(Deal.objects.filter(contacts=record.pk), ctx.user)
        queryset = StageChange.objects.filter(deal_id__in=deals.values("pk"))
    else:
        return []
    return _keys(queryset, "changed_at", "stage", ctx)


STAGE_COLUMNS = ("name", "is_won", "is_lost")


def _stage_rows(ctx: _Context, pks: set[int]) -> dict[int, Any]:
    joins = {"from_stage": STAGE_COLUMNS, "to_stage": STAGE_COLUMNS}
    joins |= {"changed_by": PERSON_COLUMNS, **ctx.joins("deal")}
    return _rows(StageChange, pks, joins)


def _stage_entry(change: StageChange, ctx: _Context) -> Entry:
    on_deal_page = ctx.record_kind == "deal"
    deal = ctx.record if on_deal_page else change.deal
    to_stage: Stage | None = change.to_stage
    # Names as they were when it happened (a stage may have been renamed or deleted).
    to_name = change.to_stage_name or (str(to_stage) if to_stage else "a removed stage")
    from_name = change.from_stage_name or (str(change.from_stage) if change.from_stage else "")
    first = change.from_stage_id is None and not change.from_stage_name
    if first:
        title, verb, icon, tone = f"Created in {to_name}", "created the deal", "handshake", "stage"
    elif to_stage is not None and to_stage.is_won:
        title, verb, icon, tone = f"Won ({from_name} → {to_name})", "won the deal", "trophy", "won"
    elif to_stage is not None and to_stage.is_lost:
        title, verb, icon, tone = (
            f"Lost ({from_name} → {to_name})",
            "lost the deal",
            "circle-x",
            "lost",
        )
    else:
        title = f"{from_name} → {to_name}"
        verb, icon, tone = "moved the deal", "arrow-right", "stage"
    badges = []
    if change.days_in_previous is not None and not first:
        days = change.days_in_previous
        badges.append((f"{days} day{'s' if days != 1 else ''} in {from_name}", "plain"))
    return Entry(
        kind="stage",
        pk=change.pk,
        at=change.changed_at,
        icon=icon,
        title=title,
        verb=verb,
        actor=change.changed_by,
        url=None if on_deal_page else deal.get_absolute_url(),
        badges=badges,
        links=[] if on_deal_page else [Link(str(deal), deal.get_absolute_url(), "handshake")],
        tone=tone,
    )


def _conversion_entry(lead: Lead, ctx: _Context, *, on_lead_page: bool) -> Entry:
    links = []
    for name in ("contact", "company", "deal"):
        if on_lead_page or ctx.record_kind != name:
            related = getattr(lead, f"converted_{name}")
            if related is not None:
                url = related.get_absolute_url() if policy.can_view(ctx.user, related) else None
                links.append(Link(str(related), url, RELATED_ICONS[name]))
    if not on_lead_page:
        url = lead.get_absolute_url() if policy.can_view(ctx.user, lead) else None
        links.insert(0, Link(str(lead), url, "target"))
    return Entry(
        kind="conversion",
        pk=lead.pk,
        at=lead.converted_at,  # type: ignore[arg-type]
        icon="git-merge",
        title="Lead converted" if on_lead_page else f"Converted from the lead {lead}",
        verb="converted the lead",
        actor=lead.converted_by,
        links=links,
        tone="won",
    )


def _conversion_keys(ctx: _Context) -> Any:
    record = ctx.record
    if ctx.record_kind == "lead":
        lead: Lead = record  # type: ignore[assignment]
        if lead.converted_at is None:
            return []
        return [_conversion_entry(lead, ctx, on_lead_page=True)]
    leads = Lead.objects.filter(
        **{f"converted_{ctx.record_kind}_id": record.pk}, converted_at__isnull=False
    )
    return _keys(leads, "converted_at", "conversion", ctx)


def _conversion_rows(ctx: _Context, pks: set[int]) -> dict[int, Any]:
    joins = {
        f"converted_{name}": RECORD_COLUMNS[name]
        for name in ("contact", "company", "deal")
        if name != ctx.record_kind
    }
    return _rows(Lead, pks, {"converted_by": PERSON_COLUMNS, **joins})


CREATED_VERBS = {
    "company": "added the company",
    "contact": "added the contact",
    "lead": "created the lead",
}


def _created(ctx: _Context) -> list[Entry]:
    """Where a company's, contact's or lead's timeline starts (a deal's first stage change
    says when it was created). Read from the record itself: no query."""
    record = ctx.record
    verb = CREATED_VERBS.get(ctx.record_kind)
    at = getattr(record, "created_at", None)
    if verb is None or at is None:
        return []
    entry = Entry(
        kind="created",
        pk=record.pk,
        at=at,
        icon="sparkles",
        title=f"{record} was added" if ctx.record_kind != "lead" else f"Lead {record} created",
        verb=verb,
        actor=getattr(record, "created_by", None),
        tone="created",
    )
    if ctx.record_kind == "lead" and getattr(record, "web_form_id", None):
        entry.who, entry.verb = str(record), "came in through a web form"
        entry.title = str(record.web_form)  # type: ignore[attr-defined]
    return [entry]


@dataclass(frozen=True)
class _Source:
    """A kind of entry. ``keys`` gives a query of ``(time, kind, pk)`` (see :func:`_keys`) or
    entries already built from the record itself; ``rows`` names the loader of the rows that
    made the page (sources sharing a table share it) and ``entry`` turns a row into an entry."""

    keys: Callable[[_Context], Any]
    rows: str = ""
    entry: Callable[[Any, _Context], Entry] | None = None


ROW_LOADERS: dict[str, Callable[[_Context, set[int]], dict[int, Any]]] = {
    "activity": _activity_rows,
    "task": _task_rows,
    "stage": _stage_rows,
    "lead": _conversion_rows,
}
SOURCES: dict[str, _Source] = {
    "activity": _Source(_activity_keys, "activity", _activity_entry),
    "conversion": _Source(
        _conversion_keys,
        "lead",
        lambda lead, ctx: _conversion_entry(lead, ctx, on_lead_page=False),
    ),
    "created": _Source(_created),
    "stage": _Source(_stage_keys, "stage", _stage_entry),
    "task_done": _Source(_task_done_keys, "task", _task_done_entry),
    "task_new": _Source(_task_new_keys, "task", _task_new_entry),
}
SOURCE_KINDS = frozenset(SOURCES)


def _page_keys(ctx: _Context) -> tuple[list[Cursor], dict[Cursor, Entry]]:
    """Every source's next keys, newest first, and the entries built without a query."""
    queries, built = [], {}
    for source in SOURCES.values():
        keys = source.keys(ctx)
        if isinstance(keys, list):
            built.update({entry.cursor: entry for entry in keys})
        else:
            queries.append(keys)
    rows: list[tuple[datetime, str, int]] = []
    if len(queries) > 1 and connection.features.supports_slicing_ordering_in_compound:
        rows = list(queries[0].union(*queries[1:], all=True))
    else:  # SQLite cannot order and limit each part of a UNION: one query per source
        for query in queries:
            rows.extend(query)
    cursors = [Cursor(at, kind, pk) for at, kind, pk in rows] + list(built)
    if ctx.cursor is not None:
        cursors = [c for c in cursors if c < ctx.cursor]
    return sorted(cursors, reverse=True), built


def timeline_for(
    *, record: models.Model, user: Any, before: Cursor | str | None = None, limit: int = 20
) -> TimelinePage:
    """One page of ``record``'s timeline, newest first, older than ``before``.

    The caller has checked that ``user`` may see ``record``. Raises :class:`BadCursorError` for a
    ``before`` that is not a cursor this module wrote.
    """
    cursor = Cursor.decode(before) if isinstance(before, str) else before
    limit = max(1, min(limit, MAX_LIMIT))
    ctx = _Context(record, record_type(record), user, cursor, limit)
    cursors, built = _page_keys(ctx)
    page, more = cursors[:limit], len(cursors) > limit
    wanted: dict[str, set[int]] = {}
    for key in page:
        if key not in built:
            wanted.setdefault(SOURCES[key.kind].rows, set()).add(key.pk)
    loaded = {name: ROW_LOADERS[name](ctx, pks) for name, pks in wanted.items()}
    entries = []
    for key in page:
        if key in built:
            entries.append(built[key])
            continue
        source = SOURCES[key.kind]
        row = loaded[source.rows].get(key.pk)
        if row is not None and source.entry is not None:  # None: deleted since the keys
            entries.append(source.entry(row, ctx))
    return TimelinePage(entries, page[-1].encode() if more and page else None)
