"""Lead pages for every role: rep, other rep (404), manager (team), admin, read-only,
support, anonymous; create/edit/status/delete/convert and their refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Event
from leads.models import Lead
from tests.contacts.factories import CustomFieldFactory, TagFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def detail(lead):
    return reverse("leads:lead-detail", args=[lead.pk])


def url(name, lead):
    return reverse(f"leads:{name}", args=[lead.pk])


def converted(lead):
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONVERTED)
    lead.refresh_from_db()
    return lead


# ---------------------------------------------------------------- detail


def test_detail_for_every_role(client_for, rep, other_rep, manager, admin_user, read_only, support):
    lead = LeadFactory(owner=rep, first_name="Jane", last_name="Doe", company_name="Acme")
    for user in (rep, manager, admin_user, read_only, support):
        response = client_for(user).get(detail(lead))
        assert response.status_code == 200, user
        assert b"Jane Doe" in response.content
    assert client_for(other_rep).get(detail(lead)).status_code == 404
    anonymous = client_for(None).get(detail(lead))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_detail_offers_actions_by_right(client_for, rep, manager, read_only):
    lead = LeadFactory(owner=rep)
    edit, convert, delete = (
        url("lead-edit", lead),
        url("lead-convert", lead),
        url("lead-delete", lead),
    )
    page = client_for(rep).get(detail(lead)).content.decode()
    assert edit in page
    assert convert in page
    assert delete not in page
    page = client_for(manager).get(detail(lead)).content.decode()
    assert edit in page
    assert convert in page
    assert delete in page
    page = client_for(read_only).get(detail(lead)).content.decode()
    assert edit not in page
    assert convert not in page
    assert delete not in page


def test_detail_of_a_converted_lead_is_read_only_with_links(client_for, rep):
    lead = converted(LeadFactory(owner=rep))
    page = client_for(rep).get(detail(lead)).content.decode()
    assert "read-only" in page
    assert url("lead-edit", lead) not in page
    assert url("lead-convert", lead) not in page


def test_detail_queries_do_not_grow_with_tags_and_fields(
    client_for, rep, django_assert_max_num_queries
):
    client = client_for(rep)
    small = LeadFactory(owner=rep)
    small.tags.add(TagFactory())
    client.get(detail(small))  # warm caches (content types, permissions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as baseline:
        assert client.get(detail(small)).status_code == 200
    most = len(baseline.captured_queries)  # now: each request clears the query log
    big = LeadFactory(owner=rep, custom={})
    big.tags.add(*TagFactory.create_batch(12))
    for n in range(6):
        CustomFieldFactory(key=f"extra_{n}", label=f"Extra {n}")
    big.custom = {f"extra_{n}": f"value {n}" for n in range(6)}
    big.save()
    client.get(detail(big))  # warm again: adding fields dropped the cached definitions
    with django_assert_max_num_queries(most):
        assert client.get(detail(big)).status_code == 200


# ---------------------------------------------------------------- create


def test_create_page_by_permission(client_for, rep, read_only, support):
    assert client_for(rep).get(reverse("leads:lead-create")).status_code == 200
    assert client_for(read_only).get(reverse("leads:lead-create")).status_code == 403
    assert client_for(support).get(reverse("leads:lead-create")).status_code == 403


def post_lead(client, **values):
    data = {
        "first_name": "Jane",
        "last_name": "Doe",
        "company_name": "Acme",
        "email": "jane@acme.test",
        "phone": "+1 415 555 0100",
        "status": "new",
        "source": "referral",
        "rating": "warm",
        "tags": "vip, expo",
        **values,
    }
    return client.post(reverse("leads:lead-create"), data)


def test_create_saves_and_redirects(client_for, rep):
    response = post_lead(client_for(rep), owner=rep.pk)
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url()
    assert (lead.owner, lead.phone, lead.rating) == (rep, "+14155550100", "warm")
    assert sorted(t.name for t in lead.tags.all()) == ["expo", "vip"]
    assert Event.objects.filter(type="lead.created").count() == 1


def test_create_with_bad_input_answers_400_and_saves_nothing(client_for, rep):
    response = post_lead(client_for(rep), owner=rep.pk, phone="12", last_name="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "A lead needs a last name." in page
    assert "is not a" in page
    assert not Lead.objects.exists()


def test_create_refuses_an_owner_outside_the_reps_reach(client_for, rep, other_rep):
    response = post_lead(client_for(rep), owner=other_rep.pk)
    assert response.status_code == 400
    assert not Lead.objects.exists()


def test_duplicate_warning_before_saving_then_continue(client_for, rep):
    existing = LeadFactory(owner=rep, email="jane@acme.test", first_name="Jane", last_name="Doe")
    client = client_for(rep)
    response = post_lead(client, owner=rep.pk, email="JANE@acme.test")
    assert response.status_code == 200
    page = response.content.decode()
    assert "may already be in Keel" in page
    assert existing.get_absolute_url() in page
    assert "same email" in page
    assert Lead.objects.count() == 1
    response = post_lead(client, owner=rep.pk, ignore_duplicates="1")
    assert response.status_code == 302
    assert Lead.objects.count() == 2


def test_duplicate_warning_never_shows_leads_the_user_cannot_see(client_for, rep, other_rep):
    LeadFactory(owner=other_rep, email="jane@acme.test")
    response = post_lead(client_for(rep), owner=rep.pk)
    assert response.status_code == 302
    assert Lead.objects.count() == 2


def test_live_duplicate_check(client_for, rep, other_rep):
    mine = LeadFactory(owner=rep, phone="+14155550100")
    theirs = LeadFactory(owner=other_rep, phone="+14155550100")
    response = client_for(rep).get(
        reverse("leads:lead-duplicates"), {"phone": "(415) 555-0100"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="lead-duplicates"' in page
    assert mine.get_absolute_url() in page
    assert theirs.get_absolute_url() not in page
    assert "same phone" in page
    assert "<html" not in page
    response = client_for(rep).get(
        reverse("leads:lead-duplicates"), {"phone": "+14155550100", "exclude": mine.pk}
    )
    assert mine.get_absolute_url() not in response.content.decode()


# ---------------------------------------------------------------- edit, status, delete


def test_edit(client_for, rep, other_rep, read_only):
    lead = LeadFactory(owner=rep)
    client = client_for(rep)
    assert client.get(url("lead-edit", lead)).status_code == 200
    response = client.post(
        url("lead-edit", lead),
        {
            "last_name": "Smith",
            "status": "contacted",
            "source": "event",
            "owner": rep.pk,
            "tags": "",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.last_name, lead.status, lead.source) == ("Smith", "contacted", "event")
    assert client_for(other_rep).get(url("lead-edit", lead)).status_code == 404
    assert client_for(read_only).get(url("lead-edit", lead)).status_code == 403


def test_edit_of_a_converted_lead_answers_409(client_for, rep):
    lead = converted(LeadFactory(owner=rep, last_name="Before"))
    client = client_for(rep)
    assert client.get(url("lead-edit", lead)).status_code == 409
    response = client.post(
        url("lead-edit", lead),
        {"last_name": "After", "status": "new", "source": "event", "owner": rep.pk},
    )
    assert response.status_code == 409
    assert Lead.objects.get(pk=lead.pk).last_name == "Before"


def test_status_change(client_for, rep, other_rep, read_only):
    lead = LeadFactory(owner=rep)
    client = client_for(rep)
    response = client.post(url("lead-status", lead), {"status": "qualified"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == "qualified"
    assert client.post(url("lead-status", lead), {"status": "converted"}).status_code == 400
    assert client.post(url("lead-status", lead), {"status": "bogus"}).status_code == 400
    assert client.get(url("lead-status", lead)).status_code == 405
    assert (
        client_for(other_rep).post(url("lead-status", lead), {"status": "new"}).status_code == 404
    )
    assert (
        client_for(read_only).post(url("lead-status", lead), {"status": "new"}).status_code == 403
    )
    assert Lead.objects.get(pk=lead.pk).status == "qualified"


def test_status_change_of_converted_lead_is_refused(client_for, rep):
    lead = converted(LeadFactory(owner=rep))
    assert client_for(rep).post(url("lead-status", lead), {"status": "new"}).status_code == 409
    assert Lead.objects.get(pk=lead.pk).status == "converted"


def test_delete(client_for, rep, manager, other_rep):
    lead = LeadFactory(owner=rep)
    assert client_for(rep).get(url("lead-delete", lead)).status_code == 403
    client = client_for(manager)
    page = client.get(url("lead-delete", lead))
    assert page.status_code == 200
    assert b"cannot be undone" in page.content
    response = client.post(url("lead-delete", lead))
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:lead-list")
    assert not Lead.objects.exists()


def test_manager_cannot_delete_another_teams_lead(client_for, manager, other_rep):
    lead = LeadFactory(owner=other_rep)
    assert client_for(manager).post(url("lead-delete", lead)).status_code == 404
    assert Lead.objects.exists()


def test_delete_of_converted_lead_is_refused(client_for, manager):
    lead = converted(LeadFactory(owner=manager))
    assert client_for(manager).post(url("lead-delete", lead)).status_code == 409
    assert Lead.objects.exists()


# ---------------------------------------------------------------- convert page access


def test_convert_page_access(client_for, rep, other_rep, read_only, manager):
    lead = LeadFactory(owner=rep)
    assert client_for(rep).get(url("lead-convert", lead)).status_code == 200
    assert client_for(manager).get(url("lead-convert", lead)).status_code == 200
    assert client_for(other_rep).get(url("lead-convert", lead)).status_code == 404
    assert client_for(read_only).get(url("lead-convert", lead)).status_code == 403
    assert client_for(None).get(url("lead-convert", lead)).status_code == 302
    done = converted(LeadFactory(owner=rep))
    assert client_for(rep).get(url("lead-convert", done)).status_code == 409


def test_custom_fields_on_the_form_are_validated_and_stored(client_for, rep):
    CustomFieldFactory(key="budget", label="Budget", field_type="money")
    CustomFieldFactory(
        key="segment", label="Segment", field_type="choice", choices=["SMB", "Enterprise"]
    )
    client = client_for(rep)
    page = client.get(reverse("leads:lead-create")).content.decode()
    assert 'name="cf_budget"' in page
    assert 'name="cf_segment"' in page
    bad = post_lead(client, owner=rep.pk, cf_budget="lots", ignore_duplicates="1")
    assert bad.status_code == 400
    assert not Lead.objects.exists()
    post_lead(client, owner=rep.pk, cf_budget="1200.5", cf_segment="SMB", ignore_duplicates="1")
    lead = Lead.objects.get()
    assert lead.custom == {"budget": "1200.50", "segment": "SMB"}
    page = client.get(detail(lead)).content.decode()
    assert "1,200.50 USD" in page
    assert "SMB" in page
