"""Deal services: create, move (between and within columns), positions, stage history,
won/lost/reopen, stale versions refused with nothing changed, edits, assign, bulk."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Tag
from crm.models import Event
from deals import services
from deals.models import Deal, StageChange
from tests.contacts.factories import CompanyFactory, ContactFactory, CustomFieldFactory, TagFactory
from tests.deals.factories import DealFactory, PipelineFactory, column, place

pytestmark = pytest.mark.django_db


def fresh(deal: Deal) -> Deal:
    return Deal.objects.select_related("stage").get(pk=deal.pk)


# ---------------------------------------------------------------- create


def test_create_defaults_first_open_stage_owner_and_history(rep, pipeline, stages, events):
    company = CompanyFactory(owner=rep)
    contact = ContactFactory(owner=rep, company=company)
    deal = services.deal_create(
        actor=rep,
        name="  Acme   pilot ",
        pipeline=pipeline,
        amount="12500.5",
        company=company,
        contacts=[contact],
        tags=["Expansion", "expansion", "Q4"],
    )
    deal = fresh(deal)
    assert deal.name == "Acme pilot"
    assert deal.stage == stages["Qualify"]
    assert deal.status == Deal.Status.OPEN
    assert deal.owner == rep
    assert deal.team == rep.team
    assert deal.created_by == rep
    assert deal.amount == Decimal("12500.50")
    assert deal.currency == "USD"
    assert deal.version == 1
    assert list(deal.contacts.all()) == [contact]
    assert sorted(t.name for t in deal.tags.all()) == ["Expansion", "Q4"]
    history = list(deal.stage_changes.all())
    assert len(history) == 1
    assert history[0].from_stage is None
    assert history[0].to_stage == stages["Qualify"]
    assert history[0].to_stage_name == "Qualify"
    assert history[0].changed_by == rep
    assert events("deal.created") == [
        {
            "deal_id": deal.pk,
            "pipeline_id": pipeline.pk,
            "stage_id": stages["Qualify"].pk,
            "owner_id": rep.pk,
            "company_id": company.pk,
            "amount": "12500.50",
            "currency": "USD",
            "status": "open",
        }
    ]


def test_a_new_deal_goes_to_the_top_of_its_column(rep, pipeline, stages):
    old = DealFactory(owner=rep, pipeline=pipeline, name="Old")
    place([old])
    services.deal_create(actor=rep, name="New", pipeline=pipeline)
    assert column(stages["Qualify"]) == ["New", "Old"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"currency": "dollars"}, "currency"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(rep, pipeline, values, field):
    kwargs = {"actor": rep, "name": "Good", "pipeline": pipeline, **values}
    with pytest.raises(ValidationError) as refused:
        services.deal_create(**kwargs)
    assert field in refused.value.message_dict
    assert not Deal.objects.exists()
    assert not Event.objects.filter(type="deal.created").exists()


def test_create_checks_stage_pipeline_and_lost_reason(rep, pipeline, stages):
    other = PipelineFactory(name="Other")
    with pytest.raises(ValidationError, match="not a stage of"):
        services.deal_create(actor=rep, name="X", pipeline=pipeline, stage=other.stages.first())
    with pytest.raises(ValidationError, match="Say why"):
        services.deal_create(actor=rep, name="X", pipeline=pipeline, stage=stages["Lost"])
    lost = services.deal_create(
        actor=rep, name="X", pipeline=pipeline, stage=stages["Lost"], lost_reason="Budget"
    )
    assert lost.status == Deal.Status.LOST
    assert lost.closed_at is not None
    pipeline.is_active = False
    pipeline.save()
    with pytest.raises(ValidationError, match="deactivated"):
        services.deal_create(actor=rep, name="X", pipeline=pipeline)


def test_create_refuses_links_and_owners_out_of_reach(rep, other_rep, read_only, pipeline):
    with pytest.raises(ValidationError, match="company"):
        services.deal_create(
            actor=rep, name="X", pipeline=pipeline, company=CompanyFactory(owner=other_rep)
        )
    with pytest.raises(ValidationError, match="contacts"):
        services.deal_create(
            actor=rep, name="X", pipeline=pipeline, contacts=[ContactFactory(owner=other_rep)]
        )
    with pytest.raises(ValidationError, match="assign"):
        services.deal_create(actor=rep, name="X", pipeline=pipeline, owner=other_rep)
    with pytest.raises(PermissionDenied):
        services.deal_create(actor=read_only, name="X", pipeline=pipeline)
    assert not Deal.objects.exists()


def test_create_validates_custom_fields(rep, pipeline):
    CustomFieldFactory(entity="deal", key="seats", label="Seats", field_type="number")
    with pytest.raises(ValidationError, match="Seats"):
        services.deal_create(actor=rep, name="X", pipeline=pipeline, custom={"seats": "many"})
    deal = services.deal_create(actor=rep, name="X", pipeline=pipeline, custom={"seats": "40"})
    assert fresh(deal).custom == {"seats": 40}


# ---------------------------------------------------------------- moving between columns


def test_move_to_another_stage_writes_history_and_events(rep, pipeline, stages, events):
    deal = DealFactory(owner=rep, pipeline=pipeline, name="Acme")
    entered = timezone.now() - timedelta(days=9, hours=2)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=entered)
    deal.refresh_from_db()
    services.deal_move(actor=rep, deal=deal, stage=stages["Propose"], expected_version=1)
    deal = fresh(deal)
    assert deal.stage == stages["Propose"]
    assert deal.status == Deal.Status.OPEN
    assert deal.version == 2
    assert deal.stage_entered_at > entered
    change = StageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        stages["Qualify"],
        stages["Propose"],
        rep,
    )
    assert (change.from_stage_name, change.to_stage_name) == ("Qualify", "Propose")
    assert change.days_in_previous == 9
    assert events("deal.stage_changed") == [
        {
            "deal_id": deal.pk,
            "pipeline_id": pipeline.pk,
            "pipeline": "Board test",
            "from_stage_id": stages["Qualify"].pk,
            "from_stage": "Qualify",
            "to_stage_id": stages["Propose"].pk,
            "to_stage": "Propose",
            "from_status": "open",
            "to_status": "open",
        }
    ]
    assert events("deal.won") == events("deal.lost") == []


def test_move_between_two_neighbours_takes_the_middle(rep, pipeline, stages):
    moving = DealFactory(owner=rep, pipeline=pipeline, name="Moving")
    a, b, c = (
        DealFactory(owner=rep, pipeline=pipeline, stage=stages["Propose"], name=n) for n in "ABC"
    )
    place([a, b, c])
    services.deal_move(actor=rep, deal=moving, stage=stages["Propose"], after=a, before=b)
    assert column(stages["Propose"]) == ["A", "Moving", "B", "C"]
    assert fresh(moving).position == (a.position + b.position) / 2


def test_move_with_one_neighbour_or_none(rep, pipeline, stages):
    a, b = (
        DealFactory(owner=rep, pipeline=pipeline, stage=stages["Propose"], name=n) for n in "AB"
    )
    place([a, b])
    x, y, z, w = (DealFactory(owner=rep, pipeline=pipeline, name=n) for n in "XYZW")
    services.deal_move(actor=rep, deal=x, stage=stages["Propose"], after=b.pk)  # last
    services.deal_move(actor=rep, deal=y, stage=stages["Propose"], before=a.pk)  # first
    services.deal_move(actor=rep, deal=z, stage=stages["Propose"], after=a.pk)  # just below A
    services.deal_move(actor=rep, deal=w, stage=stages["Propose"], place="bottom")
    assert column(stages["Propose"]) == ["Y", "A", "Z", "B", "X", "W"]


def test_neighbours_not_in_the_column_are_ignored(rep, pipeline, stages):
    DealFactory(owner=rep, pipeline=pipeline, stage=stages["Propose"], name="A")
    elsewhere = DealFactory(owner=rep, pipeline=pipeline, stage=stages["Commit"], name="E")
    moving = DealFactory(owner=rep, pipeline=pipeline, name="M")
    services.deal_move(actor=rep, deal=moving, stage=stages["Propose"], after=elsewhere, before=999)
    assert column(stages["Propose"]) == ["M", "A"]  # no usable neighbour: the top


def test_a_tiny_gap_renumbers_the_column_in_order(rep, pipeline, stages):
    cards = [
        DealFactory(owner=rep, pipeline=pipeline, stage=stages["Propose"], name=n) for n in "ABCD"
    ]
    for deal, position in zip(cards, [1.0, 1.0 + 1e-9, 1.0 + 2e-9, 5.0], strict=True):
        Deal.objects.filter(pk=deal.pk).update(position=position)
    moving = DealFactory(owner=rep, pipeline=pipeline, name="M")
    services.deal_move(
        actor=rep, deal=moving, stage=stages["Propose"], after=cards[0], before=cards[1]
    )
    assert column(stages["Propose"]) == ["A", "M", "B", "C", "D"]
    positions = list(
        Deal.objects.filter(stage=stages["Propose"])
        .order_by("position")
        .values_list("position", flat=True)
    )
    gaps = [b - a for a, b in itertools.pairwise(positions)]
    assert min(gaps) >= 100  # evenly spread again


def test_renumbering_keeps_ties_in_id_order(rep, pipeline, stages):
    cards = [
        DealFactory(owner=rep, pipeline=pipeline, stage=stages["Propose"], name=n) for n in "ABC"
    ]
    Deal.objects.filter(pk__in=[d.pk for d in cards]).update(position=7.0)
    services.renumber_column(stages["Propose"])
    assert column(stages["Propose"]) == ["A", "B", "C"]
    assert list(
        Deal.objects.filter(stage=stages["Propose"])
        .order_by("pk")
        .values_list("position", flat=True)
    ) == [1024.0, 2048.0, 3072.0]


# ---------------------------------------------------------------- within a column


def test_reorder_within_a_column_keeps_version_and_history(rep, pipeline, stages, events):
    a, b, c = (DealFactory(owner=rep, pipeline=pipeline, name=n) for n in "ABC")
    place([a, b, c])
    services.deal_move(
        actor=rep, deal=c, stage=stages["Qualify"], after=a, before=b, expected_version=1
    )
    assert column(stages["Qualify"]) == ["A", "C", "B"]
    assert fresh(c).version == 1  # reordering is not an edit
    assert not StageChange.objects.exists()
    assert events("deal.stage_changed") == []


def test_a_stale_card_cannot_be_reordered_either(rep, pipeline, stages):
    a, b = (DealFactory(owner=rep, pipeline=pipeline, name=n) for n in "AB")
    place([a, b])
    Deal.objects.filter(pk=b.pk).update(version=2)  # someone edited B meanwhile
    with pytest.raises(services.StaleDeal) as stale:
        services.deal_move(actor=rep, deal=b, stage=stages["Qualify"], before=a, expected_version=1)
    assert stale.value.current.version == 2
    assert column(stages["Qualify"]) == ["A", "B"]


# ---------------------------------------------------------------- won, lost, reopen


def test_close_won_sets_status_closed_at_and_publishes(rep, pipeline, stages, events):
    deal = DealFactory(owner=rep, pipeline=pipeline, amount=Decimal("5000"))
    services.deal_close_won(actor=rep, deal=deal, expected_version=1)
    deal = fresh(deal)
    assert deal.stage == stages["Won"]
    assert deal.status == Deal.Status.WON
    assert deal.closed_at is not None
    assert events("deal.won") == [
        {
            "deal_id": deal.pk,
            "pipeline_id": pipeline.pk,
            "stage_id": stages["Won"].pk,
            "amount": "5000.00",
            "currency": "USD",
        }
    ]


def test_lost_always_needs_a_reason_and_nothing_changes_without(rep, pipeline, stages, events):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    with pytest.raises(ValidationError, match="Say why"):
        services.deal_move(actor=rep, deal=deal, stage=stages["Lost"])
    with pytest.raises(ValidationError, match="Say why"):
        services.deal_close_lost(actor=rep, deal=deal, reason="   ")
    with pytest.raises(ValidationError, match="need a reason"):
        services.deal_bulk_move(actor=rep, deals=Deal.objects.all(), stage=stages["Lost"])
    deal = fresh(deal)
    assert (deal.status, deal.stage, deal.version) == (Deal.Status.OPEN, stages["Qualify"], 1)
    assert not StageChange.objects.exists()
    assert events("deal.lost") == []

    services.deal_close_lost(actor=rep, deal=deal, reason="  Chose a   competitor ")
    deal = fresh(deal)
    assert deal.status == Deal.Status.LOST
    assert deal.lost_reason == "Chose a competitor"
    assert deal.closed_at is not None
    assert events("deal.lost")[0]["reason"] == "Chose a competitor"


def test_moving_a_lost_deal_elsewhere_clears_the_reason(rep, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    services.deal_move(actor=rep, deal=deal, stage=stages["Lost"], lost_reason="Budget")
    services.deal_move(actor=rep, deal=deal, stage=stages["Won"])
    deal = fresh(deal)
    assert (deal.status, deal.lost_reason) == (Deal.Status.WON, "")


def test_reopen_goes_back_to_the_stage_it_was_closed_from(rep, pipeline, stages, events):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    services.deal_move(actor=rep, deal=deal, stage=stages["Negotiate"])
    services.deal_close_lost(actor=rep, deal=deal, reason="Timing")
    services.deal_reopen(actor=rep, deal=deal)
    deal = fresh(deal)
    assert deal.stage == stages["Negotiate"]
    assert (deal.status, deal.closed_at, deal.lost_reason) == (Deal.Status.OPEN, None, "")
    assert events("deal.reopened") == [
        {"deal_id": deal.pk, "from_status": "lost", "stage_id": stages["Negotiate"].pk}
    ]
    with pytest.raises(ValidationError, match="open already"):
        services.deal_reopen(actor=rep, deal=deal)
    assert StageChange.objects.filter(deal=deal).count() == 3


# ---------------------------------------------------------------- stale versions


def test_a_stale_move_is_refused_and_changes_nothing(rep, pipeline, stages, events):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    services.deal_update(actor=rep, deal=fresh(deal), amount="99")  # version 2 now
    with pytest.raises(services.StaleDeal) as stale:
        services.deal_move(actor=rep, deal=deal, stage=stages["Propose"], expected_version=1)
    assert stale.value.current.version == 2
    assert str(stale.value) == "This deal was changed by someone else — reloaded."
    deal = fresh(deal)
    assert (deal.stage, deal.version) == (stages["Qualify"], 2)
    assert not StageChange.objects.exists()
    assert events("deal.stage_changed") == []


def test_a_stale_edit_is_refused_and_changes_nothing(rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline, name="Before", amount=Decimal("10"))
    Deal.objects.filter(pk=deal.pk).update(version=5)
    with pytest.raises(services.StaleDeal):
        services.deal_update(actor=rep, deal=deal, expected_version=4, name="After", amount=20)
    deal = fresh(deal)
    assert (deal.name, deal.amount, deal.version) == ("Before", Decimal("10"), 5)
    assert not Event.objects.filter(type="deal.updated").exists()


def test_the_write_itself_is_a_compare_and_set(rep, pipeline, stages, monkeypatch):
    """A change committed between our read and our write is detected, not overwritten."""
    deal = DealFactory(owner=rep, pipeline=pipeline)
    real_locked = services._locked

    def read_then_someone_else_writes(target):
        current = real_locked(target)
        Deal.objects.filter(pk=current.pk).update(version=current.version + 1, name="Theirs")
        return current

    monkeypatch.setattr(services, "_locked", read_then_someone_else_writes)
    with pytest.raises(services.StaleDeal):
        services.deal_update(actor=rep, deal=deal, name="Mine")
    with pytest.raises(services.StaleDeal):
        services.deal_move(actor=rep, deal=deal, stage=stages["Propose"])
    assert fresh(deal).name != "Mine"  # (their write rolled back with ours: one transaction)
    assert not StageChange.objects.exists()


def test_a_deleted_deal_is_stale_with_nothing_current(rep, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    Deal.objects.filter(pk=deal.pk).delete()
    with pytest.raises(services.StaleDeal) as stale:
        services.deal_move(actor=rep, deal=deal, stage=stages["Propose"])
    assert stale.value.current is None


# ---------------------------------------------------------------- edits and assignment


def test_update_publishes_what_changed_and_bumps_the_version(rep, pipeline, events):
    deal = DealFactory(owner=rep, pipeline=pipeline, name="Old", amount=Decimal("10"))
    contact = ContactFactory(owner=rep)
    services.deal_update(
        actor=rep,
        deal=deal,
        expected_version=1,
        name="New",
        amount="10.00",  # the same amount: not a change
        description="Notes",
        contacts=[contact],
        tags=["hot"],
    )
    assert deal.version == 2
    deal = fresh(deal)
    assert (deal.name, deal.description, deal.version) == ("New", "Notes", 2)
    assert list(deal.contacts.all()) == [contact]
    assert events("deal.updated") == [
        {"deal_id": deal.pk, "changed": ["name", "description", "contacts", "tags"]}
    ]
    services.deal_update(actor=rep, deal=deal, name="New")  # nothing new
    assert fresh(deal).version == 2
    assert len(events("deal.updated")) == 1


def test_a_stage_change_through_update_is_a_move(manager, rep, pipeline, stages, events):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    services.deal_update(
        actor=manager, deal=deal, stage=stages["Commit"], owner=manager, amount="500"
    )
    deal = fresh(deal)
    assert (deal.stage, deal.owner, deal.team, deal.amount) == (
        stages["Commit"],
        manager,
        manager.team,
        Decimal("500.00"),
    )
    assert StageChange.objects.get(deal=deal).to_stage == stages["Commit"]
    assert events("deal.stage_changed")[0]["to_stage"] == "Commit"
    assert events("deal.assigned") == [
        {"deal_id": deal.pk, "from_owner_id": rep.pk, "to_owner_id": manager.pk}
    ]
    assert events("deal.updated") == [{"deal_id": deal.pk, "changed": ["amount"]}]


def test_update_to_a_lost_stage_needs_the_reason(rep, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    with pytest.raises(ValidationError):
        services.deal_update(actor=rep, deal=deal, stage=stages["Lost"])
    services.deal_update(actor=rep, deal=deal, stage=stages["Lost"], lost_reason="Budget")
    assert fresh(deal).lost_reason == "Budget"
    with pytest.raises(ValidationError):
        services.deal_update(actor=rep, deal=deal, lost_reason="")  # still lost: keep a reason


def test_assign_within_reach_only(manager, rep, other_rep, pipeline, events):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    with pytest.raises(ValidationError):
        services.deal_assign(actor=manager, deal=deal, owner=other_rep)  # another team
    services.deal_assign(actor=manager, deal=deal, owner=manager)
    assert fresh(deal).owner == manager
    assert events("deal.assigned")[0]["to_owner_id"] == manager.pk


def test_only_who_may_change_it_may_move_or_edit(rep, other_rep, read_only, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    for actor in (other_rep, read_only):
        with pytest.raises(PermissionDenied):
            services.deal_move(actor=actor, deal=deal, stage=stages["Propose"])
        with pytest.raises(PermissionDenied):
            services.deal_update(actor=actor, deal=deal, name="X")
    with pytest.raises(PermissionDenied):
        services.deal_delete(actor=rep, deal=deal)  # reps may not delete deals
    assert fresh(deal).version == 1


def test_delete_publishes(manager, rep, pipeline, events):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    services.deal_move(actor=rep, deal=deal, stage=pipeline.stages.get(name="Propose"))
    services.deal_delete(actor=manager, deal=deal)
    assert not Deal.objects.exists()
    assert not StageChange.objects.exists()
    assert events("deal.deleted") == [{"deal_id": deal.pk}]


# ---------------------------------------------------------------- bulk


def test_bulk_assign_changes_only_what_the_actor_may(manager, rep, other_rep, pipeline, events):
    mine = [DealFactory(owner=rep, pipeline=pipeline) for _ in range(3)]
    theirs = DealFactory(owner=other_rep, pipeline=pipeline)
    count = services.deal_bulk_assign(actor=manager, deals=Deal.objects.all(), owner=manager)
    assert count == 3
    assert set(Deal.objects.filter(owner=manager).values_list("pk", flat=True)) == {
        d.pk for d in mine
    }
    assert fresh(theirs).owner == other_rep
    assert all(d.version == 2 for d in Deal.objects.filter(owner=manager))
    assert len(events("deal.assigned")) == 3


def test_bulk_move_writes_history_status_and_events(rep, pipeline, stages, events):
    deals = [DealFactory(owner=rep, pipeline=pipeline, name=n) for n in "ABC"]
    place(deals)
    already = DealFactory(owner=rep, pipeline=pipeline, stage=stages["Won"], name="W")
    count = services.deal_bulk_move(actor=rep, deals=Deal.objects.all(), stage=stages["Won"])
    assert count == 3
    assert column(stages["Won"]) == ["W", "A", "B", "C"]  # below what was there, in order
    for deal in Deal.objects.filter(pk__in=[d.pk for d in deals]):
        assert (deal.status, deal.version) == (Deal.Status.WON, 2)
        assert deal.closed_at is not None
    assert fresh(already).version == 1
    assert StageChange.objects.filter(to_stage=stages["Won"]).count() == 3
    assert len(events("deal.stage_changed")) == len(events("deal.won")) == 3


def test_bulk_move_into_another_pipeline_and_lost_with_reason(rep, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    other = PipelineFactory(name="Other")
    services.deal_bulk_move(
        actor=rep, deals=Deal.objects.all(), stage=other.stages.get(name="Lost"), lost_reason="Gone"
    )
    deal = fresh(deal)
    assert (deal.pipeline, deal.status, deal.lost_reason) == (other, Deal.Status.LOST, "Gone")


def _non_event_queries(run):
    with CaptureQueriesContext(connection) as queries:
        run()
    # publish() writes the event (and its deliveries) in a savepoint: one set per event.
    per_event = ("crm_event", "crm_delivery", "SAVEPOINT")
    return [q for q in queries if not any(word in q["sql"] for word in per_event)]


@pytest.mark.parametrize("action", ["assign", "move", "tag", "delete"])
def test_bulk_actions_do_not_query_per_row(manager, rep, pipeline, stages, action):
    tag = TagFactory(name="bulk")

    def run(n):
        Deal.objects.all().delete()
        for _ in range(n):
            DealFactory(owner=rep, pipeline=pipeline)
        deals = Deal.objects.all()
        return {
            "assign": lambda: services.deal_bulk_assign(actor=manager, deals=deals, owner=manager),
            "move": lambda: services.deal_bulk_move(
                actor=manager, deals=deals, stage=stages["Commit"]
            ),
            "tag": lambda: services.deal_bulk_add_tag(actor=manager, deals=deals, tag=tag),
            "delete": lambda: services.deal_bulk_delete(actor=manager, deals=deals),
        }[action]

    run(1)()  # the actor's role and permissions are cached after the first call
    few, many = len(_non_event_queries(run(3))), len(_non_event_queries(run(30)))
    assert few == many


def test_bulk_tag_and_delete_respect_rights(rep, manager, other_rep, pipeline, events):
    mine = DealFactory(owner=rep, pipeline=pipeline)
    DealFactory(owner=other_rep, pipeline=pipeline)
    tag = Tag.objects.create(name="hot")
    assert services.deal_bulk_add_tag(actor=rep, deals=Deal.objects.all(), tag=tag) == 1
    assert list(fresh(mine).tags.all()) == [tag]
    assert services.deal_bulk_add_tag(actor=rep, deals=Deal.objects.all(), tag=tag) == 0
    assert services.deal_bulk_delete(actor=rep, deals=Deal.objects.all()) == 0
    assert services.deal_bulk_delete(actor=manager, deals=Deal.objects.all()) == 1
    assert Deal.objects.count() == 1
    assert events("deal.deleted") == [{"deal_id": mine.pk}]
