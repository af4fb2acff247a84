"""The pages ``make bench`` measures. Adding a page is one line in ``PAGES``.

Each page names the demo user it is requested as (``None``: anonymous) and a piece of text
every response must contain, so a login redirect or an error page is counted as an error
instead of being timed as a fast answer.
"""

from dataclasses import dataclass

from bench import yardstick

# accounts.demo holds the same values; importing it would need Django set up here.
DEMO_PASSWORD = "keel-demo"
USERS = {"rep": "rep@keel.test", "manager": "manager@keel.test"}


@dataclass(frozen=True)
class Page:
    name: str  # the id used by --pages and in the results
    path: str
    expect: str  # text every 200 response must contain
    user: str | None = None  # a key of USERS


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
)

# The other pages' figures are also given as a ratio to this one.
YARDSTICK = "yardstick"

# Pages also measured under concurrent load.
THROUGHPUT = ("home-rep", YARDSTICK)


def by_name(names: list[str]) -> list[Page]:
    """The pages called ``names``, in the order of ``PAGES``."""
    return [page for page in PAGES if page.name in names]
