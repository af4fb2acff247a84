from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Keel kernel"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from crm import checks, lists, navigation  # noqa: F401 - registers the system checks
        from crm.models import SavedView

        for signal in (post_save, post_delete):
            signal.connect(
                lists.saved_views_changed, sender=SavedView, dispatch_uid=f"views.{id(signal)}"
            )

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
