"""Record sharing: with a person or a team, to view or edit; who may share; revocation on
the next request; the policy reading shares in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import policy, roles, services, sharing
from accounts.models import AuditEntry, User
from leads.models import Lead
from tests.accounts.factories import UserFactory
from tests.contacts.factories import CompanyFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
SHARE = reverse("accounts:record-share")
UNSHARE = reverse("accounts:record-unshare")


def fresh(user: User) -> User:
    """The user as the next request sees them (shares are read once per request)."""
    return User.objects.get(pk=user.pk)


def post(kind: str, record, who: str, level: str = "view") -> dict[str, object]:
    return {"record": kind, "id": record.pk, "who": who, "level": level}


# ---------------------------------------------------------------- the policy


def test_a_view_share_lets_the_person_see_but_not_change(rep, other_rep):
    lead = LeadFactory(owner=rep)
    assert not policy.can_view(other_rep, lead)
    sharing.share(rep, lead, who=other_rep, level="view")
    other = fresh(other_rep)
    assert policy.can_view(other, lead)
    assert not policy.can_change(other, lead)
    assert list(policy.visible(Lead.objects.all(), other)) == [lead]
    assert "It is shared with Sam Second to view." in policy.explain(other, lead).reasons


def test_an_edit_share_lets_them_change_and_a_new_share_replaces_the_level(rep, other_rep):
    deal = DealFactory(owner=rep)
    sharing.share(rep, deal, who=other_rep, level="view")
    sharing.share(rep, deal, who=other_rep, level="edit")
    other = fresh(other_rep)
    assert policy.can_change(other, deal)
    assert not policy.can_delete(other, deal)
    assert [(s.who, s.level) for s in sharing.shares_of(deal)] == [(other_rep, "edit")]
    granted = AuditEntry.objects.filter(action="share.granted").order_by("pk")
    assert [e.changes["level"] for e in granted] == ["view", ["view", "edit"]]


def test_a_team_share_reaches_whoever_is_on_the_team_now(rep, other_rep, emea, north):
    lead = LeadFactory(owner=rep)
    newcomer = UserFactory(team=north, role=roles.SALES_REP)
    sharing.share(rep, lead, who=emea, level="view")
    assert policy.can_view(fresh(other_rep), lead)  # on EMEA
    assert not policy.can_view(fresh(newcomer), lead)
    User.objects.filter(pk=newcomer.pk).update(team=emea)
    assert policy.can_view(fresh(newcomer), lead)  # joined EMEA: sees it at once
    User.objects.filter(pk=other_rep.pk).update(team=north)
    assert not policy.can_view(fresh(other_rep), lead)  # left EMEA
    reasons = policy.explain(fresh(newcomer), lead).reasons
    assert any("shared with EMEA to view" in reason for reason in reasons)


def test_revoking_stops_the_share_on_the_next_request(rep, other_rep, emea):
    lead = LeadFactory(owner=rep)
    sharing.share(rep, lead, who=other_rep, level="edit")
    sharing.share(rep, lead, who=emea, level="view")
    sharing.unshare(rep, lead, who=other_rep)
    other = fresh(other_rep)
    assert policy.can_view(other, lead)  # still through the team
    assert not policy.can_change(other, lead)
    sharing.unshare(rep, lead, who=emea)
    assert not policy.can_view(fresh(other_rep), lead)
    assert AuditEntry.objects.filter(action="share.revoked").count() == 2
    assert sharing.unshare(rep, lead, who=emea) is False  # nothing left: no audit row
    assert AuditEntry.objects.filter(action="share.revoked").count() == 2


def test_a_deactivated_person_is_refused_and_loses_what_was_shared(rep, other_rep, admin_user):
    lead = LeadFactory(owner=rep)
    sharing.share(rep, lead, who=other_rep, level="view")
    services.user_deactivate(actor=admin_user, user=other_rep)
    assert not policy.can_view(fresh(other_rep), lead)
    with pytest.raises(ValidationError, match="deactivated"):
        sharing.share(rep, lead, who=fresh(other_rep), level="view")


def test_who_may_share(rep, other_rep, manager, support, read_only, admin_user):
    lead = LeadFactory(owner=rep)
    assert sharing.may_share(rep, lead)  # the owner
    assert sharing.may_share(manager, lead)  # the owner's manager (team scope, may change)
    assert sharing.may_share(admin_user, lead)
    for person in (other_rep, support, read_only):  # cannot see, or may not change leads
        assert not sharing.may_share(person, lead)
    sharing.share(rep, lead, who=other_rep, level="edit")
    assert not sharing.may_share(fresh(other_rep), lead)  # an edit share is not a role's
    with pytest.raises(PermissionDenied):
        sharing.share(fresh(other_rep), lead, who=support, level="view")


def test_sharing_with_the_owner_or_at_an_unknown_level_is_refused(rep, other_rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError, match="owns this lead already"):
        sharing.share(rep, lead, who=rep, level="view")
    with pytest.raises(ValidationError, match="view or edit"):
        sharing.share(rep, lead, who=other_rep, level="admin")
    assert sharing.shares_of(lead) == []


def test_deleting_the_record_or_the_team_removes_its_shares(rep, other_rep, emea, admin_user):
    from deals.models import DealGroupObjectPermission, DealUserObjectPermission

    deal, kept = DealFactory(owner=rep), DealFactory(owner=rep)
    sharing.share(rep, deal, who=other_rep, level="view")
    sharing.share(rep, kept, who=emea, level="view")
    deal.delete()
    assert not DealUserObjectPermission.objects.exists()
    User.objects.filter(team=emea).update(team=None)
    services.team_delete(actor=admin_user, team=emea)
    assert not DealGroupObjectPermission.objects.exists()


def test_lists_read_shares_in_a_fixed_number_of_queries(rep, other_rep, django_assert_num_queries):
    leads = LeadFactory.create_batch(3, owner=rep)
    for lead in leads[:1]:
        sharing.share(rep, lead, who=other_rep, level="view")
    policy.visible(Lead.objects.all(), fresh(other_rep)).count()  # their grants, now cached
    other = fresh(other_rep)
    with django_assert_num_queries(2) as few:  # the shares (one union), then the leads
        assert len(policy.visible(Lead.objects.all(), other)) == 1
    baseline = len(few)
    more = LeadFactory.create_batch(20, owner=rep)
    for lead in more:
        sharing.share(rep, lead, who=other_rep, level="edit")
    other = fresh(other_rep)
    with django_assert_num_queries(baseline):
        assert len(policy.visible(Lead.objects.all(), other)) == 21


# ---------------------------------------------------------------- over HTTP


def test_the_owner_shares_from_the_record_page_and_revokes(client_for, rep, other_rep):
    lead = LeadFactory(owner=rep)
    client = client_for(rep)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "Share with" in page
    response = client.post(SHARE, post("lead", lead, f"user:{other_rep.pk}", "edit"))
    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    page = client.get(lead.get_absolute_url()).content.decode()
    assert f'aria-label="Stop sharing with {other_rep}"' in page
    assert "Can edit" in page
    assert client_for(other_rep).get(lead.get_absolute_url()).status_code == 200
    client = client_for(rep)
    client.post(UNSHARE, {"record": "lead", "id": lead.pk, "who": f"user:{other_rep.pk}"})
    assert client_for(other_rep).get(lead.get_absolute_url()).status_code == 404


def test_sharing_a_record_one_cannot_see_is_a_404_and_one_cannot_change_a_403(
    client_for, rep, other_rep, support, read_only
):
    lead = LeadFactory(owner=rep)
    data = post("lead", lead, f"user:{support.pk}")
    assert client_for(other_rep).post(SHARE, data).status_code == 404
    assert client_for(support).post(SHARE, data).status_code == 403
    assert client_for(read_only).post(SHARE, data).status_code == 403
    assert client_for(None).post(SHARE, data).status_code == 302  # to sign in
    company = CompanyFactory(owner=rep)
    page = client_for(read_only).get(company.get_absolute_url()).content.decode()
    assert "Share with" not in page  # no panel for who may not share
    assert sharing.shares_of(lead) == []


def test_bad_share_input_is_a_400_with_a_message(client_for, rep, other_rep):
    lead = LeadFactory(owner=rep)
    client = client_for(rep)
    assert client.post(SHARE, post("ticket", lead, f"user:{other_rep.pk}")).status_code == 400
    assert client.post(SHARE, post("lead", lead, "user:999999")).status_code == 400
    refused = client.post(SHARE, post("lead", lead, f"user:{rep.pk}"))
    assert refused.status_code == 400
    assert "Riley Rep owns this lead already." in refused.content.decode()
    assert client.post(UNSHARE, {"record": "lead", "id": lead.pk, "who": "x"}).status_code == 400
    assert sharing.shares_of(lead) == []


def test_a_manager_shares_a_team_record_with_a_team(client_for, manager, rep, other_rep, emea):
    deal = DealFactory(owner=rep)
    response = client_for(manager).post(SHARE, post("deal", deal, f"team:{emea.pk}"))
    assert response.status_code == 302
    assert client_for(other_rep).get(deal.get_absolute_url()).status_code == 200
    page = client_for(manager).get(deal.get_absolute_url()).content.decode()
    assert "EMEA" in page
    assert "(team)" in page


def test_shares_say_who_shared_them_and_when_and_publish_events(client_for, rep, other_rep):
    from crm.models import Event

    lead = LeadFactory(owner=rep)
    sharing.share(rep, lead, who=other_rep, level="edit")
    [share] = sharing.shares_of(lead)
    assert share.by == "Riley Rep"
    assert share.at is not None
    page = client_for(rep).get(lead.get_absolute_url()).content.decode()
    assert "Shared by Riley Rep" in page
    sharing.unshare(rep, lead, who=other_rep)
    events = Event.objects.filter(type__startswith="record.").order_by("pk")
    assert [(e.type, e.payload) for e in events] == [
        (
            "record.shared",
            {
                "record_type": "leads.lead",
                "record_id": lead.pk,
                "user_id": other_rep.pk,
                "team_id": None,
                "level": "edit",
            },
        ),
        (
            "record.unshared",
            {
                "record_type": "leads.lead",
                "record_id": lead.pk,
                "user_id": other_rep.pk,
                "team_id": None,
            },
        ),
    ]


def test_many_shares_filter_by_a_subquery_with_the_same_rows(rep, other_rep, emea, monkeypatch):
    mine = LeadFactory(owner=other_rep)
    direct, by_team, hidden = (LeadFactory(owner=rep) for _ in range(3))
    sharing.share(rep, direct, who=other_rep, level="view")
    sharing.share(rep, by_team, who=emea, level="edit")
    expected = {mine, direct, by_team}
    assert set(policy.visible(Lead.objects.all(), fresh(other_rep))) == expected
    monkeypatch.setattr(policy, "SHARES_AS_SUBQUERY", 0)
    queryset = policy.visible(Lead.objects.all(), fresh(other_rep))
    assert "IN (SELECT" in str(queryset.query).upper()
    assert set(queryset) == expected
    assert hidden not in set(queryset)


def test_the_share_finder_narrows_people_and_teams(client_for, rep, other_rep, emea):
    client = client_for(rep)
    page = client.get(LeadFactory(owner=rep).get_absolute_url()).content.decode()
    assert '<label for="sharing-lead-' in page
    found = client.get(reverse("accounts:record-share-people"), {"q": "SAM"}).content.decode()
    assert f'value="user:{other_rep.pk}"' in found
    assert f'value="user:{rep.pk}"' not in found
    found = client.get(reverse("accounts:record-share-people"), {"q": "emea"}).content.decode()
    assert f'value="team:{emea.pk}"' in found
    found = client.get(reverse("accounts:record-share-people"), {"q": "rep2@"}).content.decode()
    assert f'value="user:{other_rep.pk}"' in found  # by email too
    nobody = client.get(reverse("accounts:record-share-people"), {"q": "zzz"}).content.decode()
    assert "Nobody matches" in nobody
