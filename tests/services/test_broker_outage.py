"""With the broker down a change still commits at once, and its event is delivered once the
broker is back (the outbox sweeper re-queues it); real Redis, real worker process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from crm.models import Delivery, Event, Heartbeat
from tests.services.stack import ROOT, base_env, free_port, redis_server, worker_command

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PUBLISH = """
import json, time
import django
django.setup()
from django.db import transaction
from django.utils import timezone
import tests.services.probe  # registers the handler, so the event gets a delivery row
from crm.events import publish
from crm.models import Heartbeat

started = time.monotonic()
with transaction.atomic():
    Heartbeat.objects.create(name="the-change", at=timezone.now())
    event = publish("probe.changed", payload={"n": 1})
print(json.dumps({"event": event.pk, "seconds": time.monotonic() - started}))
"""


def test_event_published_while_broker_is_down_is_delivered_when_it_returns(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    env = base_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        CRM_EVENT_SWEEP_SECONDS="1",
        CRM_EVENT_STUCK_AFTER="1",
    )

    # Nothing listens on the port: the broker is down.
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert result["seconds"] < 10, "publishing must not hang on a broker outage"
    assert Heartbeat.objects.filter(name="the-change").exists()  # the change committed
    delivery = Delivery.objects.get(event_id=result["event"])
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.queued_at is None  # known not to be queued

    # The broker comes back, with a worker and beat (whose sweeper re-queues the delivery).
    with redis_server(port, tmp_path):
        log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            worker_command("--include", "tests.services.probe"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                delivery.refresh_from_db()
                if delivery.status == Delivery.Status.DONE:
                    break
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
                time.sleep(0.25)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
            log.close()
    assert delivery.status == Delivery.Status.DONE, (tmp_path / "worker.log").read_text()
    assert delivery.attempts == 1
    assert Heartbeat.objects.filter(name=f"probe-{result['event']}").exists()
    assert Event.objects.count() == 1
