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
        from contacts.demo import seed_companies_and_contacts
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
