from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts import demo, policy
        from accounts.models import Team, User
        from crm import demo as demo_registry
        from crm import events, navigation

        events.describe("user.logged_in", "Signed in")
        events.describe("user.logged_out", "Signed out")
        events.describe("user.profile_updated", "Updated profile")
        navigation.register(
            navigation.NavItem(label="Home", url_name="accounts:home", icon="house", order=0)
        )
        demo_registry.register(demo.seed_people, order=0)
        for model in (User, Team):
            for signal in (post_save, post_delete):
                signal.connect(
                    policy.people_changed,
                    sender=model,
                    dispatch_uid=f"accounts.people_changed.{model.__name__}.{id(signal)}",
                )
