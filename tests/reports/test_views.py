"""The dashboard page for every role, its pipeline partial, bad input and its query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import navigation
from leads.models import Lead
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory, TaskFactory
from tests.contacts.factories import CompanyFactory
from tests.deals.factories import DealFactory, PipelineFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

URL = reverse("reports:dashboard")
HEADINGS = [
    "Pipeline by stage",
    "Won and lost",
    "Activities this week",
    "My overdue tasks",
    "Lead conversion",
    "Closing this month",
]


def fill(owner, n, pipeline, tag=""):
    """``n`` of each kind of record the dashboard counts, owned by ``owner``."""
    now = timezone.now()
    stages = list(pipeline.stages.order_by("position"))
    won = next(s for s in stages if s.is_won)
    company = CompanyFactory(owner=owner)
    for i in range(n):
        DealFactory(
            owner=owner,
            pipeline=pipeline,
            stage=stages[i % 4],
            name=f"{tag}Open {i}",
            amount=Decimal(1000 + i),
            expected_close_date=timezone.localdate(),
            company=company,
        )
        DealFactory(
            owner=owner,
            pipeline=pipeline,
            stage=won,
            status="won",
            closed_at=now,
            name=f"{tag}Won {i}",
        )
        LeadFactory(owner=owner, status=Lead.Status.CONVERTED if i % 2 else Lead.Status.NEW)
        ActivityFactory(owner=owner, occurred_at=now)
        TaskFactory(owner=owner, due_at=now - dt.timedelta(hours=i + 1), company=company)


def get(client, **params):
    return client.get(URL, params)


def test_anonymous_is_sent_to_sign_in(client_for):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


def test_the_sidebar_offers_the_dashboard_first_after_home(rep, rf):
    sections = navigation.sidebar_for(rep, URL)
    links = sections[0]["links"]
    assert [link["label"] for link in links[:2]] == ["Home", "Dashboard"]
    assert links[1]["icon"] == "layout-dashboard"
    assert links[1]["current"]


def test_a_rep_sees_own_figures_without_the_per_person_table(client_for, rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    fill(rep, 2, pipeline)
    DealFactory(owner=other_rep, pipeline=pipeline, name="Secret deal", amount=Decimal("424242"))
    TaskFactory(owner=rep, title="Call back Acme", due_at=timezone.now() - dt.timedelta(days=1))

    response = get(client_for(rep), pipeline=pipeline.pk)

    body = response.content.decode()
    assert response.status_code == 200
    for heading in HEADINGS:
        assert f">{heading}</h2>" in body
    assert "By person" not in body
    assert "Figures for your records and those shared with you" in body
    assert "Secret deal" not in body
    assert "424,242" not in body
    assert "Call back Acme" in body
    assert "2,001" in body  # the open deals' value on the board (1000 + 1001)


def test_a_manager_gets_the_team_and_each_persons_figures(client_for, manager, rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    fill(rep, 2, pipeline)
    fill(other_rep, 1, pipeline, tag="Emea ")

    response = get(client_for(manager), pipeline=pipeline.pk)

    body = response.content.decode()
    assert response.status_code == 200
    assert ">By person</h2>" in body
    assert "Riley Rep" in body
    assert "Morgan Manager" in body
    assert "Sam Second" not in body
    assert "Emea " not in body
    assert "the North America team&#x27;s records" in body


def test_an_admin_gets_everyone(client_for, admin_user, rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    fill(rep, 1, pipeline)
    fill(other_rep, 1, pipeline)
    body = get(client_for(admin_user), pipeline=pipeline.pk).content.decode()
    assert "Figures for everyone&#x27;s records" in body
    assert "Riley Rep" in body
    assert "Sam Second" in body


@pytest.mark.parametrize("persona", ["support", "read_only"])
def test_support_and_read_only_see_the_figures_they_may_view(client_for, request, persona):
    user = request.getfixturevalue(persona)
    response = get(client_for(user))
    assert response.status_code == 200
    assert ">Pipeline by stage</h2>" in response.content.decode()


def test_a_user_without_record_permissions_gets_an_explanation(client_for, north):
    user = UserFactory(team=north)
    body = get(client_for(user)).content.decode()
    assert "Your role does not include deals, leads, activities or tasks" in body
    assert "Pipeline by stage" not in body


def test_sections_follow_the_view_permissions(client_for, north):
    group = Group.objects.create(name="Tasks only")
    group.permissions.add(
        Permission.objects.get(codename="view_task", content_type__app_label="activities")
    )
    user = UserFactory(team=north)
    user.groups.add(group)
    body = get(client_for(user)).content.decode()
    assert ">My overdue tasks</h2>" in body
    assert "Pipeline by stage" not in body
    assert "Lead conversion" not in body


def test_another_pipeline_can_be_chosen_and_htmx_gets_only_that_card(client_for, rep):
    sales = PipelineFactory(name="Board")
    renewals = PipelineFactory(name="Renewals", stages=["Upcoming", "Quoted"])
    DealFactory(owner=rep, pipeline=renewals, amount=Decimal("3210"))

    response = client_for(rep).get(
        URL,
        {"pipeline": renewals.pk},
        headers={"HX-Request": "true", "HX-Target": "dashboard-pipeline"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="dashboard-pipeline"')
    assert "Upcoming" in body
    assert "3,210" in body
    assert f'<option value="{renewals.pk}" selected>' in body
    assert f'<option value="{sales.pk}" >' in body or f'<option value="{sales.pk}">' in body
    assert "Won and lost" not in body


def test_an_unknown_pipeline_is_a_bad_request_with_a_message(client_for, rep):
    response = get(client_for(rep), pipeline="999999")
    assert response.status_code == 400
    assert "That pipeline does not exist or is no longer active" in response.content.decode()
    assert get(client_for(rep), pipeline="abc").status_code == 400


def test_an_archived_pipeline_cannot_be_chosen(client_for, rep):
    old = PipelineFactory(name="Old", is_active=False)
    assert get(client_for(rep), pipeline=old.pk).status_code == 400


def test_only_get_is_allowed(client_for, rep):
    assert client_for(rep).post(URL).status_code == 405


def count_queries(client, pipeline):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, pipeline=pipeline.pk)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["manager", "rep", "admin_user"])
def test_the_query_count_does_not_grow_with_the_rows(
    client_for, request, rep, persona, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    pipeline = PipelineFactory(name="Board")
    fill(rep, 1, pipeline)
    if user != rep:
        fill(user, 1, pipeline)
    few = count_queries(client, pipeline)
    fill(rep, 12, pipeline, tag="More ")
    if user != rep:
        fill(user, 12, pipeline, tag="Mine ")
    with django_assert_max_num_queries(few):
        response = get(client, pipeline=pipeline.pk)
    assert response.status_code == 200
    assert few <= 25


def test_the_pipeline_card_needs_the_deal_view_permission(client_for, north):
    group = Group.objects.create(name="Tasks only")
    group.permissions.add(
        Permission.objects.get(codename="view_task", content_type__app_label="activities")
    )
    user = UserFactory(team=north)
    user.groups.add(group)
    response = client_for(user).get(
        URL, headers={"HX-Request": "true", "HX-Target": "dashboard-pipeline"}
    )
    assert response.status_code == 403
