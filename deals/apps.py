from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "Deals"

    def ready(self) -> None:
        from crm import navigation

        navigation.register(
            navigation.NavItem(
                label="Deals",
                url_name="deals:deal-list",
                icon="handshake",
                order=11,
                permission="deals.view_deal",
            )
        )
