from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from crm import navigation

        navigation.register(
            navigation.NavItem(
                label="Dashboard", url_name="reports:dashboard", icon="layout-dashboard", order=1
            )
        )
