from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from crm import navigation

        navigation.register(
            navigation.NavItem(
                label="Leads",
                url_name="leads:lead-list",
                icon="target",
                order=10,
                permission="leads.view_lead",
            )
        )
