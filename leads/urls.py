from django.urls import path

from crm import access
from leads import list_views

app_name = "leads"

urlpatterns = [
    path("leads/", list_views.lead_list, name="lead-list"),
]

access.declare(
    app_name,
    {
        "lead-list": access.perm("leads.view_lead"),
    },
)
