from django.urls import path

from accounts import list_views, views
from crm import access

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/theme/", views.theme, name="theme"),
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
        "audit-log": access.perm("accounts.view_auditentry"),
        "access-explain": access.perm("accounts.change_user"),
        "ip-allowlist": access.perm("accounts.change_ipallowrange"),
    },
)
