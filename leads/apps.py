from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from crm import demo, events, navigation
        from leads.demo import seed_leads

        navigation.register(
            navigation.NavItem(
                label="Leads",
                url_name="leads:lead-list",
                icon="target",
                order=10,
                permission="leads.view_lead",
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Web forms",
                url_name="leads:webform-list",
                icon="form",
                section="admin",
                order=40,
                permission="leads.view_webform",
            )
        )
        for event_type, label in (
            ("lead.created", "Lead created"),
            ("lead.updated", "Lead edited"),
            ("lead.assigned", "Lead assigned"),
            ("lead.status_changed", "Lead status changed"),
            ("lead.converted", "Lead converted"),
            ("lead.deleted", "Lead deleted"),
            ("web_form.created", "Web form created"),
            ("web_form.updated", "Web form changed"),
            ("web_form.deleted", "Web form deleted"),
        ):
            events.describe(event_type, label)
        demo.register(seed_leads, order=30)
        from accounts import rbac

        rbac.register_entity(
            rbac.Entity(
                "leads.lead",
                order=10,
                extra=(("convert", "Convert"),),
                fields=("title", "phone", "website", "source", "rating", "description"),
                custom="lead",
            )
        )
        rbac.register_capability(
            rbac.Capability(
                "web_forms",
                "Web-to-lead forms",
                tuple(f"leads.{a}_webform" for a in ("view", "add", "change", "delete")),
                "Create and change the forms that turn website visitors into leads.",
                order=35,
            )
        )
