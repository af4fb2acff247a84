"""Lead services: validation, ownership rules, events, read-only after conversion, bulk."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Tag
from crm.models import Event
from leads import services
from leads.models import Lead
from tests.contacts.factories import TagFactory
from tests.leads.factories import LeadFactory, WebFormFactory

pytestmark = pytest.mark.django_db


def converted(lead: Lead) -> Lead:
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONVERTED)
    lead.refresh_from_db()
    return lead


# ---------------------------------------------------------------- create


def test_create_defaults_owner_to_actor_and_normalises(rep, events):
    lead = services.lead_create(
        actor=rep,
        first_name=" Jane ",
        last_name="Doe",
        email="Jane.Doe@Acme.TEST",
        phone="(415) 555-0134",
        website="acme.test",
        company_name="Acme",
        source=Lead.Source.REFERRAL,
        tags=["VIP", "trade show", "vip"],
    )
    lead.refresh_from_db()
    assert lead.owner == rep
    assert lead.team == rep.team
    assert lead.created_by == rep
    assert lead.first_name == "Jane"
    assert lead.email == "jane.doe@acme.test"
    assert lead.phone == "+14155550134"
    assert lead.website == "https://acme.test"
    assert sorted(t.name for t in lead.tags.all()) == ["VIP", "trade show"]
    assert events("lead.created") == [
        {
            "lead_id": lead.pk,
            "source": "referral",
            "web_form_id": None,
            "owner_id": rep.pk,
            "status": "new",
        }
    ]


def test_create_reuses_tags_case_insensitively(rep):
    existing = TagFactory(name="Trade Show")
    lead = services.lead_create(actor=rep, last_name="Doe", tags=["trade show"])
    assert list(lead.tags.all()) == [existing]
    assert Tag.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("last_name", "  "),
        ("email", "not-an-email"),
        ("phone", "12"),
        ("website", "not a url"),
        ("source", "carrier-pigeon"),
        ("rating", "lukewarm"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(rep, field, value):
    values = {"last_name": "Doe", field: value}
    with pytest.raises(ValidationError) as error:
        services.lead_create(actor=rep, **values)
    assert field in error.value.message_dict
    assert not Lead.objects.exists()
    assert not Event.objects.filter(type="lead.created").exists()


def test_create_refuses_the_converted_status(rep):
    with pytest.raises(ValidationError):
        services.lead_create(actor=rep, last_name="Doe", status=Lead.Status.CONVERTED)


def test_rep_cannot_give_a_new_lead_to_someone_else(rep, other_rep):
    with pytest.raises(ValidationError, match="may not assign"):
        services.lead_create(actor=rep, last_name="Doe", owner=other_rep)
    assert not Lead.objects.exists()


def test_manager_can_give_a_lead_to_the_team(manager, rep, other_rep):
    lead = services.lead_create(actor=manager, last_name="Doe", owner=rep)
    assert lead.owner == rep
    with pytest.raises(ValidationError):
        services.lead_create(actor=manager, last_name="Roe", owner=other_rep)


def test_web_form_lead_has_no_actor_and_names_the_form(rep, events):
    form = WebFormFactory(owner=rep)
    lead = services.lead_create(
        actor=None, last_name="Doe", owner=rep, source=Lead.Source.WEB_FORM, web_form=form
    )
    assert lead.created_by is None
    assert lead.web_form == form
    assert events("lead.created")[0]["web_form_id"] == form.pk
    assert Event.objects.get(type="lead.created").actor is None


# ---------------------------------------------------------------- update, assign, status


def test_update_changes_only_given_fields_and_lists_them(rep, events):
    lead = LeadFactory(owner=rep, title="CTO")
    services.lead_update(actor=rep, lead=lead, company_name="New Co", title="CTO")
    lead.refresh_from_db()
    assert lead.company_name == "New Co"
    assert events("lead.updated") == [{"lead_id": lead.pk, "changed": ["company_name"]}]


def test_update_without_changes_publishes_nothing(rep, events):
    lead = LeadFactory(owner=rep)
    services.lead_update(actor=rep, lead=lead, last_name=lead.last_name, tags=[])
    assert events("lead.updated") == []


def test_update_with_owner_and_status_publishes_their_events(manager, rep, events):
    lead = LeadFactory(owner=manager)
    services.lead_update(
        actor=manager, lead=lead, owner=rep, status=Lead.Status.QUALIFIED, rating="hot"
    )
    lead.refresh_from_db()
    assert (lead.owner, lead.team, lead.status, lead.rating) == (rep, rep.team, "qualified", "hot")
    assert events("lead.updated") == [{"lead_id": lead.pk, "changed": ["rating"]}]
    assert events("lead.assigned") == [
        {"lead_id": lead.pk, "from_owner_id": manager.pk, "to_owner_id": rep.pk}
    ]
    assert events("lead.status_changed") == [{"lead_id": lead.pk, "from": "new", "to": "qualified"}]


def test_update_of_someone_elses_lead_is_refused(rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    with pytest.raises(PermissionDenied):
        services.lead_update(actor=rep, lead=lead, last_name="Hacked")
    lead.refresh_from_db()
    assert lead.last_name != "Hacked"


def test_read_only_after_conversion(rep, events):
    lead = converted(LeadFactory(owner=rep))
    for call in (
        lambda: services.lead_update(actor=rep, lead=lead, last_name="Changed"),
        lambda: services.lead_assign(actor=rep, lead=lead, owner=rep),
        lambda: services.lead_status_change(actor=rep, lead=lead, status="contacted"),
        lambda: services.lead_add_tags(actor=rep, lead=lead, tags=["x"]),
    ):
        with pytest.raises(services.LeadReadOnly):
            call()
    lead.refresh_from_db()
    assert lead.last_name != "Changed"
    assert lead.status == "converted"
    assert not lead.tags.exists()


def test_read_only_check_reads_the_row_not_the_callers_copy(rep):
    lead = LeadFactory(owner=rep)
    stale = Lead.objects.get(pk=lead.pk)
    converted(lead)
    with pytest.raises(services.LeadReadOnly):
        services.lead_update(actor=rep, lead=stale, last_name="Changed")


def test_assign_publishes_from_and_to(manager, rep, events):
    lead = LeadFactory(owner=manager)
    services.lead_assign(actor=manager, lead=lead, owner=rep)
    assert lead.owner == rep
    assert events("lead.assigned") == [
        {"lead_id": lead.pk, "from_owner_id": manager.pk, "to_owner_id": rep.pk}
    ]
    services.lead_assign(actor=manager, lead=lead, owner=rep)  # no change, no event
    assert len(events("lead.assigned")) == 1


def test_rep_cannot_hand_a_lead_to_another_team(rep, other_rep):
    lead = LeadFactory(owner=rep)
    with pytest.raises(ValidationError):
        services.lead_assign(actor=rep, lead=lead, owner=other_rep)
    lead.refresh_from_db()
    assert lead.owner == rep


def test_status_change(rep, events):
    lead = LeadFactory(owner=rep)
    services.lead_status_change(actor=rep, lead=lead, status=Lead.Status.CONTACTED)
    assert Lead.objects.get(pk=lead.pk).status == "contacted"
    assert events("lead.status_changed") == [{"lead_id": lead.pk, "from": "new", "to": "contacted"}]
    with pytest.raises(ValidationError):
        services.lead_status_change(actor=rep, lead=lead, status=Lead.Status.CONVERTED)
    with pytest.raises(ValidationError):
        services.lead_status_change(actor=rep, lead=lead, status="nonsense")


def test_tags_add_and_remove(rep, events):
    lead = LeadFactory(owner=rep)
    services.lead_add_tags(actor=rep, lead=lead, tags=["hot prospect"])
    tag = Tag.objects.get(name="hot prospect")
    assert list(lead.tags.all()) == [tag]
    services.lead_remove_tag(actor=rep, lead=lead, tag=tag)
    assert not lead.tags.exists()
    assert len(events("lead.updated")) == 2


# ---------------------------------------------------------------- delete


def test_rep_may_not_delete_manager_may(rep, manager, events):
    lead = LeadFactory(owner=rep)
    with pytest.raises(PermissionDenied):
        services.lead_delete(actor=rep, lead=lead)
    pk = lead.pk
    services.lead_delete(actor=manager, lead=lead)
    assert not Lead.objects.filter(pk=pk).exists()
    assert events("lead.deleted") == [{"lead_id": pk}]


def test_converted_lead_is_not_deleted(manager):
    lead = converted(LeadFactory(owner=manager))
    with pytest.raises(services.LeadReadOnly):
        services.lead_delete(actor=manager, lead=lead)
    assert Lead.objects.filter(pk=lead.pk).exists()


# ---------------------------------------------------------------- bulk


def test_bulk_assign_acts_only_on_changeable_rows(manager, rep, other_rep, events):
    team = LeadFactory.create_batch(3, owner=manager)
    already = LeadFactory(owner=rep)
    foreign = LeadFactory(owner=other_rep)
    done = converted(LeadFactory(owner=manager))
    count = services.lead_bulk_assign(actor=manager, leads=Lead.objects.all(), owner=rep)
    assert count == 3
    assert set(Lead.objects.filter(owner=rep)) == {*team, already}
    assert Lead.objects.get(pk=foreign.pk).owner == other_rep
    assert Lead.objects.get(pk=done.pk).owner == manager
    assert {e["lead_id"] for e in events("lead.assigned")} == {lead.pk for lead in team}
    assert all(e["from_owner_id"] == manager.pk for e in events("lead.assigned"))


def test_bulk_assign_refuses_an_owner_out_of_reach(rep, other_rep):
    LeadFactory(owner=rep)
    with pytest.raises(ValidationError):
        services.lead_bulk_assign(actor=rep, leads=Lead.objects.all(), owner=other_rep)


def test_bulk_set_status(rep, other_rep, events):
    mine = LeadFactory.create_batch(2, owner=rep)
    LeadFactory(owner=rep, status=Lead.Status.QUALIFIED)
    LeadFactory(owner=other_rep)
    count = services.lead_bulk_set_status(actor=rep, leads=Lead.objects.all(), status="qualified")
    assert count == 2
    assert {e["lead_id"] for e in events("lead.status_changed")} == {lead.pk for lead in mine}
    with pytest.raises(ValidationError):
        services.lead_bulk_set_status(actor=rep, leads=Lead.objects.all(), status="converted")


def test_bulk_add_tag(rep, other_rep, events):
    tag = TagFactory(name="webinar")
    mine = LeadFactory.create_batch(3, owner=rep)
    mine[0].tags.add(tag)
    theirs = LeadFactory(owner=other_rep)
    count = services.lead_bulk_add_tag(actor=rep, leads=Lead.objects.all(), tag=tag)
    assert count == 2
    assert set(tag.leads.all()) == set(mine)
    assert not theirs.tags.exists()
    assert len(events("lead.updated")) == 2


def test_bulk_delete_needs_the_permission(rep, manager, other_rep, events):
    LeadFactory.create_batch(2, owner=rep)
    LeadFactory(owner=other_rep)
    assert services.lead_bulk_delete(actor=rep, leads=Lead.objects.all()) == 0
    assert services.lead_bulk_delete(actor=manager, leads=Lead.objects.all()) == 2
    assert Lead.objects.count() == 1
    assert len(events("lead.deleted")) == 2


def test_bulk_admin_changes_everything_but_converted(admin_user, rep, other_rep):
    LeadFactory(owner=rep)
    LeadFactory(owner=other_rep)
    converted(LeadFactory(owner=rep))
    assert (
        services.lead_bulk_set_status(
            actor=admin_user, leads=Lead.objects.all(), status="contacted"
        )
        == 2
    )


def test_bulk_queries_do_not_grow_per_row_beyond_events(manager, rep):
    def queries_for(n: int) -> tuple[int, int]:
        Lead.objects.all().delete()
        LeadFactory.create_batch(n, owner=manager)
        events_before = Event.objects.count()
        with CaptureQueriesContext(connection) as ctx:
            services.lead_bulk_set_status(
                actor=manager, leads=Lead.objects.all(), status="contacted"
            )
        return len(ctx.captured_queries), Event.objects.count() - events_before

    from crm.events import publish

    with CaptureQueriesContext(connection) as one_event:
        publish("lead.updated", actor=manager, payload={})
    small, small_events = queries_for(3)
    large, large_events = queries_for(23)
    assert large_events - small_events == 20
    # The only per-row queries are the event rows themselves.
    assert large - small <= 20 * len(one_event.captured_queries)
