"""The dashboard's figures: known data in, known numbers out; months and weeks in the
viewer's time zone; each role's scope."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from activities.models import Activity
from deals.models import Deal
from leads.models import Lead
from reports import selectors
from tests.activities.factories import ActivityFactory, TaskFactory
from tests.deals.factories import DealFactory, PipelineFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
# Sunday 1 March 2026, 05:00 UTC: still Saturday 28 February, 21:00, in Los Angeles.
NOW = dt.datetime(2026, 3, 1, 5, 0, tzinfo=UTC)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def closed_deal(owner, status, closed_at, amount="1000", currency="USD", pipeline=None):
    pipeline = pipeline or PipelineFactory(name="Board")
    stage = pipeline.stages.get(is_won=status == Deal.Status.WON, is_lost=status == "lost")
    return DealFactory(
        owner=owner,
        pipeline=pipeline,
        stage=stage,
        status=status,
        closed_at=closed_at,
        amount=Decimal(amount),
        currency=currency,
    )


# ---------------------------------------------------------------- periods


def test_periods_follow_the_current_time_zone():
    with timezone.override(LA):
        period = selectors.periods(NOW)
    assert period.month_start == dt.datetime(2026, 2, 1, tzinfo=LA)
    assert period.next_month_start == dt.datetime(2026, 3, 1, tzinfo=LA)
    assert period.last_month_start == dt.datetime(2026, 1, 1, tzinfo=LA)
    assert period.week_start == dt.datetime(2026, 2, 23, tzinfo=LA)  # Monday
    assert period.next_week_start == dt.datetime(2026, 3, 2, tzinfo=LA)
    assert period.month_last_day == dt.date(2026, 2, 28)
    with timezone.override(UTC):
        period = selectors.periods(NOW)
    assert period.month_start == at(2026, 3, 1)
    assert period.last_month_start == at(2026, 2, 1)
    assert period.week_start == at(2026, 2, 23)
    assert period.month_last_day == dt.date(2026, 3, 31)


def test_a_month_across_a_daylight_saving_change_starts_at_local_midnight():
    with timezone.override(LA):
        period = selectors.periods(at(2026, 4, 15, 12))
    assert period.month_start.utcoffset() == dt.timedelta(hours=-7)  # PDT
    assert period.last_month_start.utcoffset() == dt.timedelta(hours=-8)  # PST
    assert period.month_start == at(2026, 4, 1, 7)


# ---------------------------------------------------------------- won and lost


def test_won_and_lost_this_month_and_last_in_the_viewers_zone(rep):
    closed_deal(rep, "won", at(2026, 2, 28, 20), "1000")  # 28 Feb in both zones
    closed_deal(rep, "won", at(2026, 3, 1, 4), "500")  # 1 Mar UTC, 28 Feb LA
    closed_deal(rep, "lost", at(2026, 1, 31, 12), "300")  # last month in LA
    closed_deal(rep, "won", at(2026, 1, 31, 12), "200")
    closed_deal(rep, "won", at(2025, 12, 31, 12), "9999")  # before last month in LA

    with timezone.override(LA):
        figure = selectors.closed_figure(user=rep, period=selectors.periods(NOW))
    assert (figure.won.count, figure.won.amounts) == (2, {"USD": Decimal("1500")})
    assert (figure.lost.count, figure.lost.amounts) == (0, {})
    assert (figure.won_last.count, figure.won_last.amounts) == (1, {"USD": Decimal("200")})
    assert (figure.lost_last.count, figure.lost_last.amounts) == (1, {"USD": Decimal("300")})
    assert figure.won_value_change == pytest.approx(650.0)
    assert figure.won_count_change == pytest.approx(100.0)
    assert figure.lost_value_change == pytest.approx(-100.0)
    assert figure.win_rate == pytest.approx(100.0)
    assert figure.won_by_owner[rep.pk].count == 2

    with timezone.override(UTC):
        figure = selectors.closed_figure(user=rep, period=selectors.periods(NOW))
    assert (figure.won.count, figure.won.amounts) == (1, {"USD": Decimal("500")})
    assert (figure.won_last.count, figure.won_last.amounts) == (1, {"USD": Decimal("1000")})
    assert figure.lost_last.count == 0
    bars = figure.bars()
    assert [b["label"] for b in bars] == ["This month", "Last month"]
    assert bars[1]["won_bar"] == pytest.approx(100.0)
    assert bars[0]["won_bar"] == pytest.approx(50.0)


def test_currencies_are_never_added_together(rep):
    closed_deal(rep, "won", at(2026, 2, 27), "1000", "USD")
    closed_deal(rep, "won", at(2026, 2, 27), "700", "EUR")
    with timezone.override(UTC):
        figure = selectors.closed_figure(user=rep, period=selectors.periods(at(2026, 2, 28)))
    assert figure.won.amounts == {"USD": Decimal("1000"), "EUR": Decimal("700")}
    assert figure.currency == "USD"


def test_without_the_default_currency_the_most_used_one_leads(rep, settings):
    settings.CRM_DEFAULT_CURRENCY = "USD"
    assert selectors.main_currency({"EUR": Decimal(5), "GBP": Decimal(9)}) == "GBP"
    assert (
        selectors.main_currency({"EUR": Decimal(5), "GBP": Decimal(9)}, counts={"EUR": 3}) == "EUR"
    )
    assert selectors.main_currency({}) == "USD"


def test_nothing_to_compare_with_gives_no_change():
    assert selectors.change(5, 0) is None
    assert selectors.change(0, 4) == pytest.approx(-100.0)


# ---------------------------------------------------------------- pipeline by stage


def test_pipeline_by_stage_counts_sums_and_weights_open_deals(rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    qualify, propose = pipeline.stages.order_by("position")[:2]  # 10% and 30%
    DealFactory(owner=rep, pipeline=pipeline, stage=qualify, amount=Decimal("1000"))
    DealFactory(owner=rep, pipeline=pipeline, stage=qualify, amount=Decimal("3000"))
    DealFactory(owner=rep, pipeline=pipeline, stage=propose, amount=Decimal("2000"))
    DealFactory(owner=rep, pipeline=pipeline, stage=propose, amount=Decimal("500"), currency="EUR")
    closed_deal(rep, "won", at(2026, 2, 1), "7777", pipeline=pipeline)
    DealFactory(owner=other_rep, pipeline=pipeline, stage=qualify, amount=Decimal("99999"))
    DealFactory(owner=rep, pipeline=PipelineFactory(name="Other"), amount=Decimal("55555"))

    figure = selectors.pipeline_figure(user=rep, pipeline=pipeline)

    assert [r.stage.name for r in figure.rows] == ["Qualify", "Propose", "Negotiate", "Commit"]
    first, second = figure.rows[0], figure.rows[1]
    assert (first.count, first.amounts, first.weighted) == (
        2,
        {"USD": Decimal("4000")},
        {"USD": Decimal("400")},
    )
    assert second.count == 2
    assert second.amounts == {"USD": Decimal("2000"), "EUR": Decimal("500")}
    assert second.weighted == {"USD": Decimal("600"), "EUR": Decimal("150")}
    assert figure.count == 4
    assert figure.amounts == {"USD": Decimal("6000"), "EUR": Decimal("500")}
    assert figure.weighted == {"USD": Decimal("1000"), "EUR": Decimal("150")}
    assert (first.bar, second.bar, figure.rows[2].bar) == (100.0, 50.0, 0.0)
    assert first.weighted_bar == pytest.approx(10.0)


def test_a_manager_sees_the_team_and_an_admin_everyone(manager, rep, other_rep, admin_user):
    pipeline = PipelineFactory(name="Board")
    DealFactory(owner=rep, pipeline=pipeline, amount=Decimal("100"))
    DealFactory(owner=manager, pipeline=pipeline, amount=Decimal("10"))
    DealFactory(owner=other_rep, pipeline=pipeline, amount=Decimal("1"))

    def total(user):
        return selectors.pipeline_figure(user=user, pipeline=pipeline).amounts["USD"]

    assert total(rep) == Decimal("100")
    assert total(manager) == Decimal("110")
    assert total(admin_user) == Decimal("111")
    assert total(other_rep) == Decimal("1")


# ---------------------------------------------------------------- lead conversion


def test_conversion_is_the_share_of_the_months_new_leads_converted(rep, other_rep):
    for created, status in (
        (at(2026, 2, 3), Lead.Status.CONVERTED),
        (at(2026, 2, 10), Lead.Status.NEW),
        (at(2026, 2, 11), Lead.Status.QUALIFIED),
        (at(2026, 2, 28, 23), Lead.Status.NEW),
        (at(2026, 1, 5), Lead.Status.CONVERTED),
        (at(2026, 1, 6), Lead.Status.CONVERTED),
        (at(2025, 12, 6), Lead.Status.CONVERTED),  # before last month: not read
    ):
        LeadFactory(owner=rep, created_at=created, status=status)
    LeadFactory(owner=other_rep, created_at=at(2026, 2, 3), status=Lead.Status.CONVERTED)

    with timezone.override(UTC):
        figure = selectors.conversion_figure(user=rep, period=selectors.periods(at(2026, 2, 28)))

    assert (figure.created, figure.converted) == (4, 1)
    assert (figure.created_last, figure.converted_last) == (2, 2)
    assert figure.rate == pytest.approx(25.0)
    assert figure.rate_last == pytest.approx(100.0)
    assert figure.rate_change == pytest.approx(-75.0)


def test_no_new_leads_means_no_rate(rep):
    with timezone.override(UTC):
        figure = selectors.conversion_figure(user=rep, period=selectors.periods(NOW))
    assert figure.rate is None
    assert figure.rate_change is None


# ---------------------------------------------------------------- activities this week


def test_activities_this_week_by_kind_and_person(manager, rep, other_rep):
    inside = at(2026, 2, 24, 10)
    for kind, owner in (
        (Activity.Kind.CALL, rep),
        (Activity.Kind.CALL, rep),
        (Activity.Kind.CALL, manager),
        (Activity.Kind.MEETING, rep),
        (Activity.Kind.EMAIL, manager),
    ):
        ActivityFactory(owner=owner, kind=kind, occurred_at=inside)
    ActivityFactory(owner=rep, kind=Activity.Kind.NOTE, occurred_at=at(2026, 2, 22, 23))  # Sun
    ActivityFactory(owner=rep, kind=Activity.Kind.NOTE, occurred_at=at(2026, 3, 2, 0))  # next
    ActivityFactory(owner=other_rep, kind=Activity.Kind.CALL, occurred_at=inside)

    with timezone.override(UTC):
        period = selectors.periods(NOW)
        team = selectors.activity_figure(user=manager, period=period)
        mine = selectors.activity_figure(user=rep, period=period)

    assert {k.kind: k.count for k in team.kinds} == {
        "call": 3,
        "meeting": 1,
        "note": 0,
        "email": 1,
    }
    assert [k.label for k in team.kinds] == ["Calls", "Meetings", "Notes", "Emails"]
    assert team.total == 5
    assert team.owner_total(rep.pk) == 3
    assert team.owner_total(manager.pk) == 2
    assert team.kinds[0].bar == 100.0
    assert team.kinds[1].bar == pytest.approx(100 / 3)
    assert mine.total == 3
    assert other_rep.pk not in team.by_owner


# ---------------------------------------------------------------- overdue tasks


def test_my_overdue_tasks_are_mine_open_and_past_due(manager, rep):
    with time_machine.travel(NOW, tick=False):
        now = timezone.now()
        late = [
            TaskFactory(owner=rep, title=f"Late {n}", due_at=now - dt.timedelta(hours=n + 1))
            for n in range(3)
        ]
        TaskFactory(owner=rep, title="Done", due_at=now - dt.timedelta(days=1), completed_at=now)
        TaskFactory(owner=rep, title="Later", due_at=now + dt.timedelta(hours=1))
        TaskFactory(owner=rep, title="Undated", due_at=None)
        TaskFactory(owner=manager, title="Someone else's", due_at=now - dt.timedelta(days=3))

        figure = selectors.overdue_tasks(user=rep, now=now)
        manager_figure = selectors.overdue_tasks(user=manager, now=now)

    assert [t.title for t in figure.tasks] == [t.title for t in reversed(late)]  # oldest first
    assert figure.count == 3
    assert figure.more == 0
    assert [t.title for t in manager_figure.tasks] == ["Someone else's"]


def test_overdue_tasks_show_ten_and_count_the_rest(rep):
    now = timezone.now()
    for n in range(13):
        TaskFactory(owner=rep, due_at=now - dt.timedelta(hours=n + 1))
    figure = selectors.overdue_tasks(user=rep, now=now)
    assert len(figure.tasks) == 10
    assert figure.count == 13
    assert figure.more == 3


# ---------------------------------------------------------------- closing this month


def test_open_deals_closing_this_month(rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    for day, amount in ((1, "100"), (15, "900"), (31, "50")):
        DealFactory(
            owner=rep,
            pipeline=pipeline,
            expected_close_date=dt.date(2026, 3, day),
            amount=Decimal(amount),
        )
    DealFactory(owner=rep, pipeline=pipeline, expected_close_date=dt.date(2026, 4, 1))
    DealFactory(owner=rep, pipeline=pipeline, expected_close_date=dt.date(2026, 2, 28))
    DealFactory(owner=other_rep, pipeline=pipeline, expected_close_date=dt.date(2026, 3, 2))
    won = closed_deal(rep, "won", at(2026, 3, 2), "5000", pipeline=pipeline)
    Deal.objects.filter(pk=won.pk).update(expected_close_date=dt.date(2026, 3, 3))

    with timezone.override(UTC):
        figure = selectors.closing_figure(user=rep, period=selectors.periods(at(2026, 3, 10)))

    assert figure.count == 3
    assert figure.amounts == {"USD": Decimal("1050")}
    assert [d.amount for d in figure.deals] == [Decimal("100"), Decimal("900"), Decimal("50")]
    assert figure.today == dt.date(2026, 3, 10)


# ---------------------------------------------------------------- people and scope


def test_per_person_figures_for_a_manager(manager, rep, other_rep, north):
    pipeline = PipelineFactory(name="Board")
    DealFactory(owner=rep, pipeline=pipeline, amount=Decimal("100"))
    DealFactory(owner=rep, pipeline=pipeline, amount=Decimal("50"))
    DealFactory(owner=other_rep, pipeline=pipeline, amount=Decimal("1"))
    closed_deal(manager, "won", at(2026, 3, 2), "700", pipeline=pipeline)
    ActivityFactory(owner=rep, occurred_at=at(2026, 3, 3))
    TaskFactory(owner=rep, due_at=at(2026, 3, 1))
    quiet = type(rep).objects.create_user("quiet@example.test", full_name="Quinn Quiet", team=north)

    with timezone.override(UTC):
        period = selectors.periods(at(2026, 3, 4))
        closed = selectors.closed_figure(user=manager, period=period)
        activities = selectors.activity_figure(user=manager, period=period)
        rows = selectors.people_figure(
            user=manager,
            period=period,
            closed=closed,
            activities=activities,
            open_groups=selectors.open_deal_groups(user=manager),
            show_tasks=True,
        )

    by_name = {row.user.full_name: row for row in rows}
    assert list(by_name) == ["Morgan Manager", "Quinn Quiet", "Riley Rep"]
    assert by_name["Riley Rep"].open_count == 2
    assert by_name["Riley Rep"].open_amounts == {"USD": Decimal("150")}
    assert by_name["Riley Rep"].activities == 1
    assert by_name["Riley Rep"].overdue == 1
    assert by_name["Morgan Manager"].won.count == 1
    assert by_name["Morgan Manager"].won.amounts == {"USD": Decimal("700")}
    assert by_name["Quinn Quiet"].open_count == 0
    assert quiet.pk not in activities.by_owner


def test_an_admin_sees_everyone_with_figures_and_unowned_records(admin_user, rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    DealFactory(owner=rep, pipeline=pipeline)
    DealFactory(owner=other_rep, pipeline=pipeline)
    DealFactory(owner=None, pipeline=pipeline)
    rows = selectors.people_figure(
        user=admin_user,
        period=selectors.periods(),
        closed=None,
        activities=None,
        open_groups=selectors.open_deal_groups(user=admin_user),
        show_tasks=False,
    )
    assert [r.user.full_name if r.user else None for r in rows] == [
        "Riley Rep",
        "Sam Second",
        None,
    ]


def test_scope_notes(admin_user, manager, rep, support):
    assert selectors.scope_info(admin_user).note == "everyone's records"
    assert selectors.scope_info(admin_user).per_person
    info = selectors.scope_info(manager)
    assert info.note == "the North America team's records and those shared with you"
    assert info.per_person
    assert selectors.scope_info(rep).note == "your records and those shared with you"
    assert not selectors.scope_info(rep).per_person
    assert selectors.scope_info(support).per_person


def test_the_shared_open_deal_groups_give_the_same_board(manager, rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    other = PipelineFactory(name="Other")
    stages = list(pipeline.stages.order_by("position"))
    for n, owner in enumerate((rep, manager, rep, other_rep)):
        DealFactory(owner=owner, pipeline=pipeline, stage=stages[n % 3], amount=Decimal(n + 1))
    DealFactory(owner=rep, pipeline=other, amount=Decimal("500"))

    direct = selectors.pipeline_figure(user=manager, pipeline=pipeline)
    shared = selectors.pipeline_figure(
        user=manager, pipeline=pipeline, groups=selectors.open_deal_groups(user=manager)
    )

    assert [(r.count, r.amounts, r.weighted) for r in direct.rows] == [
        (r.count, r.amounts, r.weighted) for r in shared.rows
    ]
    assert direct.amounts == shared.amounts == {"USD": Decimal("6")}


def test_closing_this_month_from_the_shared_open_deal_groups(manager, rep, other_rep):
    pipeline = PipelineFactory(name="Board")
    for day, owner, amount in ((2, rep, "10"), (20, manager, "20"), (5, other_rep, "99")):
        DealFactory(
            owner=owner,
            pipeline=pipeline,
            expected_close_date=dt.date(2026, 3, day),
            amount=Decimal(amount),
        )
    DealFactory(owner=rep, pipeline=pipeline, expected_close_date=dt.date(2026, 4, 2))
    with timezone.override(UTC):
        period = selectors.periods(at(2026, 3, 10))
        groups = selectors.open_deal_groups(user=manager, period=period)
        shared = selectors.closing_figure(user=manager, period=period, groups=groups)
        direct = selectors.closing_figure(user=manager, period=period)
    assert shared.count == direct.count == 2
    assert shared.amounts == direct.amounts == {"USD": Decimal("30")}
    assert [d.amount for d in shared.deals] == [Decimal("10"), Decimal("20")]
