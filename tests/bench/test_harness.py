"""The benchmark harness's own logic (no server, no database): pages filled with the
records the seed made, one database per scale, and results that say plainly whether each
target was met."""

from __future__ import annotations

import pytest

from bench import pages, report, server
from bench.__main__ import parse_args, resolve
from bench.measure import Outcome, Throughput, combine, share_of
from bench.pages import Page

VALUES = {
    "lead_list_path": "/leads/",
    "lead_first": 'href="/leads/7/"',
    "rep_id": 3,
    "deal_path": None,  # the record was not found
}


def setup(**targets: object) -> report.Setup:
    return report.Setup(
        postgres="15",
        redis="7",
        server={
            "django": "5.2",
            "debug": False,
            "pool": None,
            "conn_max_age": 0,
            "cache": "RedisCache",
            "sessions": "db",
        },
        targets={"scale": 1.0, "counts": {"leads.Lead": 1_000_000}, **targets},
        seed="loaded by an earlier run",
    )


def outcome(*ms: float, errors: int = 0) -> Outcome:
    result = Outcome(durations=[m / 1000 for m in ms])
    for _ in range(errors):
        result.record(0.01, "status 404")
    return result


def test_pages_are_filled_with_the_records_the_seed_made():
    page = Page("p", "{lead_list_path}?owner={rep_id}", expect="{lead_first}", user="rep")
    filled = page.resolve(VALUES)
    assert filled.path == "/leads/?owner=3"
    assert filled.expect == 'href="/leads/7/"'
    with pytest.raises(KeyError, match="deal_path"):
        Page("d", "{deal_path}", expect="x").resolve(VALUES)


def test_unresolved_pages_are_reported_not_requested():
    chosen = pages.by_name(["lead-list", "deal-page", "yardstick"])
    ready, missed = resolve(chosen, {**VALUES, "deal_expect": "A deal"})
    assert [p.name for p in ready] == ["yardstick", "lead-list"]
    assert [m.page.name for m in missed] == ["deal-page"]
    assert "deal_path" in missed[0].reason


def test_every_scale_page_names_a_target_or_says_what_it_shows():
    names = {page.name for page in pages.PAGES}
    assert {"lead-list", "lead-list-2000", "lead-list-filtered", "search", "deal-page"} <= names
    assert {"contact-page", "board-manager", "board-column-admin", "dashboard-manager"} <= names
    for page in pages.PAGES:
        if page.fields():
            assert page.note, page.name
    assert pages.THROUGHPUT_TARGETS == {"lead-list": 0.40}
    assert set(pages.THROUGHPUT_TARGETS) <= set(pages.THROUGHPUT)


def test_each_scale_keeps_its_own_database(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    assert server.Target.from_env(1).database_url.endswith("/keel_bench")
    assert server.Target.from_env(0.1).database_url.endswith("/keel_bench_scale_0_1")
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://u:pw@db:5433/perf?sslmode=disable")
    assert server.Target.from_env(0.01).database_url == (
        "postgres://u:pw@db:5433/perf_scale_0_01?sslmode=disable"
    )


def test_a_page_that_fails_every_request_is_not_timed():
    assert outcome(errors=3).failed
    assert not outcome(5, errors=1).failed
    assert not outcome(5).failed


def test_results_say_whether_each_target_was_met():
    fast = Page("lead-list", "/leads/", expect="x", user="rep", target_ms=30, note="50 rows")
    slow = Page("search", "/search/?q=a", expect="x", user="rep", target_ms=60)
    yard = Page("yardstick", "/bench/yardstick/", expect="x")
    missing = report.Missed(Page("deal-page", "{deal_path}", expect="x"), "no deal_path")
    method = report.Method(requests=3, warmup=0, clients=8, seconds=1, command="make bench")
    latency = [(yard, outcome(5, 5, 5)), (fast, outcome(20, 21, 22)), (slow, outcome(70, 80, 90))]
    loads = [
        (yard, Throughput(outcome(*[10] * 100), 1.0)),
        (fast, Throughput(outcome(*[10] * 30, errors=1), 1.0)),
    ]
    text = report.results_markdown(setup(rep_leads=100_050), method, latency, loads, [missing])
    rows = {line.split(" ")[1]: line for line in text.splitlines() if "(`" in line}
    assert rows["lead-list"].endswith("| ≤ 30 | met |")
    assert rows["search"].endswith("| ≤ 60 | **missed** |")
    assert "| ≥ 0.40, no errors | **missed** |" in text  # 30% of the yardstick, and an error
    assert "- lead-list: 50 rows" in text
    assert "The rep (rep@keel.test) sees 100,050 leads." in text
    assert "### Not measured\n\n- deal-page (`{deal_path}`): no deal_path" in text
    assert "`seed_demo --scale 1` (loaded by an earlier run): 1,000,000 leads" in text


def test_the_throughput_share_is_the_median_of_each_rounds_ratio():
    def rate(per_second):
        return Throughput(outcome(*[10] * per_second), 1.0)

    # The machine slowed down during round 2: the rates fell, the ratio did not.
    yardstick = combine([rate(300), rate(150), rate(310)])
    page = combine([rate(120), rate(90), rate(124)])
    assert yardstick.rounds == (300, 150, 310)
    assert page.per_second == pytest.approx(334 / 3)
    assert share_of(page, yardstick) == pytest.approx(0.40)  # median of 0.40, 0.60, 0.40
    assert share_of(rate(100), rate(400)) == pytest.approx(0.25)  # a single run
    yard = Page("yardstick", "/bench/yardstick/", expect="x")
    lead = Page("lead-list", "/leads/", expect="x", user="rep")
    text = report.throughput_table([(yard, yardstick), (lead, page)])
    assert "| 0.40 (0.40, 0.60, 0.40) | ≥ 0.40, no errors | met |" in text


def test_the_scale_option_is_checked():
    assert parse_args(["--scale", "0.1"]).scale == 0.1
    with pytest.raises(SystemExit):
        parse_args(["--scale", "0"])
