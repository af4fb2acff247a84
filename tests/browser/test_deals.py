"""The board in a real browser: drag a card with the mouse and find it moved after a reload;
move a card from the keyboard (shortcut and Move dialog) and hear the result; closing as
lost asks for the reason (cancel puts the card back); a stale card goes back with a
message; the deal page's Lost button asks for the reason too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board(demo_people):
    """A pipeline with three deals of Riley Rep's."""
    from accounts.models import User
    from deals.models import Pipeline
    from tests.deals.factories import DealFactory, PipelineFactory, place

    Pipeline.objects.update(is_default=False)
    pipeline = PipelineFactory(name="New business", stages=["Qualify", "Propose"])
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    rep = User.objects.get(email="rep@keel.test")
    stages = {s.name: s for s in pipeline.stages.all()}
    deals = place(
        [
            DealFactory(owner=rep, pipeline=pipeline, name="Acme pilot"),
            DealFactory(owner=rep, pipeline=pipeline, name="Globex expansion"),
        ]
    )
    deals.append(DealFactory(owner=rep, pipeline=pipeline, stage=stages["Propose"], name="Initech"))
    return pipeline, stages, {d.name: d for d in deals}


def column(page, stage):
    return page.get_by_role("list", name=f"Deals in {stage}")


def card(page, name):
    return page.get_by_role("listitem", name=name)


def drag(page, source, target, *, offset_y=12):
    """SortableJS follows real pointer moves: press, move in steps, release."""
    start, end = source.bounding_box(), target.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + 14
    to_x, to_y = end["x"] + end["width"] / 2, end["y"] + offset_y
    page.mouse.move(x, y)
    page.mouse.down()
    steps = 24
    for step in range(1, steps + 1):
        page.mouse.move(x + (to_x - x) * step / steps, y + (to_y - y) * step / steps)
        page.wait_for_timeout(15)
    page.mouse.up()


def open_board(page, pipeline):
    page.set_viewport_size({"width": 1700, "height": 900})
    sign_in(page, "rep@keel.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline board").click()
    expect(page.get_by_role("heading", name=pipeline.name, level=1)).to_be_visible()
    expect(card(page, "Acme pilot")).to_be_visible()
    expect(card(page, "Initech")).to_be_visible()


def test_drag_a_card_to_the_next_stage_and_it_stays_there(page, board):
    from deals.models import Deal, StageChange

    pipeline, stages, deals = board
    open_board(page, pipeline)
    with page.expect_response(re.compile(r"/deals/\d+/move/$")) as moved:
        drag(page, card(page, "Acme pilot"), card(page, "Initech"))
    assert moved.value.status == 200
    propose = column(page, "Propose")
    expect(propose.get_by_role("listitem", name="Acme pilot")).to_be_visible()
    expect(page.locator("#board-live")).to_contain_text("Acme pilot moved from Qualify to Propose")
    expect(page.locator(f"#column-head-{stages['Propose'].pk} .column-count")).to_contain_text("2")
    expect(page.locator(f"#column-head-{stages['Qualify'].pk} .column-count")).to_contain_text("1")

    page.reload()
    expect(column(page, "Propose").get_by_role("listitem", name="Acme pilot")).to_be_visible()
    expect(column(page, "Qualify").get_by_role("listitem", name="Acme pilot")).to_have_count(0)
    deal = Deal.objects.get(pk=deals["Acme pilot"].pk)
    assert deal.stage == stages["Propose"]
    assert StageChange.objects.get(deal=deal).changed_by.email == "rep@keel.test"

    # Someone else changes Globex meanwhile: the drop is refused and the card goes back.
    Deal.objects.filter(pk=deals["Globex expansion"].pk).update(version=5, name="Globex (renamed)")
    with page.expect_response(re.compile(r"/deals/\d+/move/$")) as refused:
        drag(page, card(page, "Globex expansion"), card(page, "Initech"))
    assert refused.value.status == 409
    expect(page.get_by_role("status").get_by_text("changed by someone else")).to_be_visible()
    expect(column(page, "Qualify").get_by_role("listitem", name="Globex (renamed)")).to_be_visible()
    assert Deal.objects.get(pk=deals["Globex expansion"].pk).stage == stages["Qualify"]


def test_move_a_card_from_the_keyboard(page, board):
    from deals.models import Deal

    pipeline, stages, deals = board
    open_board(page, pipeline)
    acme = card(page, "Acme pilot")
    acme.focus()
    expect(acme).to_have_attribute("aria-describedby", "board-help")
    page.keyboard.press("Alt+ArrowRight")
    expect(page.locator("#board-live")).to_contain_text("Acme pilot moved from Qualify to Propose")
    expect(column(page, "Propose").get_by_role("listitem", name="Acme pilot")).to_be_focused()
    page.keyboard.press("Alt+ArrowDown")  # below Initech
    expect(page.locator("#board-live")).to_contain_text("Card 2 of 2 in Propose")
    assert list(
        Deal.objects.filter(stage=stages["Propose"])
        .order_by("position")
        .values_list("name", flat=True)
    ) == ["Initech", "Acme pilot"]

    page.keyboard.press("m")
    dialog = page.get_by_role("dialog", name="Move Acme pilot")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("radio", name="Propose")).to_be_checked()
    dialog.get_by_role("radio", name="Won").check()
    dialog.get_by_role("button", name="Move").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#board-live")).to_contain_text("moved from Propose to Won")
    expect(column(page, "Won").get_by_role("listitem", name="Acme pilot")).to_be_focused()
    assert Deal.objects.get(pk=deals["Acme pilot"].pk).status == "won"


def test_closing_as_lost_asks_for_the_reason(page, board):
    from deals.models import Deal

    pipeline, _stages, deals = board
    open_board(page, pipeline)
    lost = column(page, "Lost")
    drag(page, card(page, "Acme pilot"), lost, offset_y=30)
    dialog = page.get_by_role("dialog", name="Close Acme pilot as lost")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(column(page, "Qualify").get_by_role("listitem", name="Acme pilot")).to_be_visible()
    assert Deal.objects.get(pk=deals["Acme pilot"].pk).status == "open"

    drag(page, card(page, "Acme pilot"), lost, offset_y=30)
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close as lost").click()  # no reason yet: refused
    expect(dialog).to_be_visible()
    dialog.get_by_label("Why was it lost?").fill("Chose a competitor")
    with page.expect_response(re.compile(r"/deals/\d+/move/$")) as moved:
        dialog.get_by_role("button", name="Close as lost").click()
    assert moved.value.status == 200
    expect(lost.get_by_role("listitem", name="Acme pilot")).to_contain_text("Chose a competitor")
    deal = Deal.objects.get(pk=deals["Acme pilot"].pk)
    assert (deal.status, deal.lost_reason) == ("lost", "Chose a competitor")

    # The deal page asks too.
    page.goto(deals["Globex expansion"].get_absolute_url())
    page.get_by_role("link", name="Lost").first.click()
    page_dialog = page.get_by_role("dialog", name="Close Globex expansion as lost")
    expect(page_dialog).to_be_visible()
    page_dialog.get_by_label("Why was it lost?").fill("No budget")
    page_dialog.get_by_role("button", name="Close as lost").click()
    expect(page.locator("#deal-status")).to_have_text("Lost")
    assert Deal.objects.get(pk=deals["Globex expansion"].pk).lost_reason == "No budget"


def test_the_board_on_a_phone_scrolls_sideways(phone, board):
    pipeline, _stages, _deals = board
    sign_in(phone, "rep@keel.test")
    phone.goto(f"/pipelines/{pipeline.pk}/board/")
    expect(card(phone, "Acme pilot")).to_be_visible()
    board_box = phone.evaluate(
        "(() => { const b = document.getElementById('board');"
        " return [b.scrollWidth, b.clientWidth, document.documentElement.scrollWidth]; })()"
    )
    scroll_width, client_width, page_width = board_box
    assert scroll_width > client_width  # the columns scroll inside the board
    assert page_width <= 390  # and the page itself does not
