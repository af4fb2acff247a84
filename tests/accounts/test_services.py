import pytest
from django.core.exceptions import ValidationError

from accounts import services
from crm.models import Event

pytestmark = pytest.mark.django_db


def test_profile_update_saves_changes_and_publishes_what_changed(rep):
    services.user_profile_update(
        actor=rep, user=rep, full_name="Riley R. Rep", timezone="Europe/Paris", theme="dark"
    )
    rep.refresh_from_db()
    assert (rep.full_name, rep.timezone, rep.theme) == ("Riley R. Rep", "Europe/Paris", "dark")
    event = Event.objects.get(type="user.profile_updated")
    assert event.actor == rep
    assert event.payload == {"user_id": rep.pk, "changed": ["full_name", "theme", "timezone"]}


def test_profile_update_without_changes_publishes_nothing(rep):
    services.user_profile_update(
        actor=rep, user=rep, full_name=rep.full_name, timezone=rep.timezone, theme=rep.theme
    )
    assert not Event.objects.exists()


def test_nobody_else_may_change_a_profile_but_an_administrator(rep, other_rep, admin_user):
    with pytest.raises(PermissionError):
        services.user_profile_update(
            actor=other_rep, user=rep, full_name="Hacked", timezone="", theme="light"
        )
    services.user_profile_update(
        actor=admin_user, user=rep, full_name="Riley Fixed", timezone="", theme="light"
    )
    rep.refresh_from_db()
    assert rep.full_name == "Riley Fixed"


def test_profile_update_refuses_an_unknown_time_zone_and_keeps_the_old_one(rep):
    with pytest.raises(ValidationError):
        services.user_profile_update(
            actor=rep, user=rep, full_name="Riley", timezone="Nowhere/Land", theme="light"
        )
    rep.refresh_from_db()
    assert rep.timezone == ""
    assert not Event.objects.exists()


def test_theme_is_remembered_and_must_be_known(rep):
    services.user_theme_set(actor=rep, theme="dark")
    rep.refresh_from_db()
    assert rep.theme == "dark"
    with pytest.raises(ValueError, match="Unknown theme"):
        services.user_theme_set(actor=rep, theme="neon")
