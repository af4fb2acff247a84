from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        from crm import navigation

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
