"""Keel's URLs plus the yardstick, which is public like the health checks."""

from django.urls import include, path

from bench import views
from crm import access
from crm.urls import urlpatterns as keel_urlpatterns

bench_patterns = [path("yardstick/", views.yardstick, name="yardstick")]
access.declare("bench", {"yardstick": access.PUBLIC})

urlpatterns = [*keel_urlpatterns, path("bench/", include((bench_patterns, "bench")))]
