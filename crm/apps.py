from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Keel kernel"

    def ready(self) -> None:
        from crm import checks, navigation  # noqa: F401 - registers the system checks

        navigation.register(
            navigation.NavItem(
                label="System status",
                url_name="crm:system-status",
                icon="activity",
                section="admin",
                order=900,
                permission="crm.view_system_status",
            )
        )
