"""Activities and tasks in the Django admin: lists with their columns, filters and search."""

import pytest
from django.urls import reverse

from tests.activities.factories import ActivityFactory, TaskFactory
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", ["activity", "task"])
def test_lists_filters_search_and_change_pages_open(staff_client, rep, model):
    deal = DealFactory(owner=rep)
    obj = (ActivityFactory if model == "activity" else TaskFactory)(owner=rep, deal=deal)
    changelist = reverse(f"admin:activities_{model}_changelist")
    page = staff_client.get(changelist)
    assert page.status_code == 200
    assert str(obj).split(": ")[-1] in page.content.decode()
    label = str(obj).split(": ")[-1]
    assert label not in staff_client.get(changelist, {"q": "nothing matches this"}).content.decode()
    assert label in staff_client.get(changelist, {"q": rep.email}).content.decode()
    change = staff_client.get(reverse(f"admin:activities_{model}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert staff_client.get(reverse(f"admin:activities_{model}_add")).status_code == 200


def test_the_task_list_filters_by_completion(staff_client, rep):
    TaskFactory(owner=rep, title="Still open")
    page = staff_client.get(
        reverse("admin:activities_task_changelist"), {"completed_at__isnull": "True"}
    )
    assert page.status_code == 200
    assert "Still open" in page.content.decode()
