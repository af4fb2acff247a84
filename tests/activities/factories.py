from datetime import timedelta

import factory
from django.utils import timezone

from activities.models import Activity, Task
from tests.contacts.factories import OwnedFactory


class ActivityFactory(OwnedFactory):
    class Meta:
        model = Activity

    kind = Activity.Kind.CALL
    subject = factory.Sequence(lambda n: f"Call {n}")
    occurred_at = factory.LazyFunction(timezone.now)


class MeetingFactory(ActivityFactory):
    kind = Activity.Kind.MEETING
    subject = factory.Sequence(lambda n: f"Meeting {n}")
    ends_at = factory.LazyAttribute(lambda o: o.occurred_at + timedelta(hours=1))


class TaskFactory(OwnedFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
