from django.urls import path

from crm import access
from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/menu/", views.notification_menu, name="menu"),
    path("notifications/since/", views.notification_since, name="since"),
    path("notifications/read-all/", views.notification_read_all, name="read-all"),
    path("notifications/preferences/", views.notification_preferences, name="preferences"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
]

# Everyone signed in has an inbox; each view reads only the user's own notifications.
access.declare(
    app_name,
    {
        "list": access.LOGIN,
        "menu": access.LOGIN,
        "since": access.LOGIN,
        "read-all": access.LOGIN,
        "open": access.LOGIN,  # another user's notification answers 404
        "read": access.LOGIN,
        "preferences": access.LOGIN,  # one's own
    },
)
