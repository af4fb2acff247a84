from django.apps import AppConfig

EVENT_LABELS = (
    ("activity.logged", "Activity logged"),
    ("activity.updated", "Activity edited"),
    ("activity.deleted", "Activity deleted"),
    ("task.created", "Task created"),
    ("task.updated", "Task edited"),
    ("task.assigned", "Task assigned"),
    ("task.due", "Task due"),
    ("task.reminder", "Task reminder"),
    ("task.completed", "Task completed"),
    ("task.reopened", "Task reopened"),
    ("task.deleted", "Task deleted"),
)


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Activities"

    def ready(self) -> None:
        from activities import panels
        from activities.demo import seed_activities
        from crm import demo, events, navigation

        navigation.register(
            navigation.NavItem(
                label="Tasks",
                url_name="activities:task-list",
                icon="square-check-big",
                order=30,
                permission="activities.view_task",
            )
        )
        navigation.register(
            navigation.NavItem(
                label="My tasks",
                url_name="activities:task-mine",
                icon="list-todo",
                order=31,
                permission="activities.view_task",
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Calendar",
                url_name="activities:calendar",
                icon="calendar-days",
                order=32,
                permission="activities.view_task",
            )
        )
        for event_type, label in EVENT_LABELS:
            events.describe(event_type, label)
        panels.register()
        demo.register(seed_activities, order=40)
        from accounts import rbac

        rbac.register_entity(rbac.Entity("activities.activity", order=30))
        rbac.register_entity(rbac.Entity("activities.task", order=31))
