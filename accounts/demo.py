"""Demo people: two sales teams and one user per role, password ``keel-demo``.

These users exist only in demo data, never in a production install.
"""

from __future__ import annotations

from django.db import transaction

from accounts import roles
from accounts.models import FieldLevel, Role, Scope, Team, User

DEMO_PASSWORD = "keel-demo"
CUSTOM_ROLE_SLUG = "sales-engineer"
FORMER_REP = "dana@keel.test"

DEMO_TEAMS = (
    ("North America", "Inbound and mid-market deals in the US and Canada."),
    ("EMEA", "Enterprise accounts in Europe, the Middle East and Africa."),
)

# email, full name, role, team, time zone
DEMO_USERS = (
    ("admin@keel.test", "Ada Admin", roles.ADMIN, None, "Europe/London"),
    (
        "manager@keel.test",
        "Morgan Manager",
        roles.SALES_MANAGER,
        "North America",
        "America/New_York",
    ),
    ("rep@keel.test", "Riley Rep", roles.SALES_REP, "North America", "America/Chicago"),
    ("rep2@keel.test", "Sam Second", roles.SALES_REP, "EMEA", "Europe/Berlin"),
    ("support@keel.test", "Sky Support", roles.SUPPORT_AGENT, None, "Europe/Dublin"),
)


@transaction.atomic
def seed_people() -> list[str]:
    teams = {
        name: Team.objects.get_or_create(name=name, defaults={"description": description})[0]
        for name, description in DEMO_TEAMS
    }
    standard_roles = {role.slug: role for role in Role.objects.select_related("group")}
    # A real install requires a second factor of admins (migration 0011); the demo leaves it
    # off so that its logins work at once, and the shell invites everyone to set one up.
    Role.objects.filter(slug=roles.ADMIN, require_two_factor=True).update(require_two_factor=False)
    lines = ["Demo logins (password: keel-demo; two-factor authentication not required):"]
    for email, full_name, role_slug, team_name, zone in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            is_admin = role_slug == roles.ADMIN
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=full_name,
                team=teams.get(team_name) if team_name else None,
                timezone=zone,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            user.groups.add(standard_roles[role_slug].group)
        role_name = standard_roles[role_slug].name
        lines.append(f"  {email:<20} {role_name}" + (f", {team_name}" if team_name else ""))
    _seed_custom_role(standard_roles[roles.SALES_REP])
    _seed_field_levels()
    _seed_former_rep(standard_roles[roles.SALES_REP], teams["EMEA"])
    return lines


def _seed_custom_role(rep_role: Role) -> None:
    """A custom role for the roles page: a rep's rights, seeing every deal, no exports."""
    if Role.objects.filter(slug=CUSTOM_ROLE_SLUG).exists():
        return
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Sales engineer")
    Role.objects.create(
        slug=CUSTOM_ROLE_SLUG,
        name="Sales engineer",
        description="Supports every team's deals; exports nothing.",
        group=group,
        rank=35,
        record_scope=Scope.OWN,
        entity_scopes={"deals.deal": Scope.ALL, "contacts.company": Scope.ALL},
    )
    group.permissions.set(rep_role.group.permissions.exclude(codename__startswith="export_"))


# role slug, record kind, field, level: what the roles page's Fields card shows restricted
DEMO_FIELD_LEVELS = (
    (roles.SUPPORT_AGENT, "deals.deal", "amount", FieldLevel.HIDDEN),
    (CUSTOM_ROLE_SLUG, "leads.lead", "rating", FieldLevel.READ_ONLY),
)


def _seed_field_levels() -> None:
    """Deal amounts hidden from support agents; sales engineers read a lead's rating but
    leave it to the reps. Saved only when not so already (idempotent)."""
    for slug, label, name, level in DEMO_FIELD_LEVELS:
        role = Role.objects.filter(slug=slug).first()
        if role is None or role.field_level(label, name) == level:
            continue
        kind = {**role.field_levels.get(label, {}), name: level.value}
        role.field_levels = {**role.field_levels, label: kind}
        role.save(update_fields=["field_levels"])


def _seed_former_rep(rep_role: Role, team: Team) -> None:
    """Someone who left: deactivated, so the users page shows both states."""
    if User.objects.filter(email=FORMER_REP).exists():
        return
    former = User.objects.create_user(
        email=FORMER_REP, password=None, full_name="Dana Departed", team=team, is_active=False
    )
    former.groups.add(rep_role.group)


@transaction.atomic
def seed_shares() -> list[str]:
    """Two shares for the Sharing panel: one of Riley's deals with Sam (to edit), one of
    Riley's leads with the EMEA team (to view). Idempotent: a share made again is the same."""
    from django.apps import apps

    from accounts import sharing

    rep = User.objects.filter(email="rep@keel.test").first()
    rep2 = User.objects.filter(email="rep2@keel.test").first()
    emea = Team.objects.filter(name="EMEA").first()
    if rep is None or rep2 is None or emea is None:
        return []
    deal = apps.get_model("deals", "Deal").objects.filter(owner=rep).order_by("pk").first()
    lead = apps.get_model("leads", "Lead").objects.filter(owner=rep).order_by("pk").first()
    lines = []
    if deal is not None and not sharing.shares_of(deal):
        sharing.share(rep, deal, who=rep2, level="edit")
        lines.append(f"Shared {deal} with {rep2} (edit)")
    if lead is not None and not sharing.shares_of(lead):
        sharing.share(rep, lead, who=emea, level="view")
        lines.append(f"Shared {lead} with team {emea} (view)")
    return lines
