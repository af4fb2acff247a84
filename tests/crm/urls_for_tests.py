"""A URLconf for error-page tests: Keel's URLs plus a view that fails."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [
    path("boom/", include(([path("", boom, name="boom")], "testing"))),
    path("", include("crm.urls")),
]

handler500 = "crm.views.server_error"
