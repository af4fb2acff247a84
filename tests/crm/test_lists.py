"""The list framework (crm.lists) through the leads list: sort, filter, search, pages,
saved views, columns, CSV export, visibility and query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm import lists
from crm.models import SavedView
from leads.models import Lead
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

URL = "/leads/"


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def names(response) -> list[str]:
    return [item["row"].last_name for item in response.context["rows"]]


def test_rep_sees_only_own_leads_newest_first(client_for, rep, other_rep):
    now = timezone.now()
    LeadFactory(owner=rep, last_name="Older", created_at=now - timedelta(days=2))
    LeadFactory(owner=rep, last_name="Newer", created_at=now - timedelta(days=1))
    LeadFactory(owner=other_rep, last_name="Hidden")
    response = client_for(rep).get(URL)
    assert response.status_code == 200
    assert names(response) == ["Newer", "Older"]
    assert b"Hidden" not in response.content


def test_manager_sees_team_and_admin_everyone(client_for, rep, other_rep, manager, admin_user):
    LeadFactory(owner=rep, last_name="Mine")
    LeadFactory(owner=other_rep, last_name="Theirs")
    assert names(client_for(manager).get(URL)) == ["Mine"]
    assert sorted(names(client_for(admin_user).get(URL))) == ["Mine", "Theirs"]


def test_anonymous_is_sent_to_login(client_for):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_sort_by_a_column_both_ways(client_for, rep):
    for name in ("Brown", "Adams", "Clark"):
        LeadFactory(owner=rep, last_name=name)
    client = client_for(rep)
    assert names(client.get(URL, {"sort": "name"})) == ["Adams", "Brown", "Clark"]
    assert names(client.get(URL, {"sort": "-name"})) == ["Clark", "Brown", "Adams"]


def test_unknown_sort_is_a_400_with_a_message(client_for, rep):
    response = client_for(rep).get(URL, {"sort": "password"})
    assert response.status_code == 400
    assert "Cannot sort by" in response.content.decode()


def test_filters_combine_and_bad_values_are_refused(client_for, rep):
    LeadFactory(owner=rep, last_name="Q1", status=Lead.Status.QUALIFIED)
    LeadFactory(owner=rep, last_name="N1", status=Lead.Status.NEW)
    client = client_for(rep)
    assert names(client.get(URL, {"status": "qualified", "owner": "me"})) == ["Q1"]
    assert names(client.get(URL, {"status": "qualified", "owner": str(rep.pk)})) == ["Q1"]
    bad = client.get(URL, {"status": "bogus"})
    assert bad.status_code == 400
    assert "not one of the choices" in bad.content.decode()


def test_owner_filter_offers_only_people_the_viewer_may_see(client_for, rep, other_rep):
    response = client_for(rep).get(URL, {"owner": str(other_rep.pk)})
    assert response.status_code == 400  # a rep cannot filter by someone outside their scope


@pytest.mark.parametrize("url", ["/leads/", "/contacts/", "/companies/", "/deals/", "/tasks/"])
def test_every_searchable_list_shows_its_search_box(client_for, admin_user, url):
    page = client_for(admin_user).get(url).content.decode()
    assert '<label for="list-q">Search</label>' in page


def test_free_text_search_matches_every_word(client_for, rep):
    LeadFactory(owner=rep, first_name="Ada", last_name="Lovelace", company_name="Analytical")
    LeadFactory(owner=rep, first_name="Ada", last_name="Byron", company_name="Poetry")
    client = client_for(rep)
    assert names(client.get(URL, {"q": "ada analyt"})) == ["Lovelace"]
    assert names(client.get(URL, {"q": "ADA"})) != []


def test_pages_and_counts(client_for, rep, settings):
    LeadFactory.create_batch(7, owner=rep)
    spec = lists.ListSpec(**{**lists_spec_kwargs(), "page_size": 3})
    rf_user = rep
    state = lists.ListState.parse(spec, rf_user, query("page=3"))
    page = lists.page_of(state, state.filtered())
    summary = (page.number, len(page.rows), page.total, page.exact, page.has_next)
    assert summary == (3, 1, 7, True, False)
    state = lists.ListState.parse(spec, rf_user, query("page=1"))
    page = lists.page_of(state, state.filtered())
    assert page.has_next
    assert page.last == 3


def test_count_is_capped_then_estimated(rep):
    LeadFactory.create_batch(5, owner=rep)
    count, exact = lists.count_capped(Lead.objects.all(), cap=3)
    assert not exact
    assert count >= 4
    assert lists.count_capped(Lead.objects.all(), cap=10) == (5, True)


def test_an_estimate_is_reused_until_the_list_changes_in_bulk(rep):
    LeadFactory.create_batch(5, owner=rep)
    first = lists.count_capped(Lead.objects.all(), cap=3)
    LeadFactory.create_batch(5, owner=rep)
    with CaptureQueriesContext(connection) as queries:
        assert lists.count_capped(Lead.objects.all(), cap=3) == first
    assert len(queries) == 0  # from the cache: "About N" may lag a minute behind
    lists.lists_changed(Lead)
    count, exact = lists.count_capped(Lead.objects.all(), cap=3)
    assert not exact
    assert count >= 4  # past the cap, whatever the planner estimates
    if connection.vendor == "sqlite":
        assert count == 10  # SQLite counts exactly


def test_an_exact_count_is_never_cached(rep):
    LeadFactory.create_batch(2, owner=rep)
    assert lists.count_capped(Lead.objects.all(), cap=10) == (2, True)
    LeadFactory(owner=rep)
    assert lists.count_capped(Lead.objects.all(), cap=10) == (3, True)


def test_a_page_past_the_end_is_empty_not_an_error(client_for, rep):
    LeadFactory(owner=rep)
    response = client_for(rep).get(URL, {"page": "99"})
    assert response.status_code == 200
    assert response.context["rows"] == []


def test_query_count_does_not_grow_with_rows(client_for, rep, django_assert_max_num_queries):
    client = client_for(rep)
    LeadFactory.create_batch(3, owner=rep)
    client.get(URL)  # warm caches (content types, permissions)
    with django_assert_max_num_queries(14) as few:
        client.get(URL)
    LeadFactory.create_batch(40, owner=rep)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_chosen_columns(client_for, rep):
    LeadFactory(owner=rep, title="CTO")
    response = client_for(rep).get(URL, {"cols": ["name", "title"]})
    assert [c.key for c in response.context["state"].shown] == ["name", "title"]
    assert "CTO" in response.content.decode()


def test_saved_view_round_trip_and_default(client_for, rep):
    client = client_for(rep)
    response = client.post(
        URL,
        {
            "action": "save-view",
            "name": "Hot qualified",
            "query": "status=qualified&sort=name&page=4",
            "is_default": "on",
        },
    )
    view = SavedView.objects.get(user=rep, list_key="leads")
    assert view.query == "status=qualified&sort=name"
    assert view.is_default
    assert response.status_code == 302
    assert f"view={view.pk}" in response["Location"]
    # Opening the bare list now lands on the default view.
    again = client.get(URL)
    assert again.status_code == 302
    assert "status=qualified" in again["Location"]
    deleted = client.post(URL, {"action": "delete-view", "view": view.pk})
    assert deleted.status_code == 302
    assert not SavedView.objects.exists()


def test_someone_elses_saved_view_cannot_be_deleted(client_for, rep, other_rep):
    view = SavedView.objects.create(user=other_rep, list_key="leads", name="Theirs")
    response = client_for(rep).post(URL, {"action": "delete-view", "view": view.pk})
    assert response.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_csv_export_is_filtered_visible_and_neutralises_formulas(client_for, rep, other_rep):
    LeadFactory(owner=rep, first_name="", last_name='=HYPERLINK("http://evil")', status="new")
    LeadFactory(owner=rep, first_name="", last_name="Plain", company_name="+cmd", status="new")
    LeadFactory(owner=rep, last_name="Filtered out", status=Lead.Status.QUALIFIED)
    LeadFactory(owner=other_rep, last_name="Not mine", status=Lead.Status.NEW)
    response = client_for(rep).get(URL, {"export": "csv", "status": "new", "sort": "name"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Name", "Company"]
    assert {row[0] for row in body} == {'\'=HYPERLINK("http://evil")', "Plain"}
    assert "'+cmd" in [row[1] for row in body]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)
    assert "Not mine" not in str(rows)
    assert "Filtered out" not in str(rows)


def test_export_needs_the_export_permission(client_for, read_only, rep):
    response = client_for(read_only).get(URL, {"export": "csv"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("safe", "safe"),
        (-5, "-5"),
        (None, ""),
        (True, "yes"),
    ],
)
def test_csv_safe(value, expected):
    assert lists.csv_safe(value) == expected


# helpers


def query(text: str):
    from django.http import QueryDict

    return QueryDict(text)


def lists_spec_kwargs() -> dict:
    from leads.list_views import LEADS

    return {f.name: getattr(LEADS, f.name) for f in LEADS.__dataclass_fields__.values()}


def test_custom_fields_are_columns_filters_and_csv(client_for, rep):
    from tests.contacts.factories import CustomFieldFactory

    CustomFieldFactory(
        entity="lead",
        key="segment",
        label="Segment",
        field_type="choice",
        choices=["SMB", "Enterprise"],
        show_in_list=True,
    )
    CustomFieldFactory(
        entity="lead",
        key="tools",
        label="Tools",
        field_type="multi_choice",
        choices=["CRM", "ERP"],
    )
    LeadFactory(owner=rep, last_name="Big", custom={"segment": "Enterprise", "tools": ["ERP"]})
    LeadFactory(owner=rep, last_name="Small", custom={"segment": "SMB", "tools": ["CRM"]})
    client = client_for(rep)
    page = client.get(URL, {"cf_segment": "Enterprise"})
    assert names(page) == ["Big"]
    assert "cf_segment" in [c.key for c in page.context["state"].shown]
    assert names(client.get(URL, {"cf_tools": "CRM"})) == ["Small"]
    assert client.get(URL, {"cf_segment": "Galactic"}).status_code == 400
    rows = csv_rows(client.get(URL, {"export": "csv", "sort": "name"}))
    segment = rows[0].index("Segment")
    assert [row[segment] for row in rows[1:]] == ["Enterprise", "SMB"]


def test_cells_escape_every_value_and_format_dates(rep):
    from datetime import date

    from django.utils import timezone

    lead = LeadFactory(
        owner=rep, first_name="", last_name='<script>alert("x")</script>', company_name="A&B"
    )
    columns = {c.key: c for c in lists_spec_kwargs()["columns"](rep)}
    html = lists.row_cells([columns["name"], columns["company"]], lead)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "A&amp;B" in html
    assert lists._short_date(date(2026, 11, 5)) == "Nov 5, 2026"
    created = lists.row_cells([columns["created"]], lead)
    assert timezone.localtime(lead.created_at).strftime("%H:%M") in created
