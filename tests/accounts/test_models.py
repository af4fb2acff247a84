import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts import roles
from accounts.models import Role, User
from tests.accounts.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_emails_are_stored_lower_case_and_unique_whatever_the_case():
    user = User.objects.create_user("Riley@Example.TEST", "pw", full_name="Riley")
    assert user.email == "riley@example.test"
    with pytest.raises(IntegrityError):
        User.objects.create_user("RILEY@example.test", "pw", full_name="Twin")


def test_sign_in_lookup_ignores_case():
    user = UserFactory(email="sam@example.test")
    assert User.objects.get_by_natural_key("SAM@Example.test") == user


def test_a_superuser_created_from_the_shell_holds_the_admin_role():
    user = User.objects.create_superuser("root@example.test", "pw", full_name="Root")
    assert [role.slug for role in user.roles] == [roles.ADMIN]
    assert user.is_staff
    assert user.is_superuser


def test_roles_are_listed_most_powerful_first_and_plain_groups_are_ignored():
    user = UserFactory(role=roles.SALES_REP)
    user.groups.add(Role.objects.get(slug=roles.SALES_MANAGER).group, GroupFactory())
    user = User.objects.prefetch_related("groups__role").get(pk=user.pk)
    assert [role.slug for role in user.roles] == [roles.SALES_MANAGER, roles.SALES_REP]
    assert user.primary_role.slug == roles.SALES_MANAGER


def test_the_standard_roles_exist_after_migrating():
    assert list(Role.objects.values_list("slug", flat=True)) == [
        roles.ADMIN,
        roles.SALES_MANAGER,
        roles.SALES_REP,
        roles.SUPPORT_AGENT,
        roles.READ_ONLY,
    ]
    assert all(Role.objects.values_list("is_system", flat=True))


def test_standard_permissions_per_role():
    admin = UserFactory(role=roles.ADMIN)
    manager = UserFactory(role=roles.SALES_MANAGER)
    rep = UserFactory(role=roles.SALES_REP)
    assert admin.has_perm("crm.view_system_status")
    assert admin.has_perm("accounts.change_user")
    assert manager.has_perm("accounts.view_user")
    assert not manager.has_perm("crm.view_system_status")
    assert rep.has_perm("accounts.view_team")
    assert not rep.has_perm("accounts.view_user")


def test_installing_the_standard_roles_again_changes_nothing():
    from django.apps import apps

    before = list(Role.objects.values_list("slug", "group_id"))
    roles.install_standard_roles(apps)
    assert list(Role.objects.values_list("slug", "group_id")) == before


def test_time_zone_must_be_a_real_one():
    user = UserFactory.build(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError, match="not a known time zone"):
        user.full_clean(exclude=["password"])


def test_names_and_initials():
    user = UserFactory.build(full_name="Riley Ann Rep", email="r@example.test")
    assert (user.get_short_name(), user.initials, str(user)) == ("Riley", "RA", "Riley Ann Rep")
    nameless = UserFactory.build(full_name="", email="r@example.test")
    assert (nameless.get_full_name(), nameless.initials) == ("r@example.test", "R")
