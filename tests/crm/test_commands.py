"""manage.py seed_demo and serve."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, Team, User

pytestmark = pytest.mark.django_db
DEMO = {
    "admin@keel.test",
    "manager@keel.test",
    "rep@keel.test",
    "rep2@keel.test",
    "support@keel.test",
}


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert set(User.objects.active().values_list("email", flat=True)) == DEMO
    former = User.objects.get(is_active=False)  # the users page shows someone who left
    assert (former.email, former.has_usable_password()) == ("dana@keel.test", False)
    assert Role.objects.filter(slug="sales-engineer", is_system=False).count() == 1
    assert Team.objects.count() == 2
    reps = User.objects.filter(email__in=["rep@keel.test", "rep2@keel.test"])
    assert len({rep.team_id for rep in reps}) == 2  # sales reps on different teams
    for user in User.objects.active():
        assert user.check_password("keel-demo")
        assert user.roles
    out = capsys.readouterr().out
    assert "rep2@keel.test" in out
    assert "password: keel-demo" in out


def test_seed_demo_refuses_a_production_install(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_serve_refuses_to_run_embedded_mode_without_its_worker(settings):
    settings.EMBEDDED_REDIS = True
    with pytest.raises(CommandError, match="no other worker"):
        call_command("serve", "--no-worker")
