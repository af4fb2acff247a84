from django.apps import AppConfig

EVENT_LABELS = (
    ("deal.created", "Deal created"),
    ("deal.updated", "Deal edited"),
    ("deal.assigned", "Deal assigned"),
    ("deal.stage_changed", "Deal moved to another stage"),
    ("deal.won", "Deal won"),
    ("deal.lost", "Deal lost"),
    ("deal.reopened", "Deal reopened"),
    ("deal.deleted", "Deal deleted"),
    ("pipeline.created", "Pipeline created"),
    ("pipeline.updated", "Pipeline changed"),
    ("pipeline.deleted", "Pipeline deleted"),
)


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "Deals"

    def ready(self) -> None:
        from crm import demo, events, navigation, records
        from deals import panels
        from deals.demo import seed_deals

        navigation.register(
            navigation.NavItem(
                label="Deals",
                url_name="deals:deal-list",
                icon="handshake",
                order=11,
                permission="deals.view_deal",
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Pipeline board",
                url_name="deals:board",
                icon="square-kanban",
                order=12,
                permission="deals.view_deal",
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Pipelines",
                url_name="deals:pipeline-list",
                icon="workflow",
                section="admin",
                order=30,
                permission="deals.change_pipeline",
            )
        )
        for event_type, label in EVENT_LABELS:
            events.describe(event_type, label)
        records.register(
            "contacts.company",
            records.Panel(
                key="deals",
                title="Deals",
                template="deals/_record_deals.html",
                context=panels.company_deals,
                slot="side",
                order=20,
            ),
        )
        records.register(
            "contacts.contact",
            records.Panel(
                key="deals",
                title="Deals",
                template="deals/_record_deals.html",
                context=panels.contact_deals,
                slot="side",
                order=20,
            ),
        )
        demo.register(seed_deals, order=20)
        from accounts import rbac

        rbac.register_entity(
            rbac.Entity(
                "deals.deal",
                order=11,
                fields=("amount", "expected_close_date", "description"),
                companions=(("amount", ("currency",)),),
                custom="deal",
            )
        )
        rbac.register_capability(
            rbac.Capability(
                "pipelines",
                "Pipelines and stages",
                tuple(
                    f"deals.{a}_{m}"
                    for m in ("pipeline", "stage")
                    for a in ("add", "change", "delete")
                ),
                "Create pipelines, change their stages, probabilities and rotting days.",
                order=30,
            )
        )
