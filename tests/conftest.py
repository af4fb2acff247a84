"""Personas and the rules for what may be skipped (STYLE.md, DESIGN.md section 9).

Markers: ``browser`` needs Debian's Chromium at /usr/bin/chromium; ``services`` needs the
backends of the current mode (PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set).
When a requirement is missing the tests are skipped with the reason; with ``CI=true`` any
skip fails the run.
"""

from __future__ import annotations

import copy
import itertools
import os

import pytest
from django.conf import settings

from accounts import roles
from tests.accounts.factories import TeamFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"


def _missing_for(marker: str) -> str | None:
    if marker == "browser" and not os.path.exists(CHROMIUM):
        return f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    if marker == "services":
        from tests.services.stack import services_missing

        return services_missing()
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # PostgreSQL-only behaviour (COPY, index rebuilds) belongs to the production-mode
        # pass of `make test`; on SQLite it is deselected (named in the header), not skipped.
        postgres_only = [item for item in items if item.get_closest_marker("postgresql")]
        if postgres_only:
            config.hook.pytest_deselected(items=postgres_only)
            items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
    reasons: dict[str, str | None] = {}
    for item in items:
        for marker in ("browser", "services"):
            if item.get_closest_marker(marker):
                if marker not in reasons:
                    reasons[marker] = _missing_for(marker)
                if reasons[marker]:
                    item.add_marker(pytest.mark.skip(reason=f"{marker}: {reasons[marker]}"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"CI=true: {len(skipped)} test(s) were skipped, and CI must not skip.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_cache_namespaces = itertools.count(1)


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Each test reads and writes its own cache keys: rows cached by one test (reference data,
    list counts) must not outlive its database transaction and show up in the next test."""
    caches = copy.deepcopy(settings.CACHES)
    default = caches["default"]
    default["KEY_PREFIX"] = (
        f"{default.get('KEY_PREFIX', '')}test{os.getpid()}-{next(_cache_namespaces)}"
    )
    settings.CACHES = caches


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as the demo has it: no role requires a second factor (a real
    install requires one of admins, migration 0011). Two-factor tests turn it on."""
    from accounts.models import Role

    with django_db_blocker.unblock():
        Role.objects.update(require_two_factor=False)


# ---------------------------------------------------------------- personas


@pytest.fixture
def north(db):
    return TeamFactory(name="North America")


@pytest.fixture
def emea(db):
    return TeamFactory(name="EMEA")


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="admin@example.test", full_name="Ada Admin", role=roles.ADMIN, is_staff=True
    )


@pytest.fixture
def manager(north):
    return UserFactory(
        email="manager@example.test",
        full_name="Morgan Manager",
        team=north,
        role=roles.SALES_MANAGER,
    )


@pytest.fixture
def rep(north):
    return UserFactory(
        email="rep@example.test", full_name="Riley Rep", team=north, role=roles.SALES_REP
    )


@pytest.fixture
def other_rep(emea):
    return UserFactory(
        email="rep2@example.test", full_name="Sam Second", team=emea, role=roles.SALES_REP
    )


@pytest.fixture
def support(db):
    return UserFactory(
        email="support@example.test", full_name="Sky Support", role=roles.SUPPORT_AGENT
    )


@pytest.fixture
def read_only(db):
    return UserFactory(email="viewer@example.test", full_name="Vic Viewer", role=roles.READ_ONLY)


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client signed in as ``user`` (None: anonymous)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def standard_roles(transactional_db):
    """Tests that commit (browser, services) flush the database, migration data included:
    put the standard roles back."""
    import importlib

    from django.apps import apps

    roles.install_standard_roles(apps)
    for module in DOMAIN_GRANTS:
        importlib.import_module(module).grants(apps, None)


# The data migrations that grant each domain app's permissions to the standard roles.
DOMAIN_GRANTS = (
    "accounts.migrations.0005_audit_grant",
    "accounts.migrations.0007_ip_allowlist_grant",
    "contacts.migrations.0002_grants_and_search",
    "deals.migrations.0002_grants_search_default_pipeline",
    "leads.migrations.0002_grants_and_search",
    "activities.migrations.0002_grants",
    "contacts.migrations.0003_matrix_permissions",
    "deals.migrations.0005_matrix_permissions",
    "leads.migrations.0003_matrix_permissions",
    "activities.migrations.0003_matrix_permissions",
)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    mode = "production (PostgreSQL/Redis)" if not settings.EMBEDDED_REDIS else "embedded"
    lines = [f"keel: {mode} mode, database {db}"]
    if db != "postgresql":
        lines.append("keel: tests marked postgresql are deselected; the PostgreSQL pass runs them")
    return lines
