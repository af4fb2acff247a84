"""What the yardstick table holds, shared by its fill command, its view and the harness.

Kept free of Django imports so the harness can compute the expected content of a page.
"""

ROWS = 1_000_000
PAGE_SIZE = 50
NAME_PREFIX = "Yardstick row "


def newest_on_page(page: int) -> str:
    """The name of the first row on ``page``: row ``n`` is the ``n``-th oldest."""
    return f"{NAME_PREFIX}{ROWS - (page - 1) * PAGE_SIZE}"
