from typing import Any

from django.apps import AppConfig

EVENT_LABELS = {
    "company.created": "Company created",
    "company.updated": "Company updated",
    "company.assigned": "Company assigned",
    "company.deleted": "Company deleted",
    "contact.created": "Contact created",
    "contact.updated": "Contact updated",
    "contact.assigned": "Contact assigned",
    "contact.deleted": "Contact deleted",
    "custom_field.created": "Custom field added",
    "custom_field.updated": "Custom field changed",
    "custom_field.reordered": "Custom fields reordered",
}


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from contacts.demo import seed_companies_and_contacts
        from contacts.models import CustomField, Tag
        from crm import demo, events, navigation

        navigation.register(
            navigation.NavItem(
                label="Companies",
                url_name="contacts:company-list",
                icon="building",
                order=20,
                permission="contacts.view_company",
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Contacts",
                url_name="contacts:contact-list",
                icon="contact",
                order=21,
                permission="contacts.view_contact",
            )
        )
        navigation.register(
            navigation.NavItem(
                label="Custom fields",
                url_name="contacts:custom-field-list",
                icon="sliders-horizontal",
                section="admin",
                order=40,
                permission="contacts.change_customfield",
            )
        )
        for event_type, label in EVENT_LABELS.items():
            events.describe(event_type, label)
        demo.register(seed_companies_and_contacts, order=10)
        from accounts import rbac

        rbac.register_entity(
            rbac.Entity(
                "contacts.company",
                order=20,
                fields=("website", "industry", "size", "description"),
                custom="company",
            )
        )
        rbac.register_entity(
            rbac.Entity(
                "contacts.contact", order=21, fields=("title", "description"), custom="contact"
            )
        )
        rbac.register_custom_fields(_custom_field_names)
        rbac.register_capability(
            rbac.Capability(
                "custom_fields",
                "Custom fields",
                tuple(f"contacts.{a}_customfield" for a in ("add", "change", "delete")),
                "Add, change and remove the custom fields of companies and contacts.",
                order=40,
            )
        )
        rbac.register_capability(
            rbac.Capability(
                "tags",
                "Tags",
                tuple(f"contacts.{a}_tag" for a in ("view", "add", "change", "delete")),
                "See, create, rename and delete tags.",
                order=41,
            )
        )
        for signal in (post_save, post_delete):
            signal.connect(fields_changed, sender=CustomField, dispatch_uid=f"cf.{id(signal)}")
            signal.connect(tags_changed, sender=Tag, dispatch_uid=f"tags.{id(signal)}")


def fields_changed(sender: Any, **kwargs: Any) -> None:
    """Receiver: a custom field was saved or deleted."""
    from contacts.custom_fields import forget_definitions

    forget_definitions()


def tags_changed(sender: Any, **kwargs: Any) -> None:
    """Receiver: a tag was saved or deleted."""
    from contacts.listing import TAG_CHOICES
    from crm import reference

    reference.forget([TAG_CHOICES])


def _custom_field_names(entity: str) -> list[tuple[str, str]]:
    """``(key, label)`` of ``entity``'s active custom fields, for the roles page."""
    from contacts import custom_fields

    return [(field.key, field.label) for field in custom_fields.definitions(entity)]
