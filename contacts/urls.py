from django.urls import path

from contacts import list_views, views
from crm import access

app_name = "contacts"

urlpatterns = [
    path("companies/", list_views.company_list, name="company-list"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/duplicates/", views.company_duplicates, name="company-duplicates"),
    path("companies/options/", views.company_options, name="company-options"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/contacts/", views.company_contacts, name="company-contacts"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company-edit"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company-delete"),
    path("contacts/", list_views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/duplicates/", views.contact_duplicates, name="contact-duplicates"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("settings/custom-fields/", views.custom_field_list, name="custom-field-list"),
    path("settings/custom-fields/new/", views.custom_field_create, name="custom-field-create"),
    path(
        "settings/custom-fields/reorder/", views.custom_field_reorder, name="custom-field-reorder"
    ),
    path("settings/custom-fields/<int:pk>/", views.custom_field_edit, name="custom-field-edit"),
    path(
        "settings/custom-fields/<int:pk>/active/",
        views.custom_field_toggle,
        name="custom-field-toggle",
    ),
]

access.declare(
    app_name,
    {
        "company-list": access.perm("contacts.view_company"),
        "company-create": access.perm("contacts.add_company"),
        "company-duplicates": access.perm("contacts.view_company"),
        "company-options": access.perm("contacts.view_company"),
        "company-detail": access.perm("contacts.view_company"),
        "company-contacts": access.perm("contacts.view_company", "contacts.view_contact"),
        "company-edit": access.perm("contacts.change_company"),
        "company-delete": access.perm("contacts.delete_company"),
        "contact-list": access.perm("contacts.view_contact"),
        "contact-create": access.perm("contacts.add_contact"),
        "contact-duplicates": access.perm("contacts.view_contact"),
        "contact-detail": access.perm("contacts.view_contact"),
        "contact-edit": access.perm("contacts.change_contact"),
        "contact-delete": access.perm("contacts.delete_contact"),
        "custom-field-list": access.perm("contacts.change_customfield"),
        "custom-field-create": access.perm("contacts.add_customfield"),
        "custom-field-reorder": access.perm("contacts.change_customfield"),
        "custom-field-edit": access.perm("contacts.change_customfield"),
        "custom-field-toggle": access.perm("contacts.change_customfield"),
    },
)
