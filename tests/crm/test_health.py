"""GET /health/: a public, secret-free status per component; 503 when any fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm import health
from crm.beat import BEAT_HEARTBEAT, HeartbeatScheduler, beat_heartbeat_record
from crm.celery import app as celery_app
from crm.models import Heartbeat

pytestmark = pytest.mark.django_db
COMPONENTS = {"database", "cache", "channel_layer", "broker", "worker", "scheduler"}


def test_all_green_answers_200_with_every_component(client):
    beat_heartbeat_record()
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == COMPONENTS
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["scheduler"]["last_heartbeat"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_failing_component_answers_503_without_leaking_details(client, monkeypatch):
    beat_heartbeat_record()

    def broken_broker() -> str:
        raise ConnectionError("redis://:hunter2@10.0.0.5:6379 refused")

    monkeypatch.setitem(health.CHECKS, "broker", broken_broker)
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert "hunter2" not in response.content.decode()
    assert "10.0.0.5" not in response.content.decode()


def test_the_scheduler_fails_without_a_recent_heartbeat():
    results = {r.name: r for r in health.run_checks()}
    assert not results["scheduler"].ok
    assert "no heartbeat" in results["scheduler"].detail

    Heartbeat.objects.create(name=BEAT_HEARTBEAT, at=timezone.now() - dt.timedelta(minutes=5))
    results = {r.name: r for r in health.run_checks()}
    assert not results["scheduler"].ok
    assert "300 s ago" in results["scheduler"].detail


def test_the_beat_scheduler_records_a_heartbeat_as_it_ticks(monkeypatch, settings):
    settings.CRM_BEAT_HEARTBEAT_SECONDS = 15
    monkeypatch.setattr("django_celery_beat.schedulers.DatabaseScheduler.tick", lambda self: 60.0)
    monkeypatch.setattr("crm.beat.close_old_connections", lambda: None)  # keep the test's one
    scheduler = HeartbeatScheduler(app=celery_app, lazy=True)
    assert scheduler.tick() == 15  # never sleeps past the next heartbeat
    beat = Heartbeat.objects.get(name=BEAT_HEARTBEAT)
    assert timezone.now() - beat.at < dt.timedelta(seconds=5)


def test_liveness_needs_nothing_but_the_process(client):
    response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_probes_by_ip_are_answered_though_other_pages_check_the_host(client):
    assert client.get("/health/live/", headers={"host": "10.1.2.3:8000"}).status_code == 200
    assert client.get("/health/", headers={"host": "10.1.2.3:8000"}).status_code in (200, 503)
    assert client.get("/accounts/login/", headers={"host": "10.1.2.3:8000"}).status_code == 400
