"""The Celery application: configured from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

#: Work is split by kind so a flood of one (a campaign's emails) never starves another.
QUEUES = ("default", "email", "webhooks", "reports", "ai")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.autodiscover_tasks()
