from django.urls import path

from accounts import views
from crm import access

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/theme/", views.theme, name="theme"),
]

access.declare(
    app_name,
    {
        "home": access.LOGIN,
        "profile": access.LOGIN,
        "theme": access.LOGIN,
    },
)
