"""The record timeline: merged order, keyset pages, company aggregation, constant queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from activities import services
from activities.models import Activity, Task
from activities.timeline import SOURCES, BadCursorError, Cursor, timeline_for
from crm import records
from deals.models import StageChange
from leads.models import Lead
from tests.activities.factories import ActivityFactory, TaskFactory
from tests.contacts.factories import CompanyFactory, ContactFactory
from tests.deals.factories import DealFactory, PipelineFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def keys(page):
    return [(e.kind, e.pk) for e in page.entries]


def all_entries(record, user, limit):
    """Walk every page; return the entries in order and the number of pages."""
    seen, cursor, pages = [], None, 0
    while True:
        page = timeline_for(record=record, user=user, before=cursor, limit=limit)
        pages += 1
        seen.extend(page.entries)
        if page.next_cursor is None:
            return seen, pages
        cursor = page.next_cursor


def test_entries_of_every_kind_are_merged_newest_first(rep):
    pipeline = PipelineFactory(name="Merge")
    stages = list(pipeline.stages.order_by("position"))
    company = CompanyFactory(owner=rep, created_at=at(0))
    deal = DealFactory(owner=rep, company=company, pipeline=pipeline, stage=stages[1])
    first = StageChange.objects.create(
        deal=deal, to_stage=stages[0], changed_at=at(10), changed_by=rep
    )
    moved = StageChange.objects.create(
        deal=deal, from_stage=stages[0], to_stage=stages[1], changed_at=at(40), days_in_previous=0
    )
    call = ActivityFactory(
        owner=rep, company=company, deal=deal, occurred_at=at(20), body="Long " * 100
    )
    task = TaskFactory(
        owner=rep, company=company, created_at=at(30), completed_at=at(50), completed_by=rep
    )
    lead = LeadFactory(
        owner=rep,
        status=Lead.Status.CONVERTED,
        converted_at=at(5),
        converted_company=company,
        converted_by=rep,
    )
    page = timeline_for(record=company, user=rep)
    assert keys(page) == [
        ("task_done", task.pk),
        ("stage", moved.pk),
        ("task_new", task.pk),
        ("activity", call.pk),
        ("stage", first.pk),
        ("conversion", lead.pk),
        ("created", company.pk),
    ]
    assert page.next_cursor is None
    by_kind = {e.kind: e for e in page.entries}
    assert by_kind["activity"].url == call.get_absolute_url()
    assert len(by_kind["activity"].body) <= 280
    assert [link.label for link in by_kind["activity"].links] == [deal.name]
    assert page.entries[1].title == f"{stages[0].name} → {stages[1].name}"
    assert by_kind["stage"].title == f"Created in {stages[0].name}"
    assert by_kind["conversion"].links[0].url == lead.get_absolute_url()
    assert by_kind["task_done"].actor == rep


def test_keyset_pages_have_no_duplicates_or_gaps_even_with_equal_times(rep):
    deal = DealFactory(owner=rep)
    for n in range(18):
        # Pairs of entries share a moment; kinds tie-break, then ids.
        ActivityFactory(owner=rep, deal=deal, occurred_at=at(n // 2))
    for n in range(9):
        TaskFactory(owner=rep, deal=deal, created_at=at(n), completed_at=at(n) if n % 2 else None)
    for n in range(5):
        StageChange.objects.create(deal=deal, to_stage=deal.stage, changed_at=at(n))
    everything = timeline_for(record=deal, user=rep, limit=100).entries
    assert len(everything) == 18 + 9 + 4 + 5
    for limit in (1, 4, 7, 10):
        walked, pages = all_entries(deal, rep, limit)
        assert [(e.kind, e.pk) for e in walked] == [(e.kind, e.pk) for e in everything]
        assert pages == -(-len(everything) // limit)
    cursors = [e.cursor for e in everything]
    assert cursors == sorted(cursors, reverse=True)


def test_a_company_timeline_gathers_its_contacts_and_deals(rep, other_rep, manager):
    company = CompanyFactory(owner=rep)
    contact = ContactFactory(owner=rep, company=company)
    deal = DealFactory(owner=rep, company=company)
    hidden_deal = DealFactory(owner=other_rep, company=company)
    on_contact = services.activity_log(
        actor=rep, kind="note", subject="On contact", contact=contact
    )
    on_deal = services.activity_log(actor=rep, kind="call", subject="On deal", deal=deal)
    task = services.task_create(actor=rep, title="On deal", deal=deal)
    StageChange.objects.create(deal=deal, to_stage=deal.stage)
    StageChange.objects.create(deal=hidden_deal, to_stage=hidden_deal.stage)
    elsewhere = ActivityFactory(owner=rep)  # about nothing of this company
    got = {(e.kind, e.pk) for e in timeline_for(record=company, user=rep).entries}
    assert {("activity", on_contact.pk), ("activity", on_deal.pk), ("task_new", task.pk)} <= got
    assert ("activity", elsewhere.pk) not in got
    stage_deals = {
        e.links[0].label
        for e in timeline_for(record=company, user=rep).entries
        if e.kind == "stage"
    }
    assert stage_deals == {deal.name}  # the other rep's deal is not the rep's to see
    contact_page = {(e.kind, e.pk) for e in timeline_for(record=contact, user=rep).entries}
    assert ("activity", on_contact.pk) in contact_page
    assert (
        "activity",
        on_deal.pk,
    ) not in contact_page


def test_a_contact_timeline_shows_the_stage_changes_of_its_deals(rep):
    contact = ContactFactory(owner=rep)
    deal = DealFactory(owner=rep)
    deal.contacts.add(contact)
    change = StageChange.objects.create(deal=deal, to_stage=deal.stage)
    entries = timeline_for(record=contact, user=rep).entries
    assert ("stage", change.pk) in [(e.kind, e.pk) for e in entries]


def test_a_lead_timeline_ends_in_its_conversion(rep):
    contact = ContactFactory(owner=rep)
    lead = LeadFactory(owner=rep, created_at=at(0))
    ActivityFactory(owner=rep, lead=lead, occurred_at=at(1))
    Lead.objects.filter(pk=lead.pk).update(
        status=Lead.Status.CONVERTED,
        converted_at=at(2),
        converted_contact=contact,
        converted_by=rep,
    )
    lead.refresh_from_db()
    entries = timeline_for(record=lead, user=rep).entries
    assert entries[0].kind == "conversion"
    assert entries[0].title == "Lead converted"
    assert [link.label for link in entries[0].links] == [str(contact)]
    # The conversion is not repeated on later pages.
    second = timeline_for(record=lead, user=rep, before=entries[0].cursor, limit=5).entries
    assert [e.kind for e in second] == ["activity", "created"][: len(second)]


def test_links_to_records_the_viewer_may_not_open_are_plain_text(rep, other_rep):
    company = CompanyFactory(owner=rep)
    theirs = DealFactory(owner=other_rep, company=company)
    activity = ActivityFactory(owner=other_rep, company=company, deal=theirs)
    entry = next(e for e in timeline_for(record=company, user=rep).entries if e.pk == activity.pk)
    assert entry.links[0].label == theirs.name
    assert entry.links[0].url is None


def test_a_bad_cursor_is_refused(rep):
    company = CompanyFactory(owner=rep)
    for text in ("nonsense", "1.spam.2", "x.activity.1", "1.activity"):
        with pytest.raises(BadCursorError):
            timeline_for(record=company, user=rep, before=text)
    cursor = Cursor(at(3), "activity", 12)
    assert Cursor.decode(cursor.encode()) == cursor


def _fill(deal, rep, n):
    Activity.objects.bulk_create(
        Activity(
            kind="call",
            subject=f"c{i}",
            deal=deal,
            company=deal.company,
            owner=rep,
            occurred_at=at(i),
        )
        for i in range(n)
    )
    Task.objects.bulk_create(
        Task(
            title=f"t{i}",
            deal=deal,
            owner=rep,
            created_at=at(i),
            completed_at=at(i + 1),
            completed_by=rep,
        )
        for i in range(n)
    )
    StageChange.objects.bulk_create(
        StageChange(deal=deal, to_stage=deal.stage, changed_at=at(i), changed_by=rep)
        for i in range(n)
    )


@pytest.mark.parametrize("kind", ["deal", "company", "contact"])
def test_a_page_costs_the_same_queries_for_10_or_200_entries(rep, kind):
    def record_with(n):
        company = CompanyFactory(owner=rep)
        contact = ContactFactory(owner=rep, company=company)
        deal = DealFactory(owner=rep, company=company)
        deal.contacts.add(contact)
        _fill(deal, rep, n)
        Activity.objects.filter(deal=deal).update(contact=contact)
        return {"deal": deal, "company": company, "contact": contact}[kind]

    small, big = record_with(10), record_with(200)
    timeline_for(record=small, user=rep)  # warm the per-user caches
    counts = []
    for record in (small, big):
        with CaptureQueriesContext(connection) as queries:
            page = timeline_for(record=record, user=rep)
        counts.append(len(queries))
        assert len(page.entries) == 20
    with CaptureQueriesContext(connection) as queries:
        timeline_for(record=big, user=rep, before=page.next_cursor)
    assert counts[0] == counts[1] == len(queries)
    # The keys (one UNION on PostgreSQL, one query per source on SQLite), then the rows of
    # each table that made the page: activities, tasks, stage changes.
    key_queries = 1 if connection.vendor == "postgresql" else len(SOURCES) - 1
    assert counts[0] <= key_queries + 3


def test_the_panels_render_on_every_record_page(rf, rep, pipeline):
    company = CompanyFactory(owner=rep)
    contact = ContactFactory(owner=rep, company=company)
    deal = DealFactory(owner=rep, company=company, pipeline=pipeline)
    lead = LeadFactory(owner=rep)
    for record in (company, contact, deal, lead):
        services.activity_log(
            actor=rep,
            kind="call",
            subject=f"Call about {record}",
            **{type(record).__name__.lower(): record},
        )
        services.task_create(
            actor=rep, title=f"Follow up {record}", **{type(record).__name__.lower(): record}
        )
        request = rf.get("/")
        request.user = rep
        panels = records.panels_for(record, user=rep, request=request)
        assert [p.key for p in panels["main"] if p.key in ("log-activity", "timeline")] == [
            "log-activity",
            "timeline",
        ]
        assert "tasks" in [p.key for p in panels["side"]]
        html = "".join(
            render_to_string(p.template, {"panel": p, "user": rep, "request": request})
            for p in panels["main"] + panels["side"]
            if p.template.startswith("activities/")
        )
        assert f"Call about {record}" in html
        assert f"Follow up {record}" in html
        assert 'name="kind"' in html
        assert "Add task" in html


def test_panels_follow_the_users_rights(rf, read_only, rep):
    lead = LeadFactory(owner=rep, status=Lead.Status.CONVERTED)
    request = rf.get("/")
    panels = records.panels_for(lead, user=rep, request=request)
    assert "log-activity" not in [p.key for p in panels["main"]]  # converted: read-only
    tasks = next(p for p in panels["side"] if p.key == "tasks")
    assert "task_form" not in tasks.data
    company = CompanyFactory(owner=rep)
    panels = records.panels_for(company, user=read_only, request=request)
    assert [p.key for p in panels["main"] if p.key == "timeline"] == ["timeline"]
    assert "log-activity" not in [p.key for p in panels["main"]]
