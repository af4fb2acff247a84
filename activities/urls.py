from django.urls import path

from activities import list_views
from crm import access

app_name = "activities"

urlpatterns = [
    path("tasks/", list_views.task_list, name="task-list"),
]

access.declare(
    app_name,
    {
        "task-list": access.perm("activities.view_task"),
    },
)
