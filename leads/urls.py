from django.urls import path

from crm import access
from leads import list_views, views

app_name = "leads"

urlpatterns = [
    path("leads/", list_views.lead_list, name="lead-list"),
    path("leads/new/", views.lead_create, name="lead-create"),
    path("leads/duplicates/", views.lead_duplicates, name="lead-duplicates"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead-edit"),
    path("leads/<int:pk>/status/", views.lead_status, name="lead-status"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead-convert"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="lead-delete"),
    path("web-forms/", views.webform_list, name="webform-list"),
    path("web-forms/new/", views.webform_create, name="webform-create"),
    path("web-forms/<int:pk>/", views.webform_detail, name="webform-detail"),
    path("web-forms/<int:pk>/edit/", views.webform_edit, name="webform-edit"),
    path("web-forms/<int:pk>/delete/", views.webform_delete, name="webform-delete"),
    # Public: posted to from customers' sites (the embed snippet) and framed by them.
    path("forms/<str:key>/", views.public_form, name="public-form"),
]

access.declare(
    app_name,
    {
        "lead-list": access.perm("leads.view_lead"),
        "lead-create": access.perm("leads.add_lead"),
        "lead-duplicates": access.perm("leads.view_lead"),
        "lead-detail": access.perm("leads.view_lead"),
        "lead-edit": access.perm("leads.change_lead"),
        "lead-status": access.perm("leads.change_lead"),
        "lead-convert": access.perm("leads.convert_lead"),
        "lead-delete": access.perm("leads.delete_lead"),
        "webform-list": access.perm("leads.view_webform"),
        "webform-create": access.perm("leads.add_webform"),
        "webform-detail": access.perm("leads.view_webform"),
        "webform-edit": access.perm("leads.change_webform"),
        "webform-delete": access.perm("leads.delete_webform"),
        "public-form": access.PUBLIC,
    },
)
