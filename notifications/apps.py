from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from crm import demo, navigation
        from notifications import handlers  # noqa: F401 - registers the event handlers
        from notifications.demo import seed_notifications

        demo.register(seed_notifications, order=95)  # after the shares (90)

        navigation.register_topbar(
            navigation.TopbarItem(
                key="notifications", template="notifications/_bell.html", context=_bell, order=10
            )
        )


def _bell(request):  # type: ignore[no-untyped-def]
    from notifications.services import inbox_state

    unread, last_id = inbox_state(request.user)
    return {"unread": unread, "last_id": last_id}
