"""Websocket routes, all under ``/ws/`` (DESIGN.md section 6)."""

from django.urls import path

from crm.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
