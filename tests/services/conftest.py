from __future__ import annotations

import pytest

from tests.services.stack import Stack, keel_stack


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory) -> Stack:
    """Keel's real processes for this module, on the test database."""
    with keel_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
