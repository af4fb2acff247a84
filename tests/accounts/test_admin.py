"""Users, teams and roles are manageable in the Django admin."""

import pytest
from django.urls import reverse

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "name",
    [
        "accounts_user_changelist",
        "accounts_team_changelist",
        "accounts_role_changelist",
        "accounts_user_add",
        "accounts_team_add",
        "accounts_role_add",
        "crm_event_changelist",
        "crm_delivery_changelist",
        "crm_heartbeat_changelist",
    ],
)
def test_admin_pages_open(staff_client, name, rep, north):
    assert staff_client.get(reverse(f"admin:{name}")).status_code == 200


def test_user_change_page_opens(staff_client, rep):
    assert staff_client.get(reverse("admin:accounts_user_change", args=[rep.pk])).status_code == 200


def test_an_admin_creates_a_user_with_a_role(staff_client, north):
    rep_group = Role.objects.get(slug="sales_rep").group
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Example.test",
            "full_name": "New Person",
            "team": north.pk,
            "groups": [rep_group.pk],
            "password1": "a-strong-pass-123",
            "password2": "a-strong-pass-123",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.person@example.test")
    assert (user.team, [r.slug for r in user.roles]) == (north, ["sales_rep"])


def test_a_custom_role_gets_its_own_group_and_system_roles_cannot_be_deleted(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_role_add"),
        {"name": "Partner manager", "slug": "partner_manager", "description": "", "rank": 60},
    )
    assert response.status_code == 302
    role = Role.objects.get(slug="partner_manager")
    assert role.group.name == "Partner manager"
    system = Role.objects.get(slug="admin")
    assert (
        staff_client.get(reverse("admin:accounts_role_delete", args=[system.pk])).status_code == 403
    )


def test_the_user_list_reads_roles_without_a_query_per_user(
    staff_client, django_assert_max_num_queries
):
    from tests.accounts.factories import UserFactory

    for _ in range(3):
        UserFactory(role="sales_rep")
    with django_assert_max_num_queries(25) as few:
        staff_client.get(reverse("admin:accounts_user_changelist"))
    for _ in range(15):
        UserFactory(role="sales_rep")
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(reverse("admin:accounts_user_changelist"))
