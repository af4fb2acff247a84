from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import demo
        from crm import demo as demo_registry
        from crm import events, navigation

        events.describe("user.logged_in", "Signed in")
        events.describe("user.logged_out", "Signed out")
        events.describe("user.profile_updated", "Updated profile")
        navigation.register(
            navigation.NavItem(label="Home", url_name="accounts:home", icon="house", order=0)
        )
        demo_registry.register(demo.seed_people, order=0)
