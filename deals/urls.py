from django.urls import path

from crm import access
from deals import list_views

app_name = "deals"

urlpatterns = [
    path("deals/", list_views.deal_list, name="deal-list"),
]

access.declare(
    app_name,
    {
        "deal-list": access.perm("deals.view_deal"),
    },
)
