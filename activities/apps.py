from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Activities"

    def ready(self) -> None:
        from crm import navigation

        navigation.register(
            navigation.NavItem(
                label="Tasks",
                url_name="activities:task-list",
                icon="square-check-big",
                order=30,
                permission="activities.view_task",
            )
        )
