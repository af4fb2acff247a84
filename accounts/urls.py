from django.urls import path

from accounts import list_views, settings_views, twofactor_views, views
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
    path("records/share/people/", views.record_share_people, name="record-share-people"),
    path("settings/users/<int:pk>/preview/", settings_views.user_preview, name="user-preview"),
    path("accounts/preview/stop/", settings_views.preview_stop, name="preview-stop"),
    path("settings/teams/", settings_views.team_list, name="team-list"),
    path("settings/teams/<int:pk>/", settings_views.team_detail, name="team-detail"),
    path("settings/teams/<int:pk>/delete/", settings_views.team_delete, name="team-delete"),
]

# Two-factor authentication (accounts/twofactor.py); reachable while the second factor is
# still missing, as TwoFactorMiddleware allows.
tf = twofactor_views
urlpatterns += [
    path("accounts/two-factor/", tf.setup, name="twofactor-setup"),
    path("accounts/two-factor/verify/", tf.challenge, name="twofactor-challenge"),
    path("accounts/two-factor/app/", tf.app, name="twofactor-app"),
    path("accounts/two-factor/app/remove/", tf.app_remove, name="twofactor-app-remove"),
    path("accounts/two-factor/backup-codes/", tf.backup_codes, name="twofactor-backup-codes"),
    path(
        "accounts/two-factor/backup-codes/new/",
        tf.backup_codes_new,
        name="twofactor-backup-codes-new",
    ),
    path("accounts/two-factor/disable/", tf.disable, name="twofactor-disable"),
    path(
        "accounts/two-factor/passkeys/register/options/",
        tf.passkey_register_options,
        name="passkey-register-options",
    ),
    path("accounts/two-factor/passkeys/register/", tf.passkey_register, name="passkey-register"),
    path(
        "accounts/two-factor/passkeys/verify/options/",
        tf.passkey_auth_options,
        name="passkey-auth-options",
    ),
    path("accounts/two-factor/passkeys/verify/", tf.passkey_auth, name="passkey-auth"),
    path("accounts/two-factor/passkeys/<int:pk>/remove/", tf.passkey_remove, name="passkey-remove"),
    path("accounts/passkey-login/options/", tf.passkey_login_options, name="passkey-login-options"),
    path("accounts/passkey-login/", tf.passkey_login, name="passkey-login"),
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
        "record-share-people": access.LOGIN,  # names of active people and teams
        "user-preview": access.perm("accounts.change_user"),
        "preview-stop": access.LOGIN,
        "team-list": access.perm("accounts.change_team"),  # creating needs add_team
        "team-detail": access.perm("accounts.change_team"),
        "team-delete": access.perm("accounts.delete_team"),
        # Each person's own second factors: signed in is enough, nobody reaches another's.
        "twofactor-setup": access.LOGIN,
        "twofactor-challenge": access.LOGIN,
        "twofactor-app": access.LOGIN,
        "twofactor-app-remove": access.LOGIN,
        "twofactor-backup-codes": access.LOGIN,
        "twofactor-backup-codes-new": access.LOGIN,
        "twofactor-disable": access.LOGIN,
        "passkey-register-options": access.LOGIN,
        "passkey-register": access.LOGIN,
        "passkey-auth-options": access.LOGIN,
        "passkey-auth": access.LOGIN,
        "passkey-remove": access.LOGIN,
        "passkey-login-options": access.PUBLIC,
        "passkey-login": access.PUBLIC,
    },
)
