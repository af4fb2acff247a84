from django.urls import path

from crm import access
from reports import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]

access.declare(
    app_name,
    {
        # Every figure reads through the visibility policy and shows only the sections
        # whose records the viewer may view (deals, leads, activities, tasks).
        "dashboard": access.LOGIN,
    },
)
