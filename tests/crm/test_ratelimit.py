"""Per-user limits on expensive endpoints: 429 with Retry-After, audited exports."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from crm import ratelimit
from tests.leads.factories import LeadFactory


def test_a_key_is_refused_past_its_limit_until_the_window_ends():
    assert [ratelimit.over_rate("t:a", limit=2, window=60) for _ in range(2)] == [0, 0]
    wait = ratelimit.over_rate("t:a", limit=2, window=60)
    assert 1 <= wait <= 60
    assert ratelimit.over_rate("t:b", limit=2, window=60) == 0  # another key, its own count


def test_the_limit_is_skipped_when_the_cache_is_away(monkeypatch, caplog):
    class Away:
        def add(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "cache", Away())
    assert ratelimit.over_rate("t:c", limit=0, window=60) == 0
    assert "skipped" in caplog.text


@pytest.mark.django_db
def test_searching_too_fast_answers_429_with_retry_after(client_for, rep, settings):
    settings.CRM_SEARCH_RATE = 2
    client = client_for(rep)
    assert [client.get("/search/", {"q": "acme"}).status_code for _ in range(2)] == [200, 200]
    refused = client.get("/search/", {"q": "acme"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many searches" in refused.content.decode()


@pytest.mark.django_db
def test_exports_are_audited_and_limited(client_for, rep, settings):
    settings.CRM_EXPORT_RATE = 1
    LeadFactory(owner=rep, last_name="Doe")
    client = client_for(rep)
    response = client.get("/leads/", {"export": "csv", "status": "new"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    row = AuditEntry.objects.get(action="data.exported")
    assert row.actor_id == rep.pk
    assert row.object_type == "list.leads"
    assert "status=new" in row.changes["query"]
    refused = client.get("/leads/", {"export": "csv"})
    assert refused.status_code == 429
    assert AuditEntry.objects.filter(action="data.exported").count() == 1
