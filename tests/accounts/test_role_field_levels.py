"""Settings, Roles, Fields: the level of each restrictable field per role, saved with the
matrix, audited, and guarded like the rest of the role page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import policy, preview, rbac, roles, services
from accounts.demo import CUSTOM_ROLE_SLUG, seed_people
from accounts.models import AuditEntry, FieldLevel, Role, User
from tests.accounts.factories import UserFactory
from tests.accounts.test_settings_roles import detail, matrix_post

pytestmark = pytest.mark.django_db
AMOUNT = "field:deals.deal:amount"
RATING = "field:leads.lead:rating"


def role(slug: str) -> Role:
    return Role.objects.get(slug=slug)


def fresh(user: User) -> User:
    """The user as the next request loads it (nothing kept on the object)."""
    return User.objects.get(pk=user.pk)


def levels(**fields: str) -> dict[str, dict[str, str]]:
    """``levels(**{"deals.deal.amount": "hidden"})`` as the service takes them."""
    found: dict[str, dict[str, str]] = {}
    for key, level in fields.items():
        label, name = key.rsplit(".", 1)
        found.setdefault(label, {})[name] = level
    return found


def restrict(actor: User, target: Role, **fields: str) -> Role:
    return services.role_update(
        actor=actor,
        role=target,
        name=target.name,
        description=target.description,
        field_levels=levels(**fields),
    )


@pytest.fixture
def narrow_admin(admin_user):
    """Someone who manages roles and users with every Admin right, but for whom deal amounts
    are hidden and lead ratings read-only."""
    keepers = services.role_create(
        actor=admin_user, name="Role keepers", copy_from=role(roles.ADMIN)
    )
    restrict(
        admin_user, keepers, **{"deals.deal.amount": "hidden", "leads.lead.rating": "read_only"}
    )
    person = UserFactory(email="keeper@example.test")
    person.groups.set([keepers.group])
    return fresh(person)


# ---------------------------------------------------------------- the page


def test_the_fields_card_names_every_control_by_field_and_record_kind(client_for, admin_user):
    page = client_for(admin_user).get(detail(role(roles.SUPPORT_AGENT))).content.decode()
    assert '<h2 id="fields-title">Fields</h2>' in page
    assert "A person with several roles gets the most open level among them." in page
    assert "Hidden fields do not appear on pages, lists, search, exports or reports" in page
    for entity in rbac.entities():
        if entity.fields:
            assert f"<caption>{entity.title}</caption>" in page
        for name, label in entity.field_choices():
            assert f'aria-label="{label} ({entity.title})"' in page
            assert f'name="field:{entity.label}:{name}"' in page
    assert 'aria-label="Amount (Deals)"' in page
    assert "with currency" in page  # the amount's companion goes with it
    assert "<caption>Activities</caption>" not in page  # no restrictable fields
    for value, label in FieldLevel.choices:
        assert f'<option value="{value}"' in page
        assert label in page


def test_saving_levels_writes_only_the_restricted_fields_and_one_audit_row(
    client_for, admin_user, support
):
    target = role(roles.SUPPORT_AGENT)
    assert policy.field_access(fresh(support), "deals.deal").readable("amount")
    response = client_for(admin_user).post(
        detail(target), matrix_post(target, **{AMOUNT: "hidden", RATING: "read_only"})
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.field_levels == {
        "deals.deal": {"amount": "hidden"},
        "leads.lead": {"rating": "read_only"},
    }
    entry = AuditEntry.objects.get(action="role.fields_changed")
    assert entry.object_label == "Support agent"
    assert entry.actor_id == admin_user.pk
    assert entry.changes == {
        "deals.deal.amount": ["editable", "hidden"],
        "leads.lead.rating": ["editable", "read_only"],
    }
    assert not AuditEntry.objects.filter(action="role.changed").exists()  # nothing else moved
    access = policy.field_access(fresh(support), "deals.deal")  # the next request
    assert access.hidden == {"amount", "currency"}
    assert not policy.field_access(fresh(support), "leads.lead").writable("rating")

    page = client_for(admin_user).get(detail(target)).content.decode()
    assert '<option value="hidden" selected>' in page

    response = client_for(admin_user).post(
        detail(target), matrix_post(target, **{AMOUNT: "editable"})
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.field_levels == {"leads.lead": {"rating": "read_only"}}  # kept minimal
    latest = AuditEntry.objects.filter(action="role.fields_changed").first()
    assert latest.changes == {"deals.deal.amount": ["hidden", "editable"]}
    assert policy.field_access(fresh(support), "deals.deal").readable("amount")


def test_saving_the_page_unchanged_writes_nothing(client_for, admin_user):
    target = role(roles.SALES_REP)
    restrict(admin_user, target, **{"deals.deal.amount": "read_only"})
    target.refresh_from_db()
    before = AuditEntry.objects.filter(action__startswith="role.").count()
    response = client_for(admin_user).post(detail(target), matrix_post(target))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action__startswith="role.").count() == before
    target.refresh_from_db()
    assert target.field_levels == {"deals.deal": {"amount": "read_only"}}


def test_an_unknown_level_is_a_400_and_nothing_of_the_post_is_saved(client_for, admin_user):
    target = role(roles.SALES_REP)
    response = client_for(admin_user).post(
        detail(target),
        matrix_post(target, name="Renamed", **{AMOUNT: "secret", RATING: "hidden"}),
    )
    assert response.status_code == 400
    assert "Select a valid choice. secret is not one of the available choices." in (
        response.content.decode()
    )
    target.refresh_from_db()
    assert (target.name, target.field_levels) == ("Sales rep", {})
    assert not AuditEntry.objects.filter(action__startswith="role.").exists()


@pytest.mark.parametrize(
    ("field_levels", "message"),
    [
        ({"deals.deal": {"colour": "hidden"}}, "'colour' is not a field of deals a role may"),
        ({"deals.deal": {"stage": "hidden"}}, "'stage' is not a field of deals"),
        ({"deals.deal": {"amount": "secret"}}, "Choose editable, read-only or hidden for Amount"),
        ({"activities.task": {"title": "hidden"}}, "'activities.task' has no fields a role"),
        ({"shop.order": {"total": "hidden"}}, "'shop.order' has no fields a role may restrict"),
    ],
)
def test_the_service_refuses_what_is_not_restrictable_and_writes_nothing(
    admin_user, field_levels, message
):
    target = role(roles.SALES_REP)
    with pytest.raises(services.ValidationError, match=message):
        services.role_update(
            actor=admin_user,
            role=target,
            name="Renamed",
            description="",
            grants=set(),
            field_levels={"leads.lead": {"rating": "hidden"}, **field_levels},
        )
    target.refresh_from_db()
    assert (target.name, target.field_levels) == ("Sales rep", {})
    assert target.group.permissions.exists()  # the matrix in the same call did not apply
    assert not AuditEntry.objects.filter(action__startswith="role.").exists()


def test_the_admin_role_shows_every_field_editable_and_refuses_a_crafted_restriction(
    client_for, admin_user
):
    admin_role = role(roles.ADMIN)
    client = client_for(admin_user)
    page = client.get(detail(admin_role)).content.decode()
    assert "Admins see and change every field." in page
    assert f'name="{AMOUNT}" aria-label="Amount (Deals)" disabled' in page
    assert '<option value="editable" selected>' in page
    assert client.post(detail(admin_role), {"name": "Admin", "description": ""}).status_code == 302

    response = client.post(
        detail(admin_role), {"name": "Administrators", "description": "", AMOUNT: "hidden"}
    )
    assert response.status_code == 400
    assert "The Admin role sees and edits every field: it cannot be narrowed." in (
        response.content.decode()
    )
    admin_role.refresh_from_db()
    assert (admin_role.name, admin_role.field_levels) == ("Admin", {})
    with pytest.raises(services.ValidationError, match="cannot be narrowed"):
        restrict(admin_user, admin_role, **{"leads.lead.rating": "read_only"})


def test_only_who_may_manage_roles_sets_field_levels(client_for, manager, rep, support, read_only):
    target = role(roles.SALES_REP)
    hide_amounts = matrix_post(target, **{AMOUNT: "hidden"})
    for person in (manager, rep, support, read_only):
        client = client_for(person)
        assert client.get(detail(target)).status_code == 403
        assert client.post(detail(target), hide_amounts).status_code == 403
    assert client_for(None).post(detail(target), hide_amounts).status_code == 302  # sign in
    target.refresh_from_db()
    assert target.field_levels == {}


def test_a_viewer_of_roles_sees_the_levels_but_cannot_change_them(client_for, admin_user):
    auditors = services.role_create(actor=admin_user, name="Auditors")
    auditors.group.permissions.add(*services._permission_rows({"accounts.view_role"}))
    auditor = UserFactory()
    auditor.groups.set([auditors.group])
    target = role(roles.SALES_REP)
    restrict(admin_user, target, **{"deals.deal.amount": "hidden"})
    page = client_for(auditor).get(detail(target)).content.decode()
    assert f'name="{AMOUNT}" aria-label="Amount (Deals)" disabled' in page
    assert '<option value="hidden" selected>' in page


# ---------------------------------------------------------------- nobody gives more than they hold


def test_nobody_makes_a_field_more_open_than_they_have_it(client_for, admin_user, narrow_admin):
    target = role(roles.SUPPORT_AGENT)
    restrict(admin_user, target, **{"deals.deal.amount": "hidden", "leads.lead.rating": "hidden"})
    with pytest.raises(
        services.ValidationError, match="You may not make Amount \\(Deals\\) editable"
    ):
        restrict(narrow_admin, target, **{"deals.deal.amount": "editable"})
    with pytest.raises(services.ValidationError, match="it is hidden for you"):
        restrict(narrow_admin, target, **{"deals.deal.amount": "read_only"})
    with pytest.raises(
        services.ValidationError, match="Rating \\(Leads\\) editable: it is read-only"
    ):
        restrict(narrow_admin, target, **{"deals.deal.amount": "hidden"})  # rating not named
    target.refresh_from_db()
    assert target.field_levels == {
        "deals.deal": {"amount": "hidden"},
        "leads.lead": {"rating": "hidden"},
    }

    restrict(  # up to their own level, and any narrowing, is theirs to give
        narrow_admin,
        target,
        **{
            "deals.deal.amount": "hidden",
            "leads.lead.rating": "read_only",
            "deals.deal.description": "hidden",
        },
    )
    target.refresh_from_db()
    assert target.field_levels == {
        "deals.deal": {"amount": "hidden", "description": "hidden"},
        "leads.lead": {"rating": "read_only"},
    }

    rep_role = role(roles.SALES_REP)  # amount editable there: hiding it narrows
    restrict(narrow_admin, rep_role, **{"deals.deal.amount": "hidden"})
    rep_role.refresh_from_db()
    assert rep_role.field_levels == {"deals.deal": {"amount": "hidden"}}

    response = client_for(narrow_admin).post(
        detail(target), matrix_post(target, **{AMOUNT: "editable"})
    )
    assert response.status_code == 400
    assert "You may not make Amount (Deals) editable: it is hidden for you" in (
        response.content.decode()
    )
    target.refresh_from_db()
    assert target.field_levels["deals.deal"]["amount"] == "hidden"


def test_nobody_gives_a_role_that_shows_a_field_hidden_from_them(admin_user, narrow_admin):
    person = UserFactory(email="new@example.test")
    with pytest.raises(services.ValidationError, match="holds rights you do not"):
        services.user_update(
            actor=narrow_admin,
            user=person,
            email=person.email,
            full_name=person.full_name,
            team=None,
            roles_given=[role(roles.READ_ONLY)],  # reads deal amounts
            is_staff=False,
        )
    reader = restrict(
        admin_user,
        role(roles.READ_ONLY),
        **{"deals.deal.amount": "hidden", "leads.lead.rating": "read_only"},
    )
    services.user_update(
        actor=narrow_admin,
        user=person,
        email=person.email,
        full_name=person.full_name,
        team=None,
        roles_given=[reader],
        is_staff=False,
    )
    assert fresh(person).roles == [reader]


def test_a_preview_never_shows_a_field_hidden_from_the_admin(narrow_admin, rep):
    with pytest.raises(services.ValidationError, match="holds rights you do not"):
        preview.check(narrow_admin, rep)


# ---------------------------------------------------------------- copying, demo, admin, queries


def test_a_role_copied_from_another_starts_with_its_field_levels(client_for, admin_user):
    source = role(roles.SUPPORT_AGENT)
    restrict(
        admin_user, source, **{"deals.deal.amount": "hidden", "leads.lead.rating": "read_only"}
    )
    response = client_for(admin_user).post(
        reverse("accounts:role-create"), {"name": "Support leads", "copy_from": source.pk}
    )
    assert response.status_code == 302
    source.refresh_from_db()
    copy = Role.objects.get(name="Support leads")
    assert copy.field_levels == source.field_levels
    entry = AuditEntry.objects.get(action="role.created")
    assert entry.changes["field_levels"] == {
        "deals.deal": {"amount": "hidden"},
        "leads.lead": {"rating": "read_only"},
    }
    restrict(admin_user, copy, **{"deals.deal.amount": "read_only"})
    source.refresh_from_db()
    assert source.field_levels["deals.deal"] == {"amount": "hidden"}  # a copy, not shared


def test_the_demo_hides_deal_amounts_from_support_agents_once():
    seed_people()
    seed_people()
    assert role(roles.SUPPORT_AGENT).field_levels == {"deals.deal": {"amount": "hidden"}}
    assert role(CUSTOM_ROLE_SLUG).field_levels == {"leads.lead": {"rating": "read_only"}}
    support = User.objects.get(email="support@keel.test")
    assert "amount" in policy.field_access(support, "deals.deal").hidden


def test_the_django_admin_shows_a_roles_field_levels(client_for, admin_user):
    target = role(roles.SUPPORT_AGENT)
    restrict(admin_user, target, **{"deals.deal.amount": "hidden"})
    page = (
        client_for(admin_user)
        .get(reverse("admin:accounts_role_change", args=[target.pk]))
        .content.decode()
    )
    assert "Deals: Amount hidden" in page
    assert "Set field levels on Settings → Roles." in page
    untouched = (
        client_for(admin_user)
        .get(reverse("admin:accounts_role_change", args=[role(roles.SALES_REP).pk]))
        .content.decode()
    )
    assert "Every field editable." in untouched


def _queries_of(client, url: str) -> int:
    client.get(url)  # warm the caches the first request fills
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_role_page_reads_as_many_queries_whatever_the_fields(
    client_for, admin_user, monkeypatch
):
    client = client_for(admin_user)
    target = role(roles.SALES_REP)
    plain = _queries_of(client, detail(target))
    restrict(
        admin_user,
        target,
        **{
            f"{entity.label}.{name}": "hidden"
            for entity in rbac.entities()
            for name in entity.fields
        },
    )
    assert _queries_of(client, detail(target)) == plain
    contact = rbac.entity_for("contacts.contact")
    more = rbac.Entity(
        contact.label,
        order=contact.order,
        fields=(*contact.fields, "first_name", "last_name", "email", "phone"),
    )
    monkeypatch.setitem(rbac._entities, contact.label, more)
    page = client.get(detail(target)).content.decode()
    assert 'aria-label="Primary phone (Contacts)"' in page
    assert _queries_of(client, detail(target)) == plain


def test_custom_fields_get_levels_on_the_roles_page_too(client_for, admin_user):
    from contacts import custom_fields
    from tests.contacts.factories import CustomFieldFactory

    CustomFieldFactory(entity="deal", key="contract", label="Contract value", field_type="money")
    custom_fields.forget_definitions()
    page = client_for(admin_user).get(detail(role(roles.SUPPORT_AGENT))).content.decode()
    assert 'aria-label="Contract value (Deals)"' in page
    assert 'name="field:deals.deal:custom.contract"' in page
    support = role(roles.SUPPORT_AGENT)
    services.role_update(
        actor=admin_user,
        role=support,
        name=support.name,
        description=support.description,
        field_levels={"deals.deal": {"custom.contract": "hidden"}},
    )
    assert role(roles.SUPPORT_AGENT).field_levels["deals.deal"]["custom.contract"] == "hidden"
    entry = AuditEntry.objects.filter(action="role.fields_changed").latest("id")
    assert entry.changes["deals.deal.custom.contract"] == ["editable", "hidden"]
