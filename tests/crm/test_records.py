"""Record URLs built from a pattern reversed once, and the cached reference rows."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix

from contacts import custom_fields
from crm import reference
from crm.models import SavedView
from crm.records import record_url
from tests.contacts.factories import CustomFieldFactory

NAMES = (
    "leads:lead-detail",
    "contacts:contact-detail",
    "contacts:company-detail",
    "deals:deal-detail",
    "activities:task-detail",
)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 7, 918273645, 10**12])
def test_record_url_is_what_reverse_gives(name, pk):
    assert record_url(name, pk) == reverse(name, args=[pk])


def test_record_url_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert record_url("leads:lead-detail", 5) == reverse("leads:lead-detail", args=[5])
        assert record_url("leads:lead-detail", 5).startswith("/crm/")
    finally:
        set_script_prefix("/")


def test_record_url_takes_only_whole_numbers():
    with pytest.raises(ValueError, match="invalid literal"):
        record_url("leads:lead-detail", "5/../../admin")


@pytest.mark.django_db
def test_reference_rows_come_from_the_cache_until_forgotten():
    first = CustomFieldFactory(entity="contact", key="a", label="A")
    assert [f.key for f in custom_fields.definitions("contact")] == ["a"]
    with CaptureQueriesContext(connection) as queries:
        again = custom_fields.definitions("contact")
    assert len(queries) == 0
    assert again[0].pk == first.pk
    assert not again[0]._state.adding
    CustomFieldFactory(entity="contact", key="b", label="B")  # post_save forgets
    assert [f.key for f in custom_fields.definitions("contact")] == ["a", "b"]


@pytest.mark.django_db
def test_a_reorder_without_signals_still_refreshes_the_definitions(admin_user):
    from contacts import services

    a = CustomFieldFactory(entity="deal", key="a", label="A")
    b = CustomFieldFactory(entity="deal", key="b", label="B")
    assert [f.key for f in custom_fields.definitions("deal")] == ["a", "b"]
    services.custom_field_reorder(actor=admin_user, entity="deal", ids=[b.pk, a.pk])
    assert [f.key for f in custom_fields.definitions("deal")] == ["b", "a"]


@pytest.mark.django_db
def test_saved_views_are_forgotten_when_one_is_saved_or_deleted(rep):
    key = f"saved-views:{rep.pk}:leads"
    queryset = SavedView.objects.filter(user=rep, list_key="leads").order_by("name")
    assert reference.rows(key, queryset) == []
    view = SavedView.objects.create(user=rep, list_key="leads", name="Hot", query="status=new")
    assert [v.name for v in reference.rows(key, queryset)] == ["Hot"]
    view.delete()
    assert reference.rows(key, queryset) == []


@pytest.mark.django_db
def test_forget_drops_the_entry_again_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    cache.set("ref:x", 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reference.forget(["x"])
        assert cache.get("ref:x") is None
        cache.set("ref:x", 2)  # another request cached the old rows before the commit
    for callback in callbacks:
        callback()
    assert cache.get("ref:x") is None
