"""Settings, Roles: custom roles, the matrix of rights and scopes, and who may change them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import policy, rbac, roles, services
from accounts.models import AuditEntry, Role, Scope
from tests.accounts.factories import UserFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
ROLES = reverse("accounts:role-list")
NEW = reverse("accounts:role-create")


def detail(role: Role) -> str:
    return reverse("accounts:role-detail", args=[role.pk])


def matrix_post(role: Role, **overrides: object) -> dict[str, object]:
    """The role page's form as it stands, with ``overrides`` (field name -> value; False
    leaves a checkbox unticked)."""
    held = {
        f"{a}.{c}"
        for a, c in role.group.permissions.values_list("content_type__app_label", "codename")
    }
    data: dict[str, object] = {"name": role.name, "description": role.description}
    for entity in rbac.entities():
        for action, _ in entity.actions():
            if entity.permission(action) in held:
                data[f"{entity.label}:{action}"] = "on"
        data[f"{entity.label}:scope"] = role.scope_of(entity.label).value
        for name in entity.fields:
            data[f"field:{entity.label}:{name}"] = role.field_level(entity.label, name).value
    for capability in rbac.capabilities():
        if set(capability.permissions) <= held:
            data[f"capability:{capability.key}"] = "on"
    for name, value in overrides.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_the_roles_page_lists_standard_and_custom_roles_with_their_holders(
    client_for, admin_user, rep, other_rep
):
    services.role_create(actor=admin_user, name="Partner manager")
    page = client_for(admin_user).get(ROLES).content.decode()
    for name in ("Admin", "Sales manager", "Sales rep", "Support agent", "Read-only"):
        assert name in page
    assert "Partner manager" in page
    assert 'aria-label="2 people hold Sales rep"' in page


def test_only_who_may_manage_roles_opens_the_pages(client_for, manager, rep, support, read_only):
    role = Role.objects.get(slug=roles.SALES_REP)
    for person in (manager, rep, support, read_only):
        client = client_for(person)
        assert client.get(ROLES).status_code == 403
        assert client.get(detail(role)).status_code == 403
        assert client.post(detail(role), matrix_post(role)).status_code == 403
    assert client_for(None).get(ROLES).status_code == 302


def test_creating_a_role_from_another_copies_its_rights_and_scopes(client_for, admin_user):
    response = client_for(admin_user).post(
        NEW,
        {
            "name": "Key accounts",
            "description": "Big customers",
            "copy_from": Role.objects.get(slug=roles.SALES_MANAGER).pk,
        },
    )
    role = Role.objects.get(name="Key accounts")
    assert response.status_code == 302
    assert response.url == detail(role)
    assert role.group.permissions.filter(codename="delete_deal").exists()
    assert role.scope_of("deals.deal") == Scope.TEAM
    assert not role.is_system
    entry = AuditEntry.objects.get(action="role.created")
    assert entry.changes["copied_from"] == "Sales manager"


def test_a_role_name_taken_is_refused_with_a_message_and_nothing_made(client_for, admin_user):
    before = Role.objects.count()
    response = client_for(admin_user).post(NEW, {"name": "  sales REP "})
    assert response.status_code == 400
    assert "There is already a role or group called sales REP." in response.content.decode()
    assert Role.objects.count() == before


def test_the_matrix_names_every_control(client_for, admin_user):
    role = services.role_create(actor=admin_user, name="Partner manager")
    page = client_for(admin_user).get(detail(role)).content.decode()
    assert 'aria-label="Leads: Export"' in page
    assert 'aria-label="Leads: Convert"' in page
    assert 'aria-label="Deals: visibility"' in page
    assert 'aria-label="Tasks: Bulk edit"' in page
    assert "Invite people, change their roles" in page


def test_saving_the_matrix_grants_revokes_and_sets_scopes_and_is_audited(
    client_for, admin_user, rep, other_rep
):
    role = services.role_create(
        actor=admin_user, name="Partners", copy_from=Role.objects.get(slug=roles.SALES_REP)
    )
    partner = UserFactory(team=rep.team)
    partner.groups.set([role.group])
    theirs = LeadFactory(owner=other_rep)
    response = client_for(admin_user).post(
        detail(role),
        matrix_post(
            role,
            **{
                "leads.lead:export": False,
                "leads.lead:delete": "on",
                "leads.lead:scope": "all",
                "capability:teams": "on",
            },
        ),
    )
    assert response.status_code == 302
    partner = type(partner).objects.get(pk=partner.pk)
    assert partner.has_perm("leads.delete_lead")
    assert not partner.has_perm("leads.export_lead")
    assert partner.has_perm("accounts.change_team")
    assert policy.can_view(partner, theirs)  # the scope reaches everyone's leads now
    entry = AuditEntry.objects.get(action="role.changed")
    assert "leads.delete_lead" in entry.changes["granted"]
    assert "leads.export_lead" in entry.changes["revoked"]
    assert entry.changes["scope.leads.lead"] == ["own", "all"]


def test_an_unknown_scope_is_refused_and_nothing_changes(client_for, admin_user):
    role = Role.objects.get(slug=roles.SALES_REP)
    response = client_for(admin_user).post(
        detail(role), matrix_post(role, **{"deals.deal:scope": "galaxy", "deals.deal:delete": "on"})
    )
    assert response.status_code == 400
    role.refresh_from_db()
    assert role.scope_of("deals.deal") == Scope.OWN
    assert not role.group.permissions.filter(codename="delete_deal").exists()


def test_the_admin_role_keeps_every_right_whatever_is_posted(client_for, admin_user):
    role = Role.objects.get(slug=roles.ADMIN)
    before = role.group.permissions.count()
    page = client_for(admin_user).get(detail(role)).content.decode()
    assert "its rights cannot be narrowed" in page
    assert 'name="leads.lead:view"' in page
    assert "disabled" in page
    response = client_for(admin_user).post(
        detail(role), {"name": "Administrators", "description": "", "leads.lead:view": ""}
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.name == "Administrators"
    assert role.group.permissions.count() == before


def test_nobody_takes_away_their_own_right_to_manage_roles(admin_user):
    keeper = services.role_create(
        actor=admin_user, name="Role keepers", copy_from=Role.objects.get(slug=roles.ADMIN)
    )
    only_keeper = UserFactory()
    only_keeper.groups.set([keeper.group])
    with pytest.raises(services.ValidationError, match="your own right to manage roles"):
        services.role_update(
            actor=only_keeper,
            role=keeper,
            name=keeper.name,
            description="",
            grants=set(),
            capabilities={"users"},
        )
    assert keeper.group.permissions.filter(codename="change_role").exists()


def test_a_viewer_of_roles_sees_the_matrix_but_cannot_save_it(client_for, admin_user):
    auditor_role = services.role_create(actor=admin_user, name="Auditors")
    services.role_update(
        actor=admin_user,
        role=auditor_role,
        name="Auditors",
        description="",
        grants=set(),
        capabilities=set(),
    )
    auditor_role.group.permissions.add(
        *services._permission_rows({"accounts.view_role"})  # read the roles, change nothing
    )
    auditor = UserFactory()
    auditor.groups.set([auditor_role.group])
    role = Role.objects.get(slug=roles.SALES_REP)
    client = client_for(auditor)
    page = client.get(detail(role)).content.decode()
    assert "Save role" not in page
    assert client.post(detail(role), matrix_post(role)).status_code == 403


def test_a_held_role_cannot_be_deleted_and_a_free_one_can(client_for, admin_user, rep):
    client = client_for(admin_user)
    rep_role = Role.objects.get(slug=roles.SALES_REP)
    response = client.post(reverse("accounts:role-delete", args=[rep_role.pk]))
    assert response.status_code == 400
    assert Role.objects.filter(pk=rep_role.pk).exists()
    spare = services.role_create(actor=admin_user, name="Spare")
    holder = UserFactory()
    holder.groups.set([spare.group])
    assert client.post(reverse("accounts:role-delete", args=[spare.pk])).status_code == 400
    holder.groups.clear()
    response = client.post(reverse("accounts:role-delete", args=[spare.pk]))
    assert response.status_code == 302
    assert not Role.objects.filter(pk=spare.pk).exists()
    assert AuditEntry.objects.filter(action="role.deleted", object_label="Spare").exists()


def test_an_unknown_role_answers_404(client_for, admin_user):
    assert client_for(admin_user).get("/settings/roles/999999/").status_code == 404


def test_the_roles_page_reads_a_fixed_number_of_queries(
    client_for, admin_user, django_assert_max_num_queries
):
    client = client_for(admin_user)
    client.get(ROLES)
    for n in range(6):
        services.role_create(actor=admin_user, name=f"Extra {n}")
    with django_assert_max_num_queries(12):
        assert client.get(ROLES).status_code == 200


def test_the_two_factor_requirement_is_set_on_the_role_page_and_audited(client_for, admin_user):
    role = Role.objects.get(slug=roles.SALES_REP)
    assert not role.require_two_factor
    page = client_for(admin_user).get(detail(role)).content.decode()
    assert "Require two-factor authentication" in page
    response = client_for(admin_user).post(detail(role), matrix_post(role, require_two_factor="on"))
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.require_two_factor
    entry = AuditEntry.objects.get(action="security.two_factor_policy_changed")
    assert entry.changes == {"require_two_factor": [False, True]}
    assert not AuditEntry.objects.filter(action="role.changed").exists()  # nothing else moved
    client_for(admin_user).post(detail(role), matrix_post(role))  # unticked: off again
    role.refresh_from_db()
    assert not role.require_two_factor
