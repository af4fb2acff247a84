"""The pages ``make bench`` measures. Adding a page is one line in ``PAGES``.

Each page names the demo user it is requested as (``None``: anonymous) and a piece of text
every response must contain, so a login redirect or an error page is counted as an error
instead of being timed as a fast answer.

Pages on the scale dataset (``seed_demo --scale``) do not know ids in advance: their
``path`` and ``expect`` are templates filled with what ``manage.py bench_targets`` finds in
the database (``{rep_id}``, ``{deal_path}``, ...). A page whose values are missing (the
page's URL or its record does not exist) is reported as not measured, with the reason.
"""

import string
from dataclasses import dataclass, replace
from typing import Any

from bench import yardstick

# accounts.demo holds the same values; importing it would need Django set up here.
DEMO_PASSWORD = "keel-demo"
USERS = {"rep": "rep@keel.test", "manager": "manager@keel.test", "admin": "admin@keel.test"}
SEARCH_HEADERS = (("HX-Request", "true"), ("HX-Target", "topsearch-results"))


@dataclass(frozen=True)
class Page:
    name: str  # the id used by --pages and in the results
    path: str
    expect: str  # text every 200 response must contain
    user: str | None = None  # a key of USERS
    target_ms: float | None = None  # the p95 it must stay under (issue 3), if any
    headers: tuple[tuple[str, str], ...] = ()
    note: str = ""  # what the page shows, for the results

    def fields(self) -> set[str]:
        """The template fields of ``path`` and ``expect``."""
        found = set()
        for text in (self.path, self.expect):
            found |= {field for _, field, _, _ in string.Formatter().parse(text) if field}
        return found

    def resolve(self, values: dict[str, Any]) -> "Page":
        """The page with its fields filled in; KeyError names a missing value."""
        missing = sorted(f for f in self.fields() if values.get(f) in (None, ""))
        if missing:
            raise KeyError(", ".join(missing))
        return replace(self, path=self.path.format(**values), expect=self.expect.format(**values))


PAGES = (
    Page("home-rep", "/", expect=", Riley", user="rep"),
    Page("home-manager", "/", expect="Signed in this week", user="manager"),
    Page("profile-rep", "/accounts/profile/", expect='value="rep@keel.test"', user="rep"),
    Page("health-live", "/health/live/", expect="ok"),
    Page("yardstick", "/bench/yardstick/", expect=yardstick.newest_on_page(1)),
    Page(
        "yardstick-2000",
        "/bench/yardstick/?page=2000",
        expect=yardstick.newest_on_page(2000),
    ),
    # Issue 3 on the scale dataset, with its targets (p95, one client).
    Page(
        "lead-list",
        "{lead_list_path}",
        expect="{lead_first}",
        user="rep",
        target_ms=30,
        note="50 rows, default sort (newest first), rep scope",
    ),
    Page(
        "lead-list-2000",
        "{lead_list_path}?page=2000",
        expect="{lead_deep}",
        user="rep",
        target_ms=30,
        note="page 2,000 of the same list (rows 99,951-100,000)",
    ),
    Page(
        "lead-list-filtered",
        "{lead_list_path}?status=qualified&owner={rep_id}&sort=name",
        expect="{lead_by_name_first}",
        user="rep",
        target_ms=40,
        note="status and owner filters, sorted by name",
    ),
    Page(
        "search",
        "/search/?q={search_fragment}",
        expect='class="ts-option"',
        user="rep",
        target_ms=60,
        headers=SEARCH_HEADERS,
        note="the top bar's htmx results for a name fragment",
    ),
    Page(
        "deal-page",
        "{deal_path}",
        expect="{deal_expect}",
        user="rep",
        target_ms=40,
        note="a deal with {deal_activities} activities on its timeline",
    ),
    Page(
        "contact-page",
        "{contact_path}",
        expect="{contact_expect}",
        user="rep",
        target_ms=40,
        note="a contact with {contact_activities} activities on its timeline",
    ),
    Page(
        "board-manager",
        "{board_path}",
        expect="{column_path}",
        user="manager",
        target_ms=80,
        note="kanban of the pipeline with {pipeline_open:,} open deals, "
        "{pipeline_open_manager:,} in the manager's team",
    ),
    Page(
        "board-admin",
        "{board_path}",
        expect="{column_path}",
        user="admin",
        target_ms=80,
        note="the same board, all {pipeline_open:,} open deals visible",
    ),
    Page(
        "board-column-manager",
        "{column_path}",
        expect='class="deal-card',
        user="manager",
        note="the first page of cards of its first column, manager scope",
    ),
    Page(
        "board-column-admin",
        "{column_path}",
        expect='class="deal-card',
        user="admin",
        note="the first page of cards of its first column ({stage_open:,} deals)",
    ),
    Page(
        "dashboard-manager",
        "{dashboard_path}",
        expect="Figures for",
        user="manager",
        target_ms=100,
        note="manager scope",
    ),
)

# The other pages' figures are also given as a ratio to this one.
YARDSTICK = "yardstick"

# Pages also measured under concurrent load, and the share of the yardstick's requests per
# second each must reach (issue 3: the lead list at least 40%).
THROUGHPUT = ("home-rep", "lead-list", YARDSTICK)
THROUGHPUT_TARGETS = {"lead-list": 0.40}


def by_name(names: list[str]) -> list[Page]:
    """The pages called ``names``, in the order of ``PAGES``."""
    return [page for page in PAGES if page.name in names]


def note_for(page: Page, values: dict[str, Any]) -> str:
    try:
        return page.note.format(**values)
    except (KeyError, ValueError, TypeError):
        return page.note.split("{", 1)[0].rstrip(" ,(")
