"""The board: column counts and sums (per currency, filtered, visible only), lazy keyset
pages of cards, constant query counts, and the move endpoint (200/400/403/404/409)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from deals import selectors
from deals.models import Deal, StageChange
from tests.contacts.factories import CompanyFactory
from tests.deals.factories import DealFactory, PipelineFactory, column, place

pytestmark = pytest.mark.django_db


def summary(user, pipeline, params=""):
    owners = selectors.board_owners(user=user)
    filters = selectors.BoardFilters.parse(QueryDict(params), user=user, owners=owners)
    stages = selectors.stages_of(pipeline=pipeline)
    return {
        c.stage.name: c
        for c in selectors.board_summary(user=user, stages=stages, filters=filters).values()
    }


def board_url(pipeline=None):
    return reverse("deals:board", args=[pipeline.pk]) if pipeline else reverse("deals:board")


def column_url(stage, query=""):
    url = reverse("deals:board-column", args=[stage.pk])
    return f"{url}?{query}" if query else url


def move(client, deal, stage, **fields):
    data = {"stage": stage.pk, "version": deal.version, **fields}
    return client.post(
        reverse("deals:deal-move", args=[deal.pk]), data, HTTP_ACCEPT="application/json"
    )


# ---------------------------------------------------------------- counts and sums


def test_counts_and_sums_per_stage_never_mix_currencies(admin_user, rep, pipeline, stages):
    for amount, currency in (("100", "USD"), ("250.50", "USD"), ("80", "EUR")):
        DealFactory(owner=rep, pipeline=pipeline, amount=Decimal(amount), currency=currency)
    DealFactory(
        owner=rep,
        pipeline=pipeline,
        stage=stages["Won"],
        amount=Decimal("7"),
        status="won",
        closed_at=timezone.now(),
    )
    columns = summary(admin_user, pipeline)
    assert columns["Qualify"].count == 3
    assert columns["Qualify"].totals == [("USD", Decimal("350.50")), ("EUR", Decimal("80.00"))]
    assert columns["Won"].count == 1
    assert columns["Propose"].count == 0
    assert columns["Propose"].totals == [("USD", Decimal("0"))]
    assert columns["Qualify"].weighted == Decimal("35.05")  # 10 % of the USD total


def test_won_and_lost_columns_hold_the_recently_closed(admin_user, rep, pipeline, stages):
    from deals.selectors import CLOSED_COLUMN_DAYS

    now = timezone.now()
    for days, name in ((1, "Fresh"), (CLOSED_COLUMN_DAYS + 5, "Old")):
        DealFactory(
            owner=rep,
            pipeline=pipeline,
            stage=stages["Won"],
            name=name,
            status="won",
            closed_at=now - timedelta(days=days),
        )
    assert summary(admin_user, pipeline)["Won"].count == 1
    page = selectors.board_cards(
        user=admin_user, stage=stages["Won"], filters=selectors.BoardFilters()
    )
    assert [deal.name for deal in page.cards] == ["Fresh"]


def test_counts_follow_visibility(rep, other_rep, manager, admin_user, pipeline):
    DealFactory(owner=rep, pipeline=pipeline, amount=Decimal("10"))
    DealFactory(owner=manager, pipeline=pipeline, amount=Decimal("20"))
    DealFactory(owner=other_rep, pipeline=pipeline, amount=Decimal("40"))
    counts = {
        user: (summary(user, pipeline)["Qualify"].count, summary(user, pipeline)["Qualify"].totals)
        for user in (rep, other_rep, manager, admin_user)
    }
    assert counts[rep] == (1, [("USD", Decimal("10.00"))])
    assert counts[other_rep] == (1, [("USD", Decimal("40.00"))])
    assert counts[manager] == (2, [("USD", Decimal("30.00"))])  # the team's
    assert counts[admin_user] == (3, [("USD", Decimal("70.00"))])


def test_filters_apply_to_counts_sums_and_cards(manager, rep, pipeline, stages):
    soon = timezone.localdate() + timedelta(days=5)
    later = timezone.localdate() + timedelta(days=60)
    DealFactory(owner=rep, pipeline=pipeline, expected_close_date=soon, name="Rep soon")
    DealFactory(owner=rep, pipeline=pipeline, expected_close_date=later, name="Rep later")
    DealFactory(owner=manager, pipeline=pipeline, expected_close_date=soon, name="Mine soon")
    assert summary(manager, pipeline, "owner=me")["Qualify"].count == 1
    assert summary(manager, pipeline, f"owner={rep.pk}")["Qualify"].count == 2
    params = f"owner={rep.pk}&close_to={(soon + timedelta(days=1)).isoformat()}"
    assert summary(manager, pipeline, params)["Qualify"].count == 1
    response = selectors.board_cards(
        user=manager,
        stage=stages["Qualify"],
        filters=selectors.BoardFilters.parse(
            QueryDict(params), user=manager, owners=selectors.board_owners(user=manager)
        ),
    )
    assert [d.name for d in response.cards] == ["Rep soon"]


def test_owner_filter_offers_only_assignable_people(rep, other_rep, pipeline):
    owners = selectors.board_owners(user=rep)
    assert owners == [rep]
    filters = selectors.BoardFilters.parse(
        QueryDict(f"owner={other_rep.pk}&close_from=nope"), user=rep, owners=owners
    )
    assert filters.owner is None
    assert filters.errors == ["Choose an owner from the list.", "Enter close dates as YYYY-MM-DD."]


# ---------------------------------------------------------------- lazy column pages


def test_column_pages_are_keyset_pages_in_board_order(admin_user, pipeline, stages):
    deals = place([DealFactory(pipeline=pipeline, name=f"D{i:02}") for i in range(30)])
    Deal.objects.filter(pk=deals[5].pk).update(position=deals[4].position)  # a tie: id decides
    filters = selectors.BoardFilters()
    first = selectors.board_cards(user=admin_user, stage=stages["Qualify"], filters=filters)
    assert [d.name for d in first.cards] == [f"D{i:02}" for i in range(25)]
    assert first.next_cursor
    second = selectors.board_cards(
        user=admin_user, stage=stages["Qualify"], filters=filters, cursor=first.next_cursor
    )
    assert [d.name for d in second.cards] == [f"D{i:02}" for i in range(25, 30)]
    assert second.next_cursor is None


def test_column_endpoint_renders_cards_and_the_next_loader(client_for, rep, pipeline, stages):
    place([DealFactory(owner=rep, pipeline=pipeline, name=f"Card {i:02}") for i in range(27)])
    client = client_for(rep)
    response = client.get(column_url(stages["Qualify"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-deal-id=") == 25
    assert "Card 00" in html
    assert "Card 25" not in html
    assert 'hx-swap-oob="true"' in html
    assert "Load more" in html
    cursor = html.split("cursor=")[1].split('"')[0].replace("%3A", ":")
    rest = client.get(column_url(stages["Qualify"], f"cursor={cursor}")).content.decode()
    assert rest.count("data-deal-id=") == 2
    assert "Card 26" in rest
    assert "Load more" not in rest


def test_cards_show_company_amount_owner_close_date_and_rotting(client_for, rep, pipeline, stages):
    deal = DealFactory(
        owner=rep,
        pipeline=pipeline,
        name="Acme pilot",
        company=CompanyFactory(owner=rep, name="Acme Inc"),
        amount=Decimal("12500"),
        expected_close_date=date(2030, 3, 9),
    )
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - timedelta(days=12))
    html = client_for(rep).get(column_url(stages["Qualify"])).content.decode()
    assert "Acme pilot" in html
    assert "Acme Inc" in html
    assert "$12,500" in html
    assert ">RR<" in html  # Riley Rep's initials
    assert "9 Mar 2030" in html
    assert "idle 12 days" in html  # rotting after 7 days in Qualify
    assert "data-movable" in html


def test_board_and_column_queries_do_not_grow_with_deals(
    client_for, manager, rep, pipeline, stages, django_assert_max_num_queries
):
    client = client_for(manager)
    counts = []
    from django.core.cache import cache

    for total in (10, 60):
        cache.clear()  # lost-reason suggestions are cached: start each round cold
        Deal.objects.all().delete()
        company = CompanyFactory(owner=rep)
        for i in range(total):
            DealFactory(
                owner=rep if i % 2 else manager,
                pipeline=pipeline,
                stage=stages["Qualify" if i % 3 else "Propose"],
                company=company,
                currency="EUR" if i % 5 == 0 else "USD",
            )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as board:
            assert client.get(board_url()).status_code == 200
        with CaptureQueriesContext(connection) as cards:
            assert client.get(column_url(stages["Qualify"])).status_code == 200
        counts.append((len(board), len(cards)))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(9):
        client.get(column_url(stages["Qualify"]))
    with django_assert_max_num_queries(12):
        client.get(board_url())


# ---------------------------------------------------------------- the board page


def test_board_page_for_every_role(
    client_for, rep, other_rep, manager, admin_user, read_only, support, pipeline
):
    DealFactory(owner=rep, pipeline=pipeline)
    url = board_url(pipeline)
    for user in (rep, other_rep, manager, admin_user, read_only, support):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        assert b'id="board"' in response.content
        can_move = user.has_perm("deals.change_deal")
        assert (b"data-can-move" in response.content) == can_move, user
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_board_renders_column_shells_with_lazy_loaders(client_for, rep, pipeline, stages):
    html = client_for(rep).get(board_url(pipeline)).content.decode()
    for name, stage in stages.items():
        assert f'id="cards-{stage.pk}"' in html
        assert column_url(stage) in html
        assert f">{name}<" in html or f"{name}</h2>" in html
    assert 'hx-trigger="intersect once"' in html
    assert html.count("data-deal-id=") == 0  # cards come per column, lazily


def test_the_default_board_and_the_picker_hide_inactive_pipelines(client_for, admin_user, pipeline):
    default = Deal._meta.get_field("pipeline").related_model.objects.filter(is_default=True).first()
    archived = PipelineFactory(name="Archived", is_active=False)
    html = client_for(admin_user).get(board_url()).content.decode()
    assert default.name in html
    assert "Board test" in html  # in the picker
    assert "Archived" not in html
    direct = client_for(admin_user).get(board_url(archived)).content.decode()
    assert "This pipeline is deactivated" in direct


# ---------------------------------------------------------------- moves


def test_move_answers_with_the_card_and_fresh_headers(client_for, rep, pipeline, stages):
    a, b = (
        DealFactory(owner=rep, pipeline=pipeline, stage=stages["Propose"], name=n) for n in "AB"
    )
    place([a, b])
    deal = DealFactory(owner=rep, pipeline=pipeline, name="Moving", amount=Decimal("500"))
    response = move(client_for(rep), deal, stages["Propose"], after=a.pk, before=b.pk)
    assert response.status_code == 200
    data = response.json()
    assert data["stage_id"] == stages["Propose"].pk
    assert data["version"] == 2
    assert 'data-version="2"' in data["card"]
    assert "Moving" in data["card"]
    assert data["message"] == "Moving moved from Qualify to Propose."
    assert data["columns"][str(stages["Propose"].pk)]["count"] == 3
    assert data["columns"][str(stages["Qualify"].pk)]["count"] == 0
    assert "$2,500" in data["columns"][str(stages["Propose"].pk)]["html"]
    assert column(stages["Propose"]) == ["A", "Moving", "B"]


def test_move_headers_respect_the_board_filters(client_for, rep, manager, pipeline, stages):
    DealFactory(owner=manager, pipeline=pipeline, stage=stages["Propose"])
    deal = DealFactory(owner=rep, pipeline=pipeline)
    response = move(client_for(manager), deal, stages["Propose"], query=f"owner={rep.pk}")
    assert response.json()["columns"][str(stages["Propose"].pk)]["count"] == 1


def test_a_stale_move_answers_409_with_the_current_card(client_for, rep, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    Deal.objects.filter(pk=deal.pk).update(version=3, name="Renamed meanwhile")
    response = move(client_for(rep), deal, stages["Propose"])  # sends version 1
    assert response.status_code == 409
    data = response.json()
    assert data["error"] == "This deal was changed by someone else — reloaded."
    assert "Renamed meanwhile" in data["card"]
    assert data["stage_id"] == stages["Qualify"].pk
    assert Deal.objects.get(pk=deal.pk).stage == stages["Qualify"]
    assert not StageChange.objects.exists()


def test_move_refusals(client_for, rep, other_rep, read_only, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    assert move(client_for(other_rep), deal, stages["Propose"]).status_code == 404
    assert move(client_for(read_only), deal, stages["Propose"]).status_code == 403
    no_reason = move(client_for(rep), deal, stages["Lost"])
    assert no_reason.status_code == 400
    assert "Say why" in no_reason.json()["error"]
    bad_stage = client_for(rep).post(
        reverse("deals:deal-move", args=[deal.pk]),
        {"stage": "x"},
        HTTP_ACCEPT="application/json",
    )
    assert bad_stage.status_code == 400
    assert client_for(rep).get(reverse("deals:deal-move", args=[deal.pk])).status_code == 405
    assert Deal.objects.get(pk=deal.pk).stage == stages["Qualify"]


def test_a_shared_read_only_deal_is_seen_but_not_moved(
    client_for, rep, other_rep, pipeline, stages
):
    from guardian.shortcuts import assign_perm

    deal = DealFactory(owner=other_rep, pipeline=pipeline)
    assign_perm("deals.view_deal", rep, deal)
    html = client_for(rep).get(column_url(stages["Qualify"])).content.decode()
    assert f'id="deal-{deal.pk}"' in html
    assert "data-movable" not in html
    response = move(client_for(rep), deal, stages["Propose"])
    assert response.status_code == 403
    assert json.loads(response.content)["error"] == "You may not move this deal."


def test_lost_with_a_reason_moves(client_for, rep, pipeline, stages):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    response = move(client_for(rep), deal, stages["Lost"], lost_reason="Went with a rival")
    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == ("lost", "Went with a rival")
    assert "Went with a rival" in response.json()["card"]
