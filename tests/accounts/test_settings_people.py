"""Settings, Users and Teams: invite, change roles and teams, deactivate (signed out
everywhere at once), records following their owner's team."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import roles, services
from accounts.models import AuditEntry, Role, Team, User, UserSession
from crm.models import Event
from tests.accounts.factories import TeamFactory, UserFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
USERS = reverse("accounts:user-list")
NEW_USER = reverse("accounts:user-create")
TEAMS = reverse("accounts:team-list")
HOME = reverse("accounts:home")


def role(slug: str) -> Role:
    return Role.objects.get(slug=slug)


def person_url(person: User, name: str = "user-detail") -> str:
    return reverse(f"accounts:{name}", args=[person.pk])


def form_of(person: User, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "full_name": person.full_name,
        "email": person.email,
        "team": person.team_id or "",
        "roles": [r.pk for r in person.roles],
    }
    if person.is_staff:
        data["is_staff"] = "on"
    data.update(overrides)
    return data


def rows(page: str) -> str:
    """The table body of a page (the shell around it names the signed-in admin)."""
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def signed_in(user: User) -> Client:
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "pw-for-tests"}
    )
    assert response.status_code == 302
    return client


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["manager", "rep", "support", "read_only"])
def test_only_admins_reach_the_people_pages(request, client_for, who, other_rep, north):
    client = client_for(request.getfixturevalue(who))
    for url in (USERS, NEW_USER, person_url(other_rep), TEAMS):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(person_url(other_rep, "user-status"), {"action": "deactivate"}).status_code
        == 403
    )
    assert client.post(TEAMS, {"name": "Mine"}).status_code == 403
    other_rep.refresh_from_db()
    assert other_rep.is_active
    assert not Team.objects.filter(name="Mine").exists()


def test_anonymous_is_sent_to_sign_in(client_for):
    assert client_for(None).get(USERS).status_code == 302


def test_an_unknown_person_or_team_answers_404(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get("/settings/users/999999/").status_code == 404
    assert client.get("/settings/teams/999999/").status_code == 404


# ---------------------------------------------------------------- users list


def test_the_list_filters_by_words_role_team_and_status(client_for, admin_user, rep, other_rep):
    gone = UserFactory(full_name="Gone Person", is_active=False, role=roles.SALES_REP)
    client = client_for(admin_user)
    page = client.get(USERS).content.decode()
    assert all(p.full_name in page for p in (rep, other_rep, gone, admin_user))
    page = rows(
        client.get(USERS, {"role": role(roles.SALES_REP).pk, "status": "active"}).content.decode()
    )
    assert rep.full_name in page
    assert other_rep.full_name in page
    assert gone.full_name not in page
    assert admin_user.full_name not in page
    page = rows(client.get(USERS, {"team": other_rep.team_id}).content.decode())
    assert other_rep.full_name in page
    assert rep.full_name not in page
    page = rows(client.get(USERS, {"q": "riley rep"}).content.decode())
    assert rep.full_name in page
    assert other_rep.full_name not in page
    assert client.get(USERS, {"role": "nope"}).status_code == 400


def test_the_list_reads_a_fixed_number_of_queries(
    client_for, admin_user, north, django_assert_max_num_queries
):
    client = client_for(admin_user)
    client.get(USERS)
    with django_assert_max_num_queries(14) as few:
        client.get(USERS)
    baseline = len(few)
    for _ in range(20):
        UserFactory(team=north, role=roles.SALES_REP)
    client.get(USERS)  # new people moved the grants' stamp: the admin's are read again once
    with django_assert_max_num_queries(baseline):
        assert client.get(USERS).status_code == 200


def test_the_list_pages_by_fifty(client_for, admin_user):
    UserFactory.create_batch(55)
    client = client_for(admin_user)
    first = client.get(USERS).content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in client.get(USERS, {"page": 2}).content.decode()


# ---------------------------------------------------------------- adding people


def test_adding_a_person_invites_them_and_the_link_sets_their_password(
    client_for, admin_user, north, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            NEW_USER,
            {
                "full_name": "Nova New",
                "email": "Nova@Example.test",
                "team": north.pk,
                "roles": [role(roles.SALES_REP).pk],
                "invite": "on",
            },
        )
    nova = User.objects.get(email="nova@example.test")
    assert response.status_code == 302
    assert response.url == person_url(nova)
    assert (nova.team, [r.slug for r in nova.roles]) == (north, [roles.SALES_REP])
    assert not nova.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nova@example.test"]
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    anonymous = Client()
    form_page = anonymous.get(link, follow=True)
    assert form_page.status_code == 200
    done = anonymous.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "a-Long-new-pass-42", "password2": "a-Long-new-pass-42"},
    )
    assert done.status_code == 302
    nova.refresh_from_db()
    assert nova.check_password("a-Long-new-pass-42")
    assert AuditEntry.objects.filter(action="user.created", object_id=str(nova.pk)).exists()
    assert Event.objects.filter(type="user.created", payload__user_id=nova.pk).exists()


def test_a_taken_email_or_no_role_is_refused_and_nobody_is_made(client_for, admin_user, rep):
    client = client_for(admin_user)
    before = User.objects.count()
    taken = client.post(
        NEW_USER,
        {"full_name": "X", "email": "REP@example.test", "roles": [role(roles.SALES_REP).pk]},
    )
    assert taken.status_code == 400
    assert "rep@example.test already belongs to someone." in taken.content.decode()
    assert client.post(NEW_USER, {"full_name": "X", "email": "x@example.test"}).status_code == 400
    assert User.objects.count() == before
    assert not mail.outbox


def test_nobody_hands_out_rights_they_do_not_hold(admin_user, north):
    # someone who may manage users but holds only a rep's record rights
    hr_role = services.role_create(actor=admin_user, name="People team")
    services.role_update(
        actor=admin_user,
        role=hr_role,
        name=hr_role.name,
        description="",
        grants=set(),
        capabilities={"users"},
        scopes={},
    )
    hr = UserFactory()
    hr.groups.set([hr_role.group])
    with pytest.raises(services.ValidationError, match="holds rights you do not"):
        services.user_create(
            actor=hr,
            email="x@example.test",
            full_name="X",
            team=None,
            roles_given=[role(roles.ADMIN)],
        )
    assert not User.objects.filter(email="x@example.test").exists()


# ---------------------------------------------------------------- changing people


def test_changing_roles_and_name_is_audited_and_applies_on_the_next_request(
    client_for, admin_user, rep
):
    rep_client = signed_in(rep)
    assert rep_client.get(USERS).status_code == 403
    response = client_for(admin_user).post(
        person_url(rep), form_of(rep, full_name="Riley Boss", roles=[role(roles.ADMIN).pk])
    )
    assert response.status_code == 302
    assert rep_client.get(USERS).status_code == 200  # new rights, same session
    entry = AuditEntry.objects.get(action="user.changed", object_id=str(rep.pk))
    assert entry.changes["roles"] == [["Sales rep"], ["Admin"]]
    assert entry.changes["full_name"] == ["Riley Rep", "Riley Boss"]


def test_the_last_admin_keeps_the_admin_role_and_cannot_be_deactivated(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(
        person_url(admin_user), form_of(admin_user, roles=[role(roles.SALES_REP).pk])
    )
    assert response.status_code == 400
    assert "You would lose your own right to manage users" in response.content.decode()
    second = UserFactory(role=roles.ADMIN)
    response = client_for(second).post(
        person_url(admin_user, "user-status"), {"action": "deactivate"}
    )
    assert response.status_code == 302  # another admin remains: allowed
    with pytest.raises(services.ValidationError, match="last active admin"):
        services.user_deactivate(actor=admin_user, user=second)


def test_nobody_deactivates_themselves(client_for, admin_user):
    UserFactory(role=roles.ADMIN)
    response = client_for(admin_user).post(
        person_url(admin_user, "user-status"), {"action": "deactivate"}
    )
    assert response.status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_deactivating_signs_the_person_out_everywhere_and_reactivating_lets_them_back(
    client_for, admin_user, rep
):
    laptop, phone = signed_in(rep), signed_in(rep)
    assert UserSession.objects.filter(user=rep).count() == 2
    response = client_for(admin_user).post(person_url(rep, "user-status"), {"action": "deactivate"})
    assert response.status_code == 302
    assert laptop.get(HOME).status_code == 302
    assert phone.get(HOME).status_code == 302
    assert not UserSession.objects.filter(user=rep).exists()
    refused = Client().post(
        reverse("account_login"), {"login": rep.email, "password": "pw-for-tests"}
    )
    assert (refused.status_code, refused.url) == (302, reverse("account_inactive"))
    entry = AuditEntry.objects.get(action="user.deactivated")
    assert entry.changes == {"sessions_ended": 2}
    client_for(admin_user).post(person_url(rep, "user-status"), {"action": "reactivate"})
    assert signed_in(rep).get(HOME).status_code == 200
    assert AuditEntry.objects.filter(action="user.reactivated").exists()


def test_an_unknown_status_action_is_a_400(client_for, admin_user, rep):
    response = client_for(admin_user).post(person_url(rep, "user-status"), {"action": "delete"})
    assert response.status_code == 400
    rep.refresh_from_db()
    assert rep.is_active


def test_an_admin_sends_a_password_link(
    client_for, admin_user, rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(person_url(rep, "user-password-reset"))
    assert response.status_code == 302
    assert mail.outbox[0].to == [rep.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    rep.refresh_from_db()
    assert rep.check_password("pw-for-tests")  # the old one works until the link is used
    assert AuditEntry.objects.filter(action="user.password_reset_sent").exists()


# ---------------------------------------------------------------- teams


def test_moving_a_person_moves_their_records_to_the_new_team(
    client_for, admin_user, rep, manager, emea, django_capture_on_commit_callbacks
):
    lead, deal = LeadFactory(owner=rep), DealFactory(owner=rep)
    someone_elses = LeadFactory(owner=manager)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(person_url(rep), form_of(rep, team=emea.pk))
    lead.refresh_from_db(), deal.refresh_from_db(), someone_elses.refresh_from_db()
    assert (lead.team_id, deal.team_id) == (emea.pk, emea.pk)
    assert someone_elses.team_id == manager.team_id
    moved = AuditEntry.objects.filter(action="records.bulk_updated")
    assert {e.object_type for e in moved} >= {"leads.lead", "deals.deal"}
    assert services.user_records_follow_team(user_id=rep.pk) == 0  # idempotent


def test_records_follow_in_batches(rep, emea):
    LeadFactory.create_batch(7, owner=rep)
    User.objects.filter(pk=rep.pk).update(team=emea)
    assert services.user_records_follow_team(user_id=rep.pk, batch=3) == 7
    from leads.models import Lead

    assert set(Lead.objects.values_list("team_id", flat=True)) == {emea.pk}


def test_teams_are_created_renamed_joined_left_and_deleted(
    client_for, admin_user, rep, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    response = client.post(TEAMS, {"name": "APAC", "description": "Asia and Pacific"})
    apac = Team.objects.get(name="APAC")
    assert response.status_code == 302
    url = reverse("accounts:team-detail", args=[apac.pk])
    assert client.post(TEAMS, {"name": "apac"}).status_code == 400  # taken
    assert client.post(url, {"action": "rename", "name": "Asia Pacific"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "add", "user": rep.pk}).status_code == 302
    rep.refresh_from_db()
    assert rep.team == apac
    page = client.get(url).content.decode()
    assert f'aria-label="Take {rep} out of Asia Pacific"' in page
    delete = reverse("accounts:team-delete", args=[apac.pk])
    assert client.post(delete).status_code == 400  # rep is still on it
    client.post(url, {"action": "remove", "user": rep.pk})
    rep.refresh_from_db()
    assert rep.team is None
    assert client.post(delete).status_code == 302
    assert not Team.objects.filter(pk=apac.pk).exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="team.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["team.created", "team.changed", "team.deleted"]


def test_removing_someone_not_on_the_team_is_a_400(client_for, admin_user, other_rep, north):
    url = reverse("accounts:team-detail", args=[north.pk])
    response = client_for(admin_user).post(url, {"action": "remove", "user": other_rep.pk})
    assert response.status_code == 400
    other_rep.refresh_from_db()
    assert other_rep.team is not None


def test_the_team_page_reads_a_fixed_number_of_queries(
    client_for, admin_user, north, django_assert_max_num_queries
):
    client = client_for(admin_user)
    url = reverse("accounts:team-detail", args=[north.pk])
    UserFactory(team=north, role=roles.SALES_REP)
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        client.get(url)
    baseline = len(few)
    for _ in range(10):
        UserFactory(team=north, role=roles.SALES_REP)
        UserFactory(team=TeamFactory(), role=roles.SALES_REP)
    client.get(url)  # the grants' stamp moved: read once again
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200
