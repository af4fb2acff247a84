"""Activity and task pages for every role (owner, teammate's manager, admin, read-only,
support, another rep who must get 404, anonymous), htmx partials and plain POSTs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Task
from activities.urls import urlpatterns
from leads.models import Lead
from tests.activities.factories import ActivityFactory, MeetingFactory, TaskFactory
from tests.contacts.factories import CompanyFactory, ContactFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, obj=None):
    return reverse(f"activities:{name}", args=[obj.pk] if obj is not None else [])


# ---------------------------------------------------------------- task pages


def test_task_detail_for_every_role(
    client_for, rep, other_rep, manager, admin_user, read_only, support
):
    task = TaskFactory(owner=rep, title="Call Jane back", notes="About pricing")
    for user in (rep, manager, admin_user, read_only, support):
        page = client_for(user).get(url("task-detail", task))
        assert page.status_code == 200, user
        assert b"Call Jane back" in page.content
    assert client_for(other_rep).get(url("task-detail", task)).status_code == 404
    assert client_for(None).get(url("task-detail", task)).status_code == 302


def test_task_detail_offers_what_the_user_may_do(client_for, rep, read_only, support):
    task = TaskFactory(owner=rep)
    mine = client_for(rep).get(url("task-detail", task)).content.decode()
    assert url("task-edit", task) in mine
    assert url("task-delete", task) in mine
    assert url("task-reschedule", task) in mine
    assert url("task-assign", task) in mine
    viewer = client_for(read_only).get(url("task-detail", task)).content.decode()
    assert url("task-edit", task) not in viewer
    assert url("task-complete", task) not in viewer
    agent = client_for(support).get(url("task-detail", task)).content.decode()
    assert url("task-edit", task) in agent
    assert url("task-delete", task) not in agent


def test_complete_with_htmx_swaps_the_row_and_reopen_undoes_it(client_for, rep, events):
    task = TaskFactory(owner=rep, title="Send deck")
    client = client_for(rep)
    row = client.post(url("task-complete", task), {"row": "mine"}, **HTMX)
    html = row.content.decode()
    assert row.status_code == 200
    assert 'aria-checked="true"' in html
    assert "Undo" in html
    assert html.lstrip().startswith(f'<li class="task-row is-done" id="task-row-{task.pk}"')
    assert Task.objects.get(pk=task.pk).completed_at is not None
    client.post(url("task-complete", task), {"row": "mine"}, **HTMX)  # a double click
    assert len(events("task.completed")) == 1
    undone = client.post(url("task-reopen", task), {"row": "mine"}, **HTMX)
    assert 'aria-checked="false"' in undone.content.decode()
    assert Task.objects.get(pk=task.pk).completed_at is None


def test_complete_without_javascript_goes_back_to_a_safe_next(client_for, rep):
    task = TaskFactory(owner=rep)
    client = client_for(rep)
    back = client.post(url("task-complete", task), {"next": "/tasks/mine/?x=1"})
    assert back.status_code == 302
    assert back["Location"] == "/tasks/mine/?x=1"
    client.post(url("task-reopen", task))
    evil = client.post(url("task-complete", task), {"next": "https://evil.example/"})
    assert evil["Location"] == url("task-detail", task)


def test_complete_refusals(client_for, rep, other_rep, read_only):
    task = TaskFactory(owner=rep)
    assert client_for(other_rep).post(url("task-complete", task)).status_code == 404
    assert client_for(read_only).post(url("task-complete", task)).status_code == 403
    assert client_for(rep).get(url("task-complete", task)).status_code == 405
    assert Task.objects.get(pk=task.pk).completed_at is None


def test_create_page_prefilled_from_a_record_and_from_the_calendar(client_for, rep):
    deal = DealFactory(owner=rep, name="Acme renewal")
    client = client_for(rep)
    page = client.get(url("task-create"), {"record": "deal", "id": deal.pk}).content.decode()
    assert "Acme renewal" in page
    assert f'name="id" value="{deal.pk}"' in page
    dated = client.get(url("task-create"), {"due": "2026-04-02"}).content.decode()
    assert 'value="2026-04-02"' in dated
    created = client.post(
        url("task-create"),
        {"record": "deal", "id": deal.pk, "title": "Send contract", "due_date": "2026-04-02",
         "due_time": "10:30", "priority": "3", "owner": rep.pk, "reminder": "60"},
    )  # fmt: skip
    task = Task.objects.get(title="Send contract")
    assert created.status_code == 302
    assert created["Location"] == deal.get_absolute_url()
    assert task.deal == deal
    assert task.priority == 3
    assert not task.all_day
    assert task.reminder_at == task.due_at - timedelta(hours=1)


def test_create_refuses_bad_input_and_other_peoples_records(client_for, rep, other_rep, read_only):
    client = client_for(rep)
    empty = client.post(url("task-create"), {"title": " "})
    assert empty.status_code == 400
    assert b"This field is required" in empty.content
    only_time = client.post(url("task-create"), {"title": "X", "due_time": "10:00"})
    assert only_time.status_code == 400
    theirs = CompanyFactory(owner=other_rep)
    assert (
        client.post(
            url("task-create"), {"record": "company", "id": theirs.pk, "title": "X"}
        ).status_code
        == 404
    )
    assert client.post(url("task-create"), {"title": "X", "owner": other_rep.pk}).status_code == 400
    assert client_for(read_only).post(url("task-create"), {"title": "X"}).status_code == 403
    assert not Task.objects.exists()


def test_add_task_from_the_panel_with_htmx(client_for, rep):
    company = CompanyFactory(owner=rep)
    client = client_for(rep)
    data = {
        "record": "company",
        "id": company.pk,
        "from": "panel",
        "title": "Book demo",
        "due_date": "2026-05-04",
    }
    added = client.post(url("task-create"), data, **HTMX)
    html = added.content.decode()
    assert added.status_code == 200
    assert "Book demo" in html
    assert f'id="task-add-company-{company.pk}"' in html
    assert 'hx-swap-oob="outerHTML"' in html
    task = Task.objects.get(title="Book demo")
    assert task.company == company
    assert task.all_day
    bad = client.post(url("task-create"), {**data, "title": ""}, **HTMX)
    assert bad.status_code == 400
    assert bad["HX-Retarget"] == f"#task-add-company-{company.pk}"


def test_edit_and_reassign(client_for, manager, rep, other_rep):
    task = TaskFactory(owner=manager, title="Old", due_at=None)
    client = client_for(manager)
    assert client.get(url("task-edit", task)).status_code == 200
    saved = client.post(
        url("task-edit", task), {"title": "New", "priority": "4", "owner": manager.pk, "notes": "n"}
    )
    assert saved.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority, task.notes) == ("New", 4, "n")
    assert client.post(url("task-assign", task), {"owner": rep.pk}).status_code == 302
    assert Task.objects.get(pk=task.pk).owner == rep
    assert client.post(url("task-assign", task), {"owner": other_rep.pk}).status_code == 400
    assert client_for(other_rep).get(url("task-edit", task)).status_code == 404


def test_editing_keeps_a_custom_reminder(client_for, rep):
    due = timezone.now() + timedelta(days=3)
    task = TaskFactory(owner=rep, due_at=due, reminder_at=due - timedelta(minutes=37))
    page = client_for(rep).get(url("task-edit", task)).content.decode()
    assert 'value="keep" selected' in page


def test_delete_task(client_for, rep, support):
    task = TaskFactory(owner=rep)
    assert client_for(support).get(url("task-delete", task)).status_code == 403
    client = client_for(rep)
    assert b"cannot be undone" in client.get(url("task-delete", task)).content
    gone = client.post(url("task-delete", task))
    assert gone.status_code == 302
    assert gone["Location"] == url("task-mine")
    assert not Task.objects.exists()


# ---------------------------------------------------------------- activities


def test_log_on_a_record_with_htmx_returns_the_entry_and_a_fresh_form(client_for, rep, events):
    contact = ContactFactory(owner=rep)
    client = client_for(rep)
    data = {"record": "contact", "id": contact.pk, "kind": "call", "subject": "Intro call",
            "body": "Went well", "direction": "outbound", "outcome": "connected"}  # fmt: skip
    logged = client.post(url("activity-log"), data, **HTMX)
    html = logged.content.decode()
    activity = Activity.objects.get()
    assert logged.status_code == 200
    assert html.lstrip().startswith(
        f'<li class="tl-entry tl-call tl-fresh" id="tl-activity-{activity.pk}"'
    )
    assert "Intro call" in html
    assert "Connected" in html
    assert f'id="log-contact-{contact.pk}"' in html
    assert 'hx-swap-oob="outerHTML"' in html
    assert "Call logged." in html  # the toast, out of band
    assert events("activity.logged")[0]["contact_id"] == contact.pk


def test_log_errors_come_back_in_the_form(client_for, rep):
    lead = LeadFactory(owner=rep)
    client = client_for(rep)
    bad = client.post(
        url("activity-log"),
        {"record": "lead", "id": lead.pk, "kind": "call", "subject": ""},
        **HTMX,
    )
    assert bad.status_code == 400
    assert bad["HX-Retarget"] == f"#log-lead-{lead.pk}"
    assert b"This field is required" in bad.content
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    ahead = client.post(
        url("activity-log"),
        {"record": "lead", "id": lead.pk, "kind": "call", "subject": "x", "occurred_at": future},
    )
    assert ahead.status_code == 400
    assert b"not ahead" in ahead.content
    assert not Activity.objects.exists()


def test_log_refusals(client_for, rep, other_rep, read_only):
    theirs = CompanyFactory(owner=other_rep)
    data = {"record": "company", "id": theirs.pk, "kind": "note", "subject": "Peek"}
    assert client_for(rep).post(url("activity-log"), data).status_code == 404
    assert client_for(read_only).post(url("activity-log"), data).status_code == 403
    assert (
        client_for(rep).post(url("activity-log"), {"kind": "note", "subject": "x"}).status_code
        == 400
    )
    assert (
        client_for(rep).post(url("activity-log"), {**data, "record": "ticket"}).status_code == 404
    )
    converted = LeadFactory(owner=rep, status=Lead.Status.CONVERTED)
    refused = client_for(rep).post(
        url("activity-log"),
        {"record": "lead", "id": converted.pk, "kind": "note", "subject": "x"},
        **HTMX,
    )
    assert refused.status_code == 400
    assert b"converted" in refused.content
    assert not Activity.objects.exists()


def test_log_without_javascript_redirects_to_the_record(client_for, rep):
    company = CompanyFactory(owner=rep)
    done = client_for(rep).post(
        url("activity-log"),
        {"record": "company", "id": company.pk, "kind": "note", "subject": "Noted"},
    )
    assert done.status_code == 302
    assert done["Location"] == company.get_absolute_url()


def test_activity_pages_for_every_role(client_for, rep, other_rep, manager, read_only, support):
    company = CompanyFactory(owner=rep)
    activity = ActivityFactory(owner=rep, company=company, subject="Kickoff", body="Agenda")
    for user in (rep, manager, read_only, support):
        assert client_for(user).get(url("activity-detail", activity)).status_code == 200, user
    assert client_for(other_rep).get(url("activity-detail", activity)).status_code == 404
    assert client_for(read_only).get(url("activity-edit", activity)).status_code == 403
    assert client_for(other_rep).get(url("activity-edit", activity)).status_code == 404
    client = client_for(rep)
    saved = client.post(
        url("activity-edit", activity), {"kind": "meeting", "subject": "Kick-off", "body": "x"}
    )
    assert saved.status_code == 302
    assert Activity.objects.get(pk=activity.pk).subject == "Kick-off"
    assert client_for(support).post(url("activity-delete", activity)).status_code == 403
    gone = client_for(rep).post(url("activity-delete", activity))
    assert gone.status_code == 302
    assert gone["Location"] == company.get_absolute_url()


def test_an_activity_is_visible_to_whoever_sees_its_record(client_for, rep, manager):
    """The manager logged a meeting on the rep's deal: the rep sees it on the deal's
    timeline, so the rep may open it too (but not change it)."""
    deal = DealFactory(owner=rep)
    meeting = MeetingFactory(owner=manager, deal=deal)
    assert client_for(rep).get(url("activity-detail", meeting)).status_code == 200
    page = client_for(rep).get(url("activity-detail", meeting)).content.decode()
    assert url("activity-edit", meeting) not in page


# ---------------------------------------------------------------- timeline endpoint


def test_load_older_returns_the_next_entries(client_for, rep, other_rep):
    deal = DealFactory(owner=rep)
    start = timezone.now() - timedelta(days=10)
    for n in range(25):
        ActivityFactory(
            owner=rep, deal=deal, subject=f"Call number {n}", occurred_at=start + timedelta(hours=n)
        )
    from activities.timeline import timeline_for

    first = timeline_for(record=deal, user=rep)
    client = client_for(rep)
    params = {"record": "deal", "id": deal.pk, "before": first.next_cursor}
    older = client.get(url("timeline"), params, **HTMX).content.decode()
    assert "Call number 4" in older
    assert "Call number 5" not in older
    assert "<html" not in older
    assert "Load older" not in older  # the end
    full = client.get(url("timeline"), params)
    assert full.status_code == 200
    assert b"<html" in full.content
    assert client.get(url("timeline"), {**params, "before": "junk"}).status_code == 400
    assert client_for(other_rep).get(url("timeline"), params).status_code == 404


def test_the_lead_page_shows_the_panels(client_for, rep):
    lead = LeadFactory(owner=rep)
    ActivityFactory(owner=rep, lead=lead, subject="First call")
    TaskFactory(owner=rep, lead=lead, title="Send brochure")
    page = client_for(rep).get(lead.get_absolute_url()).content.decode()
    assert "Log activity" in page
    assert "First call" in page
    assert "Send brochure" in page
    assert page.index("Log activity") < page.index("First call")  # the form above the timeline


@pytest.mark.parametrize("name", [p.name for p in urlpatterns])
def test_every_page_sends_anonymous_visitors_to_sign_in(client, name):
    pattern = next(p for p in urlpatterns if p.name == name)
    kwargs = {"pk": 1} if "pk" in pattern.pattern.regex.groupindex else {}
    response = client.get(reverse(f"activities:{name}", kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
