from django.urls import path

from contacts import list_views
from crm import access

app_name = "contacts"

urlpatterns = [
    path("companies/", list_views.company_list, name="company-list"),
    path("contacts/", list_views.contact_list, name="contact-list"),
]

access.declare(
    app_name,
    {
        "company-list": access.perm("contacts.view_company"),
        "contact-list": access.perm("contacts.view_contact"),
    },
)
