"""Field levels on deals (Role.field_levels): a role that hides the amount never sees it nor
anything computed from it (deal page, board and its partials, company panel, delete page,
dashboard); one that makes it read-only sees it but cannot change it, whichever way in
(form, crafted POST, the service, lead conversion)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Role, User
from contacts.models import Contact
from deals import services
from deals.forms import DealForm
from deals.models import Deal
from leads import services as lead_services
from leads.models import Lead
from reports import selectors as report_selectors
from tests.contacts.factories import CompanyFactory
from tests.deals.factories import DealFactory, PipelineFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

MARKER = Decimal("987654.32")
# The marker as any page could print it: raw, grouped, rounded, and weighted at 10%.
SHOWN_AS = ("987654", "987,654", "98,765", "98765")
CLOSE = datetime.date(2031, 7, 19)
CLOSE_SHOWN_AS = ("2031-07-19", "19 Jul 2031", "Jul 19")
NOTES = "Budget signed off by the board"


def restrict(slug, **levels):
    """Give the standard role ``slug`` these levels on deals ("hidden", "read_only")."""
    role = Role.objects.get(slug=slug)
    role.field_levels = {"deals.deal": levels}
    role.full_clean()
    role.save()


def fresh(user):
    return User.objects.get(pk=user.pk)


def assert_no_amount(html, what=""):
    for text in SHOWN_AS:
        assert text not in html, (what, text)


def assert_no_close_date(html, what=""):
    for text in CLOSE_SHOWN_AS:
        assert text not in html, (what, text)


def url(name, *args):
    return reverse(name, args=args)


@pytest.fixture
def pipeline(db):
    return PipelineFactory(name="Field levels")


@pytest.fixture
def deal(rep, pipeline):
    return DealFactory(
        owner=rep,
        pipeline=pipeline,
        name="Acme rollout",
        amount=MARKER,
        expected_close_date=CLOSE,
        description=NOTES,
        company=CompanyFactory(owner=rep, name="Acme"),
    )


def edit_form(deal, **changes):
    return {
        "name": deal.name,
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date.isoformat()
        if deal.expected_close_date
        else "",
        "description": deal.description,
        "owner": deal.owner_id,
        "version": deal.version,
        **changes,
    }


# ---------------------------------------------------------------- the deal page


def test_the_deal_page_shows_nothing_of_hidden_fields(client_for, rep, support, deal):
    unrestricted = client_for(rep).get(url("deals:deal-detail", deal.pk)).content.decode()
    assert "$987,654.32" in unrestricted
    assert "19 Jul 2031" in unrestricted
    assert NOTES in unrestricted
    restrict(
        roles.SUPPORT_AGENT,
        amount="hidden",
        expected_close_date="hidden",
        description="hidden",
    )
    response = client_for(support).get(url("deals:deal-detail", deal.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme rollout" in html
    assert_no_amount(html)
    assert_no_close_date(html)
    assert NOTES not in html
    assert "Closes" not in html
    assert "<dt>Amount</dt>" not in html
    assert "<dt>Expected close</dt>" not in html
    assert "deal-notes-title" not in html
    assert "USD" not in html  # the currency goes with the amount


def test_read_only_fields_show_but_offer_no_way_to_change_them(client_for, rep, pipeline):
    restrict(roles.SALES_REP, amount="read_only", description="read_only")
    deal = DealFactory(owner=rep, pipeline=pipeline, amount=MARKER)
    client = client_for(rep)
    page = client.get(url("deals:deal-detail", deal.pk)).content.decode()
    assert "$987,654.32" in page
    assert "No notes yet." in page
    assert "#id_description" not in page  # no "Add some" link
    form = client.get(url("deals:deal-edit", deal.pk)).content.decode()
    assert 'name="amount" value="987654.32"' in form
    for name in ("amount", "currency", "description"):
        tag = form[form.index(f'id="id_{name}"') - 200 : form.index(f'id="id_{name}"') + 200]
        assert "disabled" in tag, name
    assert "Your role may read this field but not change it." in form


def test_a_crafted_post_leaves_a_read_only_amount_as_it_was(client_for, rep, deal):
    restrict(roles.SALES_REP, amount="read_only", expected_close_date="read_only")
    response = client_for(rep).post(
        url("deals:deal-edit", deal.pk),
        edit_form(
            deal, name="Renamed", amount="1", currency="EUR", expected_close_date="2030-01-01"
        ),
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.name == "Renamed"
    assert (deal.amount, deal.currency, deal.expected_close_date) == (MARKER, "USD", CLOSE)


def test_hidden_fields_leave_the_form_and_posting_them_changes_nothing(client_for, rep, deal):
    restrict(roles.SALES_REP, amount="hidden", description="hidden")
    client = client_for(rep)
    form = client.get(url("deals:deal-edit", deal.pk)).content.decode()
    assert 'name="amount"' not in form
    assert 'name="currency"' not in form
    assert 'name="description"' not in form
    assert 'name="expected_close_date"' in form
    assert_no_amount(form)
    assert NOTES not in form
    response = client.post(
        url("deals:deal-edit", deal.pk),
        edit_form(deal, name="Renamed", amount="5", currency="EUR", description="Mine now"),
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.currency, deal.description) == (
        "Renamed",
        MARKER,
        "USD",
        NOTES,
    )


def test_a_new_deal_keeps_the_default_of_a_frozen_amount(client_for, rep, pipeline):
    restrict(roles.SALES_REP, amount="read_only")
    stage = pipeline.stages.order_by("position").first()
    response = client_for(rep).post(
        url("deals:deal-create"),
        {
            "name": "Fresh",
            "pipeline": pipeline.pk,
            "stage": stage.pk,
            "amount": "500",
            "currency": "EUR",
            "owner": rep.pk,
        },
    )
    assert response.status_code == 302
    created = Deal.objects.get(name="Fresh")
    assert (created.amount, created.currency) == (Decimal("0.00"), "USD")


def test_the_stale_edit_notice_names_no_hidden_field(client_for, rep, manager, deal):
    restrict(roles.SALES_REP, amount="hidden")
    services.deal_update(actor=manager, deal=deal, amount="123456.78", name="Theirs")
    response = client_for(rep).post(
        url("deals:deal-edit", deal.pk), edit_form(deal, name="Mine", version=1)
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Name: now <strong>Theirs</strong>" in html
    assert "Amount" not in html
    assert "123,456" not in html
    assert "123456" not in html


def test_the_services_refuse_a_changed_frozen_field(rep, deal, pipeline):
    restrict(roles.SALES_REP, amount="read_only", expected_close_date="hidden")
    actor = fresh(rep)
    for change in (
        {"amount": "1"},
        {"currency": "EUR"},
        {"expected_close_date": datetime.date(2030, 1, 1)},
    ):
        with pytest.raises(ValidationError) as refused:
            services.deal_update(actor=actor, deal=deal, **change)
        assert set(refused.value.message_dict) == set(change), change
    deal.refresh_from_db()
    assert (deal.amount, deal.currency, deal.expected_close_date) == (MARKER, "USD", CLOSE)
    # The same values, or other fields, go through; Keel itself (no actor) is not limited.
    services.deal_update(actor=actor, deal=deal, amount=MARKER, name="Still fine")
    services.deal_update(actor=None, deal=deal, amount="2")
    deal.refresh_from_db()
    assert (deal.name, deal.amount) == ("Still fine", Decimal("2.00"))
    with pytest.raises(ValidationError) as refused:
        services.deal_create(actor=actor, name="New", pipeline=pipeline, amount="10")
    assert "amount" in refused.value.message_dict
    assert services.deal_create(actor=actor, name="New", pipeline=pipeline).amount == 0


def test_a_refusal_from_the_service_is_a_400_with_its_message(client_for, rep, deal, monkeypatch):
    restrict(roles.SALES_REP, amount="read_only")
    original = DealForm.deal_values
    monkeypatch.setattr(  # a future form that forgets the levels
        DealForm, "deal_values", lambda form: {**original(form), "amount": Decimal("1")}
    )
    response = client_for(rep).post(url("deals:deal-edit", deal.pk), edit_form(deal))
    assert response.status_code == 400
    assert "Your role may not change the amount." in response.content.decode()
    deal.refresh_from_db()
    assert deal.amount == MARKER


# ---------------------------------------------------------------- the board


def test_the_board_shows_counts_but_no_amounts_or_totals(client_for, support, deal, pipeline):
    restrict(roles.SUPPORT_AGENT, amount="hidden", expected_close_date="hidden")
    client = client_for(support)
    page = client.get(url("deals:board", pipeline.pk)).content.decode()
    assert "1 open deal" in page
    assert "weighted" not in page
    assert "column-sum" not in page
    assert 'id="filter-from"' not in page  # no filter on a hidden date
    assert_no_amount(page)
    cards = client.get(url("deals:board-column", deal.stage_id)).content.decode()
    assert "Acme rollout" in cards
    assert "deal-card-amount" not in cards
    assert_no_amount(cards)
    assert_no_close_date(cards)


def test_a_hidden_close_date_cannot_be_probed_with_the_board_filters(client_for, support, deal):
    restrict(roles.SUPPORT_AGENT, expected_close_date="hidden")
    client = client_for(support)
    stage = deal.stage_id
    for bounds in ("close_from=2031-07-19&close_to=2031-07-19", "close_from=2040-01-01"):
        cards = client.get(f"{url('deals:board-column', stage)}?{bounds}").content.decode()
        assert "Acme rollout" in cards, bounds  # the filter is ignored, not applied


def test_a_move_answers_with_cards_and_headers_without_amounts(client_for, rep, deal, pipeline):
    restrict(roles.SALES_REP, amount="hidden")
    target = pipeline.stages.get(name="Propose")
    response = client_for(rep).post(
        url("deals:deal-move", deal.pk),
        {"stage": target.pk, "version": deal.version},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    data = json.loads(response.content)
    assert "Acme rollout" in data["card"]
    for html in [data["card"], *(head["html"] for head in data["columns"].values())]:
        assert_no_amount(html)
        assert "column-sum" not in html
    assert {head["count"] for head in data["columns"].values()} == {0, 1}


def test_the_board_sums_nothing_and_its_queries_stay_flat(
    client_for, support, rep, pipeline, django_assert_max_num_queries
):
    restrict(roles.SUPPORT_AGENT, amount="hidden")
    stage = pipeline.stages.order_by("position").first()
    client = client_for(support)
    client.get(url("deals:board", pipeline.pk))  # warm: the session and grants are cached
    counts = []
    for total in (2, 12):
        for _ in range(total):
            DealFactory(owner=rep, pipeline=pipeline, stage=stage, amount=MARKER)
        with CaptureQueriesContext(connection) as board:
            assert client.get(url("deals:board", pipeline.pk)).status_code == 200
        with CaptureQueriesContext(connection) as cards:
            assert client.get(url("deals:board-column", stage.pk)).status_code == 200
        assert not any('SUM("deals_deal"."amount")' in q["sql"] for q in board.captured_queries)
        counts.append((len(board), len(cards)))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        client.get(url("deals:board", pipeline.pk))


# ---------------------------------------------------------------- other deal summaries


def test_the_company_page_panel_shows_no_amount_or_close_date(client_for, support, deal):
    restrict(roles.SUPPORT_AGENT, amount="hidden", expected_close_date="hidden")
    response = client_for(support).get(url("contacts:company-detail", deal.company_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme rollout" in html
    assert "1 open</p>" in html
    assert_no_amount(html)
    assert_no_close_date(html)
    assert "· ·" not in html


def test_the_deals_list_shows_no_hidden_amount_or_close_date(client_for, support, deal):
    restrict(roles.SUPPORT_AGENT, amount="hidden", expected_close_date="hidden")
    response = client_for(support).get(url("deals:deal-list"), {"cols": "name,amount,close"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme rollout" in html
    assert_no_amount(html)
    assert_no_close_date(html)


def test_the_delete_page_shows_no_hidden_amount(client_for, manager, rep, deal):
    restrict(roles.SALES_MANAGER, amount="hidden")
    html = client_for(manager).get(url("deals:deal-delete", deal.pk)).content.decode()
    assert "The deal (Qualify, Acme)" in html
    assert_no_amount(html)


# ---------------------------------------------------------------- lead conversion


def convert(client, lead, pipeline, **fields):
    return client.post(
        url("leads:lead-convert", lead.pk),
        {
            "contact": "new",
            "company": "none",
            "create_deal": "on",
            "deal_name": "From the lead",
            "pipeline": pipeline.pk,
            "stage": pipeline.stages.order_by("position").first().pk,
            **fields,
        },
    )


@pytest.mark.parametrize("level", ["read_only", "hidden"])
def test_conversion_gives_the_deal_no_amount_the_role_may_not_set(client_for, rep, pipeline, level):
    restrict(roles.SALES_REP, amount=level)
    lead = LeadFactory(owner=rep, status=Lead.Status.QUALIFIED)
    client = client_for(rep)
    page = client.get(url("leads:lead-convert", lead.pk)).content.decode()
    if level == "hidden":
        assert 'name="amount"' not in page
        assert 'name="currency"' not in page
    else:
        field = page[page.index('id="id_amount"') - 200 : page.index('id="id_amount"') + 200]
        assert "disabled" in field
        assert 'value="0"' in field  # what the deal starts with
    response = convert(client, lead, pipeline, amount="987654.32", currency="EUR")
    assert response.status_code == 302
    created = Deal.objects.get(name="From the lead")
    assert (created.amount, created.currency) == (Decimal("0.00"), "USD")


def test_conversion_through_the_service_refuses_a_frozen_amount(rep, pipeline):
    restrict(roles.SALES_REP, amount="read_only")
    lead = LeadFactory(owner=rep, status=Lead.Status.QUALIFIED)
    with pytest.raises(ValidationError):
        lead_services.lead_convert(
            actor=fresh(rep),
            lead=lead,
            deal=lead_services.NewDeal(pipeline=pipeline, amount=MARKER),
        )
    assert not Deal.objects.exists()
    assert not Contact.objects.exists()  # one transaction: nothing is kept


def test_conversion_copies_the_lead_notes_only_where_the_role_writes_deal_notes(rep, pipeline):
    restrict(roles.SALES_REP, description="read_only")
    lead = LeadFactory(owner=rep, status=Lead.Status.QUALIFIED, description="From the expo")
    lead_services.lead_convert(
        actor=fresh(rep), lead=lead, deal=lead_services.NewDeal(pipeline=pipeline)
    )
    lead.refresh_from_db()
    assert lead.converted_deal.description == ""
    assert lead.converted_contact.description == "From the expo"


# ---------------------------------------------------------------- the dashboard


@pytest.fixture
def figures(rep, pipeline):
    """An open deal closing this month and a deal won this month, both worth the marker."""
    today = timezone.localdate()
    stages = {s.name: s for s in pipeline.stages.all()}
    DealFactory(
        owner=rep,
        pipeline=pipeline,
        stage=stages["Qualify"],
        name="Closing soon",
        amount=MARKER,
        expected_close_date=today,
    )
    DealFactory(
        owner=rep,
        pipeline=pipeline,
        stage=stages["Won"],
        status="won",
        closed_at=timezone.now(),
        name="Signed",
        amount=MARKER,
    )
    return today


def dashboard(client, pipeline, **headers):
    return client.get(reverse("reports:dashboard"), {"pipeline": pipeline.pk}, headers=headers)


def test_the_dashboard_shows_counts_but_no_money(client_for, support, pipeline, figures):
    restrict(roles.SUPPORT_AGENT, amount="hidden")
    response = dashboard(client_for(support), pipeline)
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_amount(html)
    assert "Amounts are hidden by your role." in html
    assert "Weighted" not in html
    assert "Closing soon" in html  # the close date is readable: the list stays
    assert "1 open deal expected by" in html
    assert "worth" not in html
    partial = dashboard(
        client_for(support), pipeline, HX_Request="true", HX_Target="dashboard-pipeline"
    ).content.decode()
    assert "Qualify" in partial
    assert_no_amount(partial)


def test_the_dashboard_drops_closing_this_month_when_close_dates_are_hidden(
    client_for, support, pipeline, figures
):
    restrict(roles.SUPPORT_AGENT, expected_close_date="hidden")
    html = dashboard(client_for(support), pipeline).content.decode()
    assert "Closing this month" not in html
    assert "Closing soon" not in html
    assert "Expected close dates are hidden by your role." in html
    assert "987,654" in html  # the amount itself is readable


def test_the_per_person_table_shows_counts_only(client_for, manager, rep, pipeline, figures):
    restrict(roles.SALES_MANAGER, amount="hidden")
    html = dashboard(client_for(manager), pipeline).content.decode()
    assert "By person" in html
    assert "Open deals</th>" in html
    assert "Open pipeline" not in html
    assert_no_amount(html)


def test_the_dashboard_figures_sum_no_money(support, pipeline, figures):
    restrict(roles.SUPPORT_AGENT, amount="hidden", expected_close_date="hidden")
    user = fresh(support)
    period = report_selectors.periods()
    groups = report_selectors.open_deal_groups(user=user, period=period)
    assert groups
    assert all(set(entry) <= {"stage_id", "pipeline_id", "owner_id", "n"} for entry in groups)
    figure = report_selectors.pipeline_figure(user=user, pipeline=pipeline, groups=groups)
    assert (figure.money, figure.count, figure.amounts) == (False, 1, {})
    closed = report_selectors.closed_figure(user=user, period=period)
    assert (closed.money, closed.won.count, closed.won.amounts) == (False, 1, {})
    assert report_selectors.closing_figure(user=user, period=period, groups=groups) is None


def test_the_dashboard_queries_do_not_grow_with_rows(
    client_for, support, rep, pipeline, django_assert_max_num_queries
):
    restrict(roles.SUPPORT_AGENT, amount="hidden")
    client = client_for(support)
    stage = pipeline.stages.order_by("position").first()
    dashboard(client, pipeline)  # warm: the session and grants are cached
    counts = []
    for total in (1, 8):
        for _ in range(total):
            DealFactory(
                owner=rep,
                pipeline=pipeline,
                stage=stage,
                amount=MARKER,
                expected_close_date=timezone.localdate(),
            )
        with CaptureQueriesContext(connection) as captured:
            assert dashboard(client, pipeline).status_code == 200
        assert not any("SUM(" in q["sql"] for q in captured.captured_queries)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        dashboard(client, pipeline)
