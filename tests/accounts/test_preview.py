"""View as user: an admin reads Keel as someone sees it, and can change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import roles, services
from accounts.models import AuditEntry, Role
from leads.models import Lead
from tests.accounts.factories import UserFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
STOP = reverse("accounts:preview-stop")
LEADS = reverse("leads:lead-list")


def start_url(person) -> str:
    return reverse("accounts:user-preview", args=[person.pk])


def test_the_admin_sees_the_lists_as_the_rep_does_and_stops(client_for, admin_user, rep, other_rep):
    mine, theirs = LeadFactory(owner=rep, last_name="Mine"), LeadFactory(owner=other_rep)
    client = client_for(admin_user)
    response = client.post(start_url(rep))
    assert response.status_code == 302
    page = client.get(LEADS).content.decode()
    assert "You are viewing Keel as <strong>Riley Rep</strong>" in page
    assert mine.get_absolute_url() in page
    assert theirs.get_absolute_url() not in page
    assert client.get(theirs.get_absolute_url()).status_code == 404  # as Riley would
    assert client.get(reverse("accounts:user-list")).status_code == 403  # Riley may not
    response = client.post(STOP)
    assert response.status_code == 302
    page = client.get(LEADS).content.decode()
    assert theirs.get_absolute_url() in page
    assert "You are viewing Keel as" not in page
    actions = list(
        AuditEntry.objects.filter(action__startswith="user.preview")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["user.preview_started", "user.preview_stopped"]


def test_nothing_can_be_changed_while_previewing(client_for, admin_user, rep):
    lead = LeadFactory(owner=rep, last_name="Before")
    client = client_for(admin_user)
    client.post(start_url(rep))
    edit = reverse("leads:lead-edit", args=[lead.pk])
    response = client.post(edit, {"first_name": "X", "last_name": "After"})
    assert response.status_code == 403
    assert "Nothing was changed." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).last_name == "Before"
    assert client.post(reverse("accounts:record-share"), {}).status_code == 403
    exported = client.get(LEADS, {"export": "csv"})
    assert exported.status_code == 403  # it would be audited as Riley's export
    assert not AuditEntry.objects.filter(action="data.exported").exists()


def test_who_may_preview_whom(client_for, admin_user, manager, rep):
    assert client_for(manager).post(start_url(rep)).status_code == 403  # no change_user
    people_team = services.role_create(actor=admin_user, name="People team")
    services.role_update(
        actor=admin_user,
        role=people_team,
        name="People team",
        description="",
        grants=set(),
        capabilities={"users"},
    )
    hr = UserFactory()
    hr.groups.set([people_team.group])
    client = client_for(hr)
    response = client.post(start_url(admin_user))
    assert response.status_code == 400
    assert "holds rights you do not" in response.content.decode()
    assert "You are viewing Keel as" not in client.get(reverse("accounts:home")).content.decode()
    assert client_for(admin_user).post(start_url(admin_user)).status_code == 400  # oneself


def test_a_preview_ends_when_the_admin_loses_the_right(client_for, admin_user, rep):
    client = client_for(admin_user)
    client.post(start_url(rep))
    admin_user.groups.set([Role.objects.get(slug=roles.SALES_MANAGER).group])
    page = client.get(reverse("accounts:home")).content.decode()
    assert 'aria-label="Viewing as someone else"' not in page
