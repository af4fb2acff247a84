from django.urls import path

from accounts import list_views, views
from crm import access

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/theme/", views.theme, name="theme"),
    path("accounts/sessions/", views.my_sessions, name="sessions"),
    path("settings/users/<int:pk>/sessions/", views.user_sessions, name="user-sessions"),
    path("settings/audit/", list_views.audit_log, name="audit-log"),
    path("settings/access/explain/", views.access_explain, name="access-explain"),
    path("settings/ip-allowlist/", views.ip_allowlist, name="ip-allowlist"),
]

access.declare(
    app_name,
    {
        "home": access.LOGIN,
        "profile": access.LOGIN,
        "theme": access.LOGIN,
        "sessions": access.LOGIN,
        "user-sessions": access.perm("accounts.change_user"),
        "audit-log": access.perm("accounts.view_auditentry"),
        "access-explain": access.perm("accounts.change_user"),
        "ip-allowlist": access.perm("accounts.change_ipallowrange"),
    },
)
