from django.urls import path

from activities import list_views, views
from crm import access

app_name = "activities"

urlpatterns = [
    path("tasks/", list_views.task_list, name="task-list"),
    path("tasks/mine/", views.my_tasks, name="task-mine"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task-complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task-reopen"),
    path("tasks/<int:pk>/reschedule/", views.task_reschedule, name="task-reschedule"),
    path("tasks/<int:pk>/assign/", views.task_assign, name="task-assign"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task-delete"),
    path("activities/log/", views.activity_log, name="activity-log"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/reschedule/", views.activity_reschedule, name="activity-reschedule"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity-delete"),
    path("timeline/", views.timeline_page, name="timeline"),
    path("calendar/", views.calendar, name="calendar"),
]

access.declare(
    app_name,
    {
        "task-list": access.perm("activities.view_task"),
        "task-mine": access.perm("activities.view_task"),
        "task-create": access.perm("activities.add_task"),
        "task-detail": access.perm("activities.view_task"),
        "task-edit": access.perm("activities.change_task"),
        "task-complete": access.perm("activities.change_task"),
        "task-reopen": access.perm("activities.change_task"),
        "task-reschedule": access.perm("activities.change_task"),
        "task-assign": access.perm("activities.change_task"),
        "task-delete": access.perm("activities.delete_task"),
        "activity-log": access.perm("activities.add_activity"),
        "activity-detail": access.perm("activities.view_activity"),
        "activity-edit": access.perm("activities.change_activity"),
        "activity-reschedule": access.perm("activities.change_activity"),
        "activity-delete": access.perm("activities.delete_activity"),
        "timeline": access.perm("activities.view_activity"),
        "calendar": access.perm("activities.view_task"),
    },
)
