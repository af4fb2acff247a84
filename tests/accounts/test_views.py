"""Sign-in pages (allauth), each role's home, the profile and the theme switch."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts import roles
from crm.models import Event
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
HOME = reverse("accounts:home")


# ---------------------------------------------------------------- signing in and out


def test_sign_in_with_email_and_password_lands_on_home(client, rep):
    response = client.post(
        reverse("account_login"), {"login": "REP@example.test", "password": "pw-for-tests"}
    )
    assert response.status_code == 302
    assert response["Location"] == HOME
    event = Event.objects.get(type="user.logged_in")
    assert event.actor == rep
    assert event.payload["ip"] == "127.0.0.1"


def test_a_wrong_password_is_refused_with_a_message(client, rep):
    response = client.post(reverse("account_login"), {"login": rep.email, "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_user_cannot_sign_in(client, rep):
    rep.is_active = False
    rep.save()
    response = client.post(
        reverse("account_login"), {"login": rep.email, "password": "pw-for-tests"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


def test_there_is_no_self_signup(client):
    response = client.get("/accounts/signup/")
    assert response.status_code in (302, 404)


def test_sign_out_is_a_post_and_an_event(client_for, rep):
    client = client_for(rep)
    response = client.post(reverse("account_logout"))
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(type="user.logged_out", actor=rep).exists()


def test_password_reset_by_email_then_sign_in_with_the_new_password(client, rep):
    client.post(reverse("account_reset_password"), {"email": rep.email})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[Keel]")
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)
    response = client.post(
        action, {"password1": "a-new-long-pass-42", "password2": "a-new-long-pass-42"}
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("a-new-long-pass-42")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response["Location"] == reverse("account_reset_password_done")
    assert mail.outbox == []


def test_password_change(client_for, rep):
    client = client_for(rep)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "pw-for-tests",
            "password1": "brand-new-pass-77",
            "password2": "brand-new-pass-77",
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("brand-new-pass-77")


# ---------------------------------------------------------------- each role's home


@pytest.mark.parametrize(
    ("persona", "template", "text"),
    [
        ("admin_user", "accounts/home_admin.html", "Recent sign-ins"),
        ("manager", "accounts/home_manager.html", "Signed in this week"),
        ("rep", "accounts/home.html", "Your recent activity"),
        ("support", "accounts/home.html", "You are not on a team"),
        ("read_only", "accounts/home.html", "Read-only"),
    ],
)
def test_each_role_lands_on_its_home(request, client_for, persona, template, text):
    response = client_for(request.getfixturevalue(persona)).get(HOME)
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    assert text in response.content.decode()


def test_the_team_card_shows_teammates_not_other_teams(client_for, rep, manager, other_rep):
    html = client_for(rep).get(HOME).content.decode()
    assert "Morgan Manager" in html
    assert "Sam Second" not in html


def test_the_admin_home_counts_roles_and_teams(client_for, admin_user, rep, other_rep, manager):
    response = client_for(admin_user).get(HOME)
    counts = {role.slug: role.active_users for role in response.context["role_counts"]}
    assert counts[roles.SALES_REP] == 2
    assert counts[roles.ADMIN] == 1
    assert {team.name: team.member_count for team in response.context["teams"]} == {
        "EMEA": 1,
        "North America": 2,
    }


def test_home_query_count_does_not_grow_with_the_team(
    client_for, manager, north, django_assert_max_num_queries
):
    client = client_for(manager)
    UserFactory(team=north, role=roles.SALES_REP)
    with django_assert_max_num_queries(30) as first:
        client.get(HOME)
    for _ in range(15):
        UserFactory(team=north, role=roles.SALES_REP)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(HOME)


def test_times_are_shown_in_the_users_zone(client_for, rep):
    rep.timezone = "Asia/Tokyo"
    rep.save()
    assert "Asia/Tokyo" in client_for(rep).get(HOME).content.decode()


# ---------------------------------------------------------------- profile and theme


def test_profile_saves_and_redirects(client_for, rep):
    client = client_for(rep)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "  Riley   Rep ", "timezone": "America/Chicago", "theme": "dark"},
    )
    assert response["Location"] == reverse("accounts:profile")
    rep.refresh_from_db()
    assert (rep.full_name, rep.timezone, rep.theme) == ("Riley Rep", "America/Chicago", "dark")
    assert "Profile saved." in client.get(reverse("accounts:profile")).content.decode()


def test_profile_with_bad_input_answers_400_and_changes_nothing(client_for, rep):
    response = client_for(rep).post(
        reverse("accounts:profile"), {"full_name": "   ", "timezone": "Mars/Base", "theme": "neon"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Select a valid choice" in html
    rep.refresh_from_db()
    assert rep.full_name == "Riley Rep"


def test_profile_fields_are_labelled(client_for, rep):
    html = client_for(rep).get(reverse("accounts:profile")).content.decode()
    for field in ("id_full_name", "id_timezone"):
        assert f'<label for="{field}">' in html


def test_theme_switch_from_htmx_answers_no_content(client_for, rep):
    response = client_for(rep).post(
        reverse("accounts:theme"), {"theme": "dark"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    rep.refresh_from_db()
    assert rep.theme == "dark"


def test_theme_switch_without_javascript_returns_to_the_page(client_for, rep):
    client = client_for(rep)
    response = client.post(
        reverse("accounts:theme"), {"theme": "light", "next": "/accounts/profile/"}
    )
    assert response["Location"] == "/accounts/profile/"
    response = client.post(
        reverse("accounts:theme"), {"theme": "light", "next": "https://evil.test/"}
    )
    assert response["Location"] == HOME


def test_theme_switch_refuses_unknown_themes(client_for, rep):
    response = client_for(rep).post(reverse("accounts:theme"), {"theme": "neon"})
    assert response.status_code == 400
    rep.refresh_from_db()
    assert rep.theme == "system"


def test_the_chosen_theme_is_on_every_page(client_for, rep):
    rep.theme = "dark"
    rep.save()
    assert '<html lang="en" data-theme="dark">' in client_for(rep).get(HOME).content.decode()
