"""The notification center: bell, menu, page, marking read, catching up after a reconnect."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Notification
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
LIST = reverse("notifications:list")


def tell(user, title="Something happened", kind="lead.assigned", record=None):
    record = record or LeadFactory(owner=user)
    return services.notify(recipient=user, kind=kind, title=title, record=record)


def test_the_bell_shows_the_unread_count_on_every_page(client_for, rep):
    tell(rep)
    tell(rep)
    page = client_for(rep).get(reverse("accounts:home")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in page
    last = Notification.objects.filter(recipient=rep).latest("id")
    assert f'data-last-id="{last.pk}"' in page


def test_the_count_is_cached_not_counted_per_page(client_for, rep, django_assert_num_queries):
    tell(rep)
    client = client_for(rep)
    client.get(reverse("accounts:home"))
    assert services.unread_count(rep) == 1
    with django_assert_num_queries(0):
        assert services.unread_count(rep) == 1


def test_the_menu_and_the_page_list_mine_only_newest_first(client_for, rep, other_rep):
    first = tell(rep, "First")
    second = tell(rep, "Second")
    tell(other_rep, "Not yours")
    client = client_for(rep)
    menu = client.get(reverse("notifications:menu")).content.decode()
    assert menu.index("Second") < menu.index("First")
    assert "Not yours" not in menu
    page = client.get(LIST).content.decode()
    assert "Not yours" not in page
    assert f'id="notification-{second.pk}"' in page
    assert f'id="notification-{first.pk}"' in page


def test_filters_and_paging(client_for, rep):
    for n in range(55):
        tell(rep, f"Lead {n}")
    shared = tell(rep, "A share", kind="record.shared")
    services.mark_read(user=rep, notification=Notification.objects.get(title="Lead 54"))
    client = client_for(rep)
    page = client.get(LIST).content.decode()
    assert page.count('class="notification-item') == 50
    assert "Older notifications" in page
    older = client.get(LIST, {"before": Notification.objects.get(title="Lead 5").pk})
    assert older.content.decode().count('class="notification-item') == 5
    only = client.get(LIST, {"kind": "record.shared"}).content.decode()
    assert only.count('class="notification-item') == 1
    assert f"notification-{shared.pk}" in only
    unread = client.get(LIST, {"show": "unread"}).content.decode()
    assert "Lead 54" not in unread
    assert client.get(LIST, {"kind": "nonsense"}).status_code == 400
    assert client.get(LIST, {"before": "x"}).status_code == 400


def test_the_page_reads_in_a_fixed_number_of_queries(
    client_for, rep, django_assert_max_num_queries
):
    client = client_for(rep)
    tell(rep)
    client.get(LIST)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    for n in range(30):
        tell(rep, f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        client.get(LIST)


def test_opening_marks_read_and_goes_to_the_record(client_for, rep):
    note = tell(rep)
    client = client_for(rep)
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302
    assert response.url == note.url
    note.refresh_from_db()
    assert note.read_at is not None
    assert services.unread_count(rep) == 0


def test_nobody_opens_or_reads_another_persons_notification(client_for, rep, other_rep):
    note = tell(other_rep)
    client = client_for(rep)
    assert client.post(reverse("notifications:open", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_one_and_all_read(client_for, rep):
    one, _two, _three = tell(rep), tell(rep), tell(rep)
    client = client_for(rep)
    swapped = client.post(reverse("notifications:read", args=[one.pk]), HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    assert "is-unread" not in swapped.content.decode()
    assert swapped["HX-Trigger"] == '{"notification-count": {"unread": 2}}'
    assert services.unread_count(rep) == 2
    assert client.post(reverse("notifications:read-all")).status_code == 302
    assert services.unread_count(rep) == 0


def test_a_page_that_reconnects_gets_what_it_missed(client_for, rep):
    seen = tell(rep, "Seen")
    missed = [tell(rep, "Missed one"), tell(rep, "Missed two")]
    client = client_for(rep)
    data = client.get(reverse("notifications:since"), {"after": seen.pk}).json()
    assert data["unread"] == 3
    assert [item["id"] for item in data["items"]] == [m.pk for m in missed]
    assert "Missed one" in data["items"][0]["html"]
    assert client.get(reverse("notifications:since"), {"after": "x"}).status_code == 400


def test_a_stored_notification_is_pushed_to_the_open_pages(rep, django_capture_on_commit_callbacks):
    from unittest import mock

    with (
        mock.patch("crm.realtime.push_to_user") as push,
        mock.patch("crm.realtime.push_toast") as toast,
        django_capture_on_commit_callbacks(execute=True),
    ):
        note = tell(rep, "Live one")
    kinds = [call.kwargs["kind"] for call in push.call_args_list]
    assert kinds == ["notification"]
    assert push.call_args.kwargs["data"] == {"id": note.pk, "unread": 1, "title": "Live one"}
    toast.assert_called_once_with(rep.pk, "Live one")
