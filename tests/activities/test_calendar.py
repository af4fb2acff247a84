"""The calendar: month and week grids in the viewer's zone, the user filter limited by the
policy, constant queries, and rescheduling by drag-and-drop (the JSON endpoint)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from activities.calendar_grid import grid_for
from activities.models import Activity, Task
from tests.activities.factories import ActivityFactory, MeetingFactory, TaskFactory
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # a Wednesday
URL = reverse("activities:calendar")
JSON = {"HTTP_ACCEPT": "application/json"}


def test_month_grid_covers_whole_weeks_monday_first():
    grid = grid_for("month", date(2026, 3, 17))
    assert (grid.start, grid.end) == (date(2026, 2, 23), date(2026, 4, 6))
    assert (grid.prev, grid.next, grid.title) == (date(2026, 2, 1), date(2026, 4, 1), "March 2026")
    december = grid_for("month", date(2026, 12, 5))
    assert december.next == date(2027, 1, 1)
    assert december.prev == date(2026, 11, 1)


def test_week_grid_runs_monday_to_sunday():
    grid = grid_for("week", date(2026, 3, 11))
    assert (grid.start, grid.end) == (date(2026, 3, 9), date(2026, 3, 16))
    assert grid.title == "9\N{EN DASH}15 March 2026"
    assert grid_for("week", date(2026, 3, 31)).title == "30 Mar \N{EN DASH} 5 Apr 2026"


@time_machine.travel(NOW, tick=False)
def test_month_shows_tasks_and_meetings_in_the_users_zone(client_for, rep):
    rep.timezone = "Asia/Tokyo"  # UTC+9
    rep.save()
    # 23:30 UTC on 31 March is 08:30 on 1 April in Tokyo: it belongs to April.
    TaskFactory(owner=rep, title="Tokyo April", due_at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    TaskFactory(owner=rep, title="Mid March", due_at=datetime(2026, 3, 12, 1, 0, tzinfo=UTC))
    MeetingFactory(
        owner=rep, subject="Demo meeting", occurred_at=datetime(2026, 3, 13, 2, 0, tzinfo=UTC)
    )
    ActivityFactory(owner=rep, subject="A call is not on the calendar", occurred_at=NOW)
    html = client_for(rep).get(URL, {"date": "2026-03-01"}).content.decode()
    assert "Mid March" in html
    assert "Demo meeting" in html
    assert "A call is not on the calendar" not in html
    # The grid runs to 5 April, so the April item shows in the last week, on 1 April.
    april_cell = html.split('data-date="2026-04-01"')[1].split("</td>")[0]
    assert "Tokyo April" in april_cell
    assert "08:30" in april_cell
    assert 'data-date="2026-03-12" aria-current="date"' in html  # already the 12th in Tokyo


@time_machine.travel(NOW, tick=False)
def test_week_places_items_by_hour_and_all_day_on_top(client_for, rep):
    rep.timezone = "UTC"
    rep.save()
    TaskFactory(owner=rep, title="At ten", due_at=datetime(2026, 3, 12, 10, 15, tzinfo=UTC))
    TaskFactory(
        owner=rep, title="Whole day", all_day=True, due_at=datetime(2026, 3, 13, 23, 59, tzinfo=UTC)
    )
    TaskFactory(owner=rep, title="The week after", due_at=datetime(2026, 3, 17, 10, 0, tzinfo=UTC))
    html = client_for(rep).get(URL, {"view": "week", "date": "2026-03-11"}).content.decode()
    ten = html.split('data-date="2026-03-12" data-hour="10"')[1].split("</td>")[0]
    assert "At ten" in ten
    assert 'data-minute="15"' in ten
    all_day = html.split('data-date="2026-03-13" data-all-day="1"')[1].split("</td>")[0]
    assert "Whole day" in all_day
    assert "The week after" not in html


@time_machine.travel(NOW, tick=False)
def test_the_user_filter_is_limited_by_the_policy(client_for, rep, other_rep, manager, admin_user):
    for person in (rep, other_rep, manager):
        TaskFactory(
            owner=person, title=f"Task of {person.full_name}", due_at=NOW + timedelta(hours=2)
        )
    mine = client_for(rep).get(URL).content.decode()
    assert "Task of Riley Rep" in mine
    assert "Task of Sam Second" not in mine
    assert 'id="cal-user"' not in mine  # a rep has only their own calendar
    assert client_for(rep).get(URL, {"user": other_rep.pk}).status_code == 400
    assert client_for(rep).get(URL, {"user": "all"}).status_code == 400
    manager_client = client_for(manager)
    team = manager_client.get(URL, {"user": rep.pk}).content.decode()
    assert "Task of Riley Rep" in team
    assert "Task of Morgan Manager" not in team
    assert manager_client.get(URL, {"user": other_rep.pk}).status_code == 400
    everyone = manager_client.get(URL, {"user": "all"}).content.decode()
    assert "Task of Riley Rep" in everyone
    assert "Task of Morgan Manager" in everyone
    assert "Task of Sam Second" not in everyone  # another team
    admin = client_for(admin_user).get(URL, {"user": "all"}).content.decode()
    assert all(f"Task of {p.full_name}" in admin for p in (rep, other_rep, manager))
    assert f'<option value="{other_rep.pk}"' in client_for(admin_user).get(URL).content.decode()


@time_machine.travel(NOW, tick=False)
def test_bad_parameters_answer_400(client_for, rep):
    client = client_for(rep)
    assert client.get(URL, {"date": "March"}).status_code == 400
    assert client.get(URL, {"user": "nobody"}).status_code == 400
    assert client.get(URL, {"view": "year"}).status_code == 200  # falls back to the month


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("view", ["month", "week"])
def test_queries_do_not_grow_with_items(client_for, rep, view):
    client = client_for(rep)
    client.get(URL, {"view": view})
    deal = DealFactory(owner=rep)
    TaskFactory(owner=rep, deal=deal, due_at=NOW + timedelta(hours=1))
    MeetingFactory(owner=rep, deal=deal, occurred_at=NOW + timedelta(hours=1))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"view": view})
    for n in range(40):
        other = DealFactory(owner=rep)
        TaskFactory(owner=rep, deal=other, due_at=NOW + timedelta(hours=n % 48))
        MeetingFactory(owner=rep, deal=other, occurred_at=NOW + timedelta(hours=n % 48))
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL, {"view": view})
    assert page.content.decode().count('class="cal-item') >= 40
    assert len(many) == len(few)


# ---------------------------------------------------------------- rescheduling


def move(client, task, **data):
    return client.post(reverse("activities:task-reschedule", args=[task.pk]), data, **JSON)


@time_machine.travel(NOW, tick=False)
def test_drag_to_another_day_keeps_the_time_of_day(client_for, rep, events):
    rep.timezone = "Europe/Berlin"  # UTC+1 in March
    rep.save()
    task = TaskFactory(owner=rep, due_at=datetime(2026, 3, 12, 8, 45, tzinfo=UTC))  # 09:45 Berlin
    response = move(client_for(rep), task, date="2026-03-20", keep_time="on")
    assert response.status_code == 200
    assert response.json()["time"] == "09:45"
    task.refresh_from_db()
    assert task.due_at == datetime(2026, 3, 20, 8, 45, tzinfo=UTC)
    assert events("task.updated")[-1]["changed"] == ["due_at"]


@time_machine.travel(NOW, tick=False)
def test_drag_to_an_hour_and_to_the_all_day_row(client_for, rep):
    rep.timezone = "UTC"
    rep.save()
    task = TaskFactory(owner=rep, due_at=datetime(2026, 3, 12, 8, 30, tzinfo=UTC))
    client = client_for(rep)
    assert move(client, task, date="2026-03-13", time="14:30").json()["time"] == "14:30"
    task.refresh_from_db()
    assert task.due_at == datetime(2026, 3, 13, 14, 30, tzinfo=UTC)
    assert not task.all_day
    answer = move(client, task, date="2026-03-14", time="").json()
    task.refresh_from_db()
    assert answer["all_day"] is True
    assert task.all_day
    assert task.due_at == datetime(2026, 3, 14, 23, 59, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_who_may_reschedule(client_for, rep, other_rep, manager, read_only):
    task = TaskFactory(owner=rep, due_at=NOW)
    before = task.due_at
    assert move(client_for(other_rep), task, date="2026-03-20", keep_time="on").status_code == 404
    refused = move(client_for(read_only), task, date="2026-03-20", keep_time="on")
    assert refused.status_code == 403
    assert move(client_for(rep), task, date="not a date").status_code == 400
    assert "error" in move(client_for(rep), task, date="").json()
    assert Task.objects.get(pk=task.pk).due_at == before
    assert move(client_for(manager), task, date="2026-03-20", keep_time="on").status_code == 200
    anonymous = move(client_for(None), task, date="2026-03-20")
    assert anonymous.status_code == 302


@time_machine.travel(NOW, tick=False)
def test_a_task_seen_through_its_record_but_not_changeable_answers_403(client_for, rep, manager):
    deal = DealFactory(owner=rep)
    theirs = TaskFactory(owner=manager, deal=deal, due_at=NOW)  # on the rep's deal
    assert (
        client_for(rep).get(reverse("activities:task-detail", args=[theirs.pk])).status_code == 200
    )
    assert move(client_for(rep), theirs, date="2026-03-20", keep_time="on").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_meetings_move_with_their_length(client_for, rep, other_rep):
    rep.timezone = "UTC"
    rep.save()
    meeting = MeetingFactory(owner=rep, occurred_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    Activity.objects.filter(pk=meeting.pk).update(ends_at=datetime(2026, 3, 12, 10, 30, tzinfo=UTC))
    url = reverse("activities:activity-reschedule", args=[meeting.pk])
    answer = client_for(rep).post(url, {"date": "2026-03-16", "time": "13:00"}, **JSON)
    assert answer.status_code == 200
    assert answer.json()["time"] == "13:00"
    meeting.refresh_from_db()
    assert meeting.occurred_at == datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2026, 3, 16, 14, 30, tzinfo=UTC)
    kept = client_for(rep).post(url, {"date": "2026-03-18", "keep_time": "on"}, **JSON)
    assert kept.json()["time"] == "13:00"
    assert client_for(other_rep).post(url, {"date": "2026-03-18"}, **JSON).status_code == 404
    plain = client_for(rep).post(url, {"occurred_at": "2026-03-19T08:00", "next": "/calendar/"})
    assert plain.status_code == 302
    assert plain["Location"] == "/calendar/"


@time_machine.travel(NOW, tick=False)
def test_the_task_page_reschedule_field_works_without_javascript(client_for, rep):
    rep.timezone = "UTC"
    rep.save()
    task = TaskFactory(owner=rep, due_at=NOW)
    detail = reverse("activities:task-detail", args=[task.pk])
    response = client_for(rep).post(
        reverse("activities:task-reschedule", args=[task.pk]),
        {"date": "2026-03-25", "time": "", "next": detail},
    )
    assert response.status_code == 302
    assert response["Location"] == detail
    task.refresh_from_db()
    assert task.all_day
    assert task.due_at.date() == date(2026, 3, 25)
