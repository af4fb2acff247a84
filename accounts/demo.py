"""Demo people: two sales teams and one user per role, password ``keel-demo``.

These users exist only in demo data, never in a production install.
"""

from __future__ import annotations

from django.db import transaction

from accounts import roles
from accounts.models import Role, Team, User

DEMO_PASSWORD = "keel-demo"

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
    return lines
