"""Root URLs: the kernel's own, each app's, allauth's sign-in pages and the Django admin."""

from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path, re_path

from crm import access, search_views, views

crm_patterns = [
    path("health/", views.health_view, name="health"),
    path("health/live/", views.health_live, name="health-live"),
    path("system/", views.system_status, name="system-status"),
    path("system/ping/", views.system_ping, name="system-ping"),
    path("system/deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery-retry"),
    path("search/", search_views.search_view, name="search"),
]
access.declare(
    "crm",
    {
        "health": access.PUBLIC,
        "health-live": access.PUBLIC,
        "system-status": access.perm("crm.view_system_status"),
        "system-ping": access.perm("crm.view_system_status"),
        "delivery-retry": access.perm("crm.view_system_status", "crm.change_delivery"),
        # Each search group checks its own view permission and the visibility policy.
        "search": access.LOGIN,
    },
)

# Only the allauth pages Keel uses: no self-signup, no email management (admins own both).
account_patterns = [
    path("login/", allauth_views.login, name="account_login"),
    path("logout/", allauth_views.logout, name="account_logout"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    path("password/change/", allauth_views.password_change, name="account_change_password"),
    path("password/set/", allauth_views.password_set, name="account_set_password"),
    path("password/reset/", allauth_views.password_reset, name="account_reset_password"),
    path(
        "password/reset/done/",
        allauth_views.password_reset_done,
        name="account_reset_password_done",
    ),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        allauth_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        allauth_views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
]
access.declare(
    "",
    {
        "account_login": access.PUBLIC,
        "account_logout": access.LOGIN,
        "account_inactive": access.PUBLIC,
        "account_change_password": access.LOGIN,
        "account_set_password": access.LOGIN,
        "account_reset_password": access.PUBLIC,
        "account_reset_password_done": access.PUBLIC,
        "account_reset_password_from_key": access.PUBLIC,
        "account_reset_password_from_key_done": access.PUBLIC,
    },
)

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("contacts.urls")),
    path("", include("leads.urls")),
    path("", include("deals.urls")),
    path("", include("activities.urls")),
    path("", include("reports.urls")),
    path("", include("notifications.urls")),
    path("", include((crm_patterns, "crm"))),
    path("accounts/", include(account_patterns)),
    path("admin/", admin.site.urls),
]

handler500 = "crm.views.server_error"
