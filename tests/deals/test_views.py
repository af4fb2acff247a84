"""Deal pages for every role: detail (stage bar, history, rotting), create and edit (stale
edits answer 409 and keep the input), won/lost/reopen, delete, pickers and stage options."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals import services
from deals.models import Deal, StageChange
from tests.contacts.factories import CompanyFactory, ContactFactory, CustomFieldFactory
from tests.deals.factories import DealFactory, PipelineFactory

pytestmark = pytest.mark.django_db


def url(name, deal=None):
    return reverse(f"deals:{name}", args=[deal.pk] if deal is not None else [])


# ---------------------------------------------------------------- detail


def test_detail_for_every_role(client_for, rep, other_rep, manager, admin_user, read_only, support):
    deal = DealFactory(owner=rep, name="Acme pilot", amount=Decimal("12500"))
    for user in (rep, manager, admin_user, read_only, support):
        response = client_for(user).get(url("deal-detail", deal))
        assert response.status_code == 200, user
        assert b"Acme pilot" in response.content
        assert b"$12,500" in response.content
    assert client_for(other_rep).get(url("deal-detail", deal)).status_code == 404
    anonymous = client_for(None).get(url("deal-detail", deal))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_detail_offers_actions_by_right(client_for, rep, manager, read_only):
    deal = DealFactory(owner=rep)
    edit, move, delete = url("deal-edit", deal), url("deal-move", deal), url("deal-delete", deal)
    rep_page = client_for(rep).get(url("deal-detail", deal)).content.decode()
    assert edit in rep_page
    assert move in rep_page  # the stage bar
    assert delete not in rep_page  # reps do not delete deals
    assert delete in client_for(manager).get(url("deal-detail", deal)).content.decode()
    viewer = client_for(read_only).get(url("deal-detail", deal)).content.decode()
    assert edit not in viewer
    assert move not in viewer
    assert 'aria-current="step"' in viewer


def test_detail_shows_history_contacts_custom_fields_and_rotting(client_for, rep):
    CustomFieldFactory(entity="deal", key="seats", label="Seats", field_type="number")
    company = CompanyFactory(owner=rep, name="Acme Inc")
    contact = ContactFactory(owner=rep, first_name="Jane", last_name="Doe", company=company)
    deal = services.deal_create(
        actor=rep,
        name="Acme pilot",
        pipeline=PipelineFactory(name="P"),
        company=company,
        contacts=[contact],
        custom={"seats": 40},
    )
    services.deal_move(actor=rep, deal=deal, stage=deal.pipeline.stages.get(name="Propose"))
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - timedelta(days=9))
    html = client_for(rep).get(url("deal-detail", deal)).content.decode()
    assert "Qualify → Propose" in html
    assert "Created in Qualify" in html
    assert "Jane Doe" in html
    assert "Seats" in html
    assert "40" in html
    assert "Rotting: idle 9 days." in html


def test_detail_queries_do_not_grow_with_history(client_for, rep, django_assert_max_num_queries):
    deal = DealFactory(owner=rep)
    stages = list(deal.pipeline.stages.order_by("position"))
    client = client_for(rep)
    client.get(url("deal-detail", deal))
    for _ in range(20):
        StageChange.objects.create(deal=deal, from_stage=stages[0], to_stage=stages[1])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url("deal-detail", deal))
    for _ in range(20):
        StageChange.objects.create(deal=deal, from_stage=stages[1], to_stage=stages[2])
    with CaptureQueriesContext(connection) as many:
        client.get(url("deal-detail", deal))
    assert len(few) == len(many)


def test_history_outlives_a_deleted_stage(client_for, admin_user, rep):
    pipeline = PipelineFactory(name="P")
    deal = services.deal_create(actor=rep, name="D", pipeline=pipeline)
    services.deal_move(actor=rep, deal=deal, stage=pipeline.stages.get(name="Propose"))
    services.deal_move(actor=rep, deal=deal, stage=pipeline.stages.get(name="Negotiate"))
    pipeline.stages.get(name="Propose").deals.all()  # empty now
    specs = [
        services.StageSpec(
            pk=s.pk,
            name=s.name,
            kind="won" if s.is_won else "lost" if s.is_lost else "open",
            delete=s.name == "Propose",
        )
        for s in pipeline.stages.order_by("position")
    ]
    services.pipeline_save(actor=admin_user, pipeline=pipeline, name="P", stages=specs)
    html = client_for(rep).get(url("deal-detail", deal)).content.decode()
    assert "Propose → Negotiate" in html
    assert "(stage since removed)" in html


# ---------------------------------------------------------------- stage bar, won, lost, reopen


def test_the_stage_bar_moves_the_deal(client_for, rep):
    deal = DealFactory(owner=rep)
    propose = deal.pipeline.stages.get(name="Propose")
    response = client_for(rep).post(url("deal-move", deal), {"stage": propose.pk, "version": 1})
    assert response.status_code == 302
    assert response["Location"] == deal.get_absolute_url()
    deal.refresh_from_db()
    assert deal.stage == propose


def test_the_stage_bar_refuses_a_stale_page_with_409(client_for, rep):
    deal = DealFactory(owner=rep, name="Original")
    Deal.objects.filter(pk=deal.pk).update(version=2, name="Changed elsewhere")
    propose = deal.pipeline.stages.get(name="Propose")
    response = client_for(rep).post(url("deal-move", deal), {"stage": propose.pk, "version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert "Changed elsewhere" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage.name == "Qualify"


def test_won_lost_and_reopen(client_for, rep, read_only):
    deal = DealFactory(owner=rep)
    client = client_for(rep)
    assert client.post(url("deal-won", deal), {"version": 1}).status_code == 302
    deal.refresh_from_db()
    assert deal.status == "won"
    assert client.post(url("deal-reopen", deal), {"version": deal.version}).status_code == 302
    deal.refresh_from_db()
    assert deal.status == "open"
    form = client.get(url("deal-lost", deal))
    assert form.status_code == 200
    assert b"Why was it lost?" in form.content
    empty = client.post(url("deal-lost", deal), {"reason": "", "version": deal.version})
    assert empty.status_code == 400
    assert b"Say why the deal was lost." in empty.content
    done = client.post(url("deal-lost", deal), {"reason": "Budget", "version": deal.version})
    assert done.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == ("lost", "Budget")
    assert client_for(read_only).post(url("deal-won", deal)).status_code == 403


# ---------------------------------------------------------------- create and edit


def test_create_for_rights(client_for, rep, read_only, support):
    assert client_for(rep).get(url("deal-create")).status_code == 200
    assert client_for(read_only).get(url("deal-create")).status_code == 403
    assert client_for(support).get(url("deal-create")).status_code == 403


def test_create_a_deal(client_for, rep, events):
    pipeline = PipelineFactory(name="New business")
    stage = pipeline.stages.get(name="Propose")
    company = CompanyFactory(owner=rep, name="Acme Inc")
    contact = ContactFactory(owner=rep)
    response = client_for(rep).post(
        url("deal-create"),
        {
            "name": "Acme pilot",
            "pipeline": pipeline.pk,
            "stage": stage.pk,
            "amount": "12500",
            "currency": "EUR",
            "expected_close_date": "2030-06-30",
            "company": company.pk,
            "contacts": [contact.pk],
            "owner": rep.pk,
            "tags": "pilot, q3",
            "description": "Via the trade show",
        },
    )
    deal = Deal.objects.get(name="Acme pilot")
    assert response.status_code == 302
    assert response["Location"] == deal.get_absolute_url()
    assert (deal.stage, deal.amount, deal.currency, deal.company) == (
        stage,
        Decimal("12500.00"),
        "EUR",
        company,
    )
    assert list(deal.contacts.all()) == [contact]
    assert sorted(t.name for t in deal.tags.all()) == ["pilot", "q3"]
    assert len(events("deal.created")) == 1


def test_create_refuses_bad_input_with_messages(client_for, rep, other_rep):
    pipeline = PipelineFactory(name="P")
    other = PipelineFactory(name="Q")
    base = {"name": "X", "pipeline": pipeline.pk, "amount": "1", "currency": "USD", "owner": rep.pk}
    cases = [
        ({"stage": other.stages.first().pk}, "Select a valid choice"),
        ({"stage": pipeline.stages.get(name="Lost").pk}, "Say why the deal was lost."),
        (
            {"stage": pipeline.stages.first().pk, "company": CompanyFactory(owner=other_rep).pk},
            "Select a valid choice",
        ),
        ({"stage": pipeline.stages.first().pk, "amount": "-3"}, "greater than or equal to 0"),
        ({"stage": pipeline.stages.first().pk, "name": ""}, "A deal needs a name."),
    ]
    for extra, message in cases:
        response = client_for(rep).post(url("deal-create"), {**base, **extra})
        assert response.status_code == 400, extra
        assert message in response.content.decode(), extra
    assert not Deal.objects.exists()


def test_create_prefilled_from_a_company_or_contact(client_for, rep):
    company = CompanyFactory(owner=rep, name="Globex")
    contact = ContactFactory(owner=rep, company=company, first_name="Hank", last_name="Scorpio")
    html = client_for(rep).get(f"{url('deal-create')}?contact={contact.pk}").content.decode()
    assert 'value="Globex deal"' in html
    assert f'name="company" value="{company.pk}" checked' in html
    assert f'name="contacts" value="{contact.pk}" checked' in html


def test_edit_saves_and_a_stale_edit_keeps_the_input(client_for, rep, manager):
    deal = DealFactory(owner=rep, name="Before", amount=Decimal("100"))
    client = client_for(rep)
    page = client.get(url("deal-edit", deal))
    assert b'name="version" value="1"' in page.content
    form = {
        "name": "Mine",
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "amount": "150",
        "currency": "USD",
        "owner": rep.pk,
        "version": 1,
    }
    services.deal_update(actor=manager, deal=deal, amount="999")  # someone else, version 2
    stale = client.post(url("deal-edit", deal), form)
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "This deal was changed by someone else — reloaded." in html
    assert 'value="Mine"' in html  # the user's input is kept
    assert "Amount: now <strong>999.00</strong>" in html
    assert 'name="version" value="2"' in html
    deal.refresh_from_db()
    assert (deal.name, deal.amount) == ("Before", Decimal("999.00"))

    saved = client.post(url("deal-edit", deal), {**form, "version": 2})
    assert saved.status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.version) == ("Mine", Decimal("150.00"), 3)


def test_edit_refusals(client_for, rep, other_rep, read_only):
    deal = DealFactory(owner=rep)
    assert client_for(other_rep).get(url("deal-edit", deal)).status_code == 404
    assert client_for(read_only).get(url("deal-edit", deal)).status_code == 403


def test_delete_needs_the_right_and_confirms(client_for, rep, manager, events):
    deal = DealFactory(owner=rep)
    assert client_for(rep).get(url("deal-delete", deal)).status_code == 403
    confirm = client_for(manager).get(url("deal-delete", deal))
    assert confirm.status_code == 200
    assert b"cannot be undone" in confirm.content
    assert client_for(manager).post(url("deal-delete", deal)).status_code == 302
    assert not Deal.objects.exists()
    assert events("deal.deleted") == [{"deal_id": deal.pk}]


# ---------------------------------------------------------------- stage options and pickers


def test_stage_options_follow_the_pipeline(client_for, rep):
    pipeline = PipelineFactory(name="P", stages=["First", "Second"])
    html = client_for(rep).get(f"{url('stage-options')}?pipeline={pipeline.pk}").content.decode()
    assert html.count("<option") == 4
    assert ">First</option>" in html
    assert "selected" in html.split("First")[0]
    assert 'data-kind="lost"' in html
    assert client_for(rep).get(f"{url('stage-options')}?pipeline=x").status_code == 400


def test_pickers_offer_only_visible_records(client_for, rep, other_rep):
    CompanyFactory(owner=rep, name="Acme Robotics")
    CompanyFactory(owner=other_rep, name="Acme Hidden")
    company = CompanyFactory(owner=rep, name="Globex")
    ContactFactory(owner=rep, first_name="Jane", last_name="Doe", company=company)
    ContactFactory(owner=other_rep, first_name="Jane", last_name="Hidden")
    client = client_for(rep)
    found = client.get(f"{url('company-lookup')}?q=acme").content.decode()
    assert "Acme Robotics" in found
    assert "Acme Hidden" not in found
    people = client.get(f"{url('contact-lookup')}?q=jane").content.decode()
    assert "Jane Doe" in people
    assert "Hidden" not in people
    of_company = client.get(f"{url('contact-lookup')}?company={company.pk}").content.decode()
    assert "Jane Doe" in of_company
    none = client.get(f"{url('company-lookup')}?q=zzz").content.decode()
    assert "matches" in none
