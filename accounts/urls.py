from django.urls import path

from accounts import list_views, settings_views, views
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
    path("settings/roles/", settings_views.role_list, name="role-list"),
    path("settings/roles/new/", settings_views.role_create, name="role-create"),
    path("settings/roles/<int:pk>/", settings_views.role_detail, name="role-detail"),
    path("settings/roles/<int:pk>/delete/", settings_views.role_delete, name="role-delete"),
    path("settings/users/", settings_views.user_list, name="user-list"),
    path("settings/users/new/", settings_views.user_create, name="user-create"),
    path("settings/users/<int:pk>/", settings_views.user_detail, name="user-detail"),
    path("settings/users/<int:pk>/status/", settings_views.user_status, name="user-status"),
    path(
        "settings/users/<int:pk>/password-reset/",
        settings_views.user_password_reset,
        name="user-password-reset",
    ),
    path("records/share/", views.record_share, name="record-share"),
    path("records/unshare/", views.record_unshare, name="record-unshare"),
    path("settings/users/<int:pk>/preview/", settings_views.user_preview, name="user-preview"),
    path("accounts/preview/stop/", settings_views.preview_stop, name="preview-stop"),
    path("settings/teams/", settings_views.team_list, name="team-list"),
    path("settings/teams/<int:pk>/", settings_views.team_detail, name="team-detail"),
    path("settings/teams/<int:pk>/delete/", settings_views.team_delete, name="team-delete"),
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
        "role-list": access.perm("accounts.view_role"),
        "role-create": access.perm("accounts.add_role"),
        "role-detail": access.perm("accounts.view_role"),  # saving needs change_role
        "role-delete": access.perm("accounts.delete_role"),
        "user-list": access.perm("accounts.change_user"),
        "user-create": access.perm("accounts.add_user"),
        "user-detail": access.perm("accounts.change_user"),
        "user-status": access.perm("accounts.change_user"),
        "user-password-reset": access.perm("accounts.change_user"),
        "record-share": access.LOGIN,  # the record's own rules: sharing.may_share
        "record-unshare": access.LOGIN,
        "user-preview": access.perm("accounts.change_user"),
        "preview-stop": access.LOGIN,
        "team-list": access.perm("accounts.change_team"),  # creating needs add_team
        "team-detail": access.perm("accounts.change_team"),
        "team-delete": access.perm("accounts.delete_team"),
    },
)
