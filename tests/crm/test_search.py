"""Global search: providers, matching and ranking, visibility, escaping, and the search
page with its top-bar menu partial."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import search
from leads.models import LeadUserObjectPermission
from tests.accounts.factories import UserFactory
from tests.contacts.factories import CompanyFactory, ContactFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def titles(results, key):
    group = next((g for g in results.groups if g.key == key), None)
    return [hit.title for hit in group.hits] if group else None


def share(obj, user, action="view"):
    permission = Permission.objects.get(codename=f"{action}_lead", content_type__app_label="leads")
    LeadUserObjectPermission.objects.create(content_object=obj, user=user, permission=permission)


# ---------------------------------------------------------------- registry and terms


def test_each_app_provides_its_group_in_order():
    keys = [p.key for p in search.providers()]
    assert keys == ["companies", "contacts", "leads", "deals"]
    labels = [p.label for p in search.providers()]
    assert labels == ["Companies", "Contacts", "Leads", "Deals"]
    assert {p.permission for p in search.providers()} == {
        "contacts.view_company",
        "contacts.view_contact",
        "leads.view_lead",
        "deals.view_deal",
    }


def test_terms_drop_single_letters_and_keep_five_words():
    assert search.terms_of("  Anna   K  Kowalski ") == ["anna", "kowalski"]
    assert search.terms_of("a b c d e f g") == []
    assert search.terms_of("one two three four five six") == ["one", "two", "three", "four", "five"]


def test_a_query_shorter_than_two_letters_asks_the_database_nothing(rep):
    with CaptureQueriesContext(connection) as queries:
        results = search.search(user=rep, query=" k ")
    assert results.too_short
    assert results.groups == []
    assert len(queries) == 0


# ---------------------------------------------------------------- matching and ranking


def test_word_prefix_ranks_before_a_match_inside_a_word(rep):
    LeadFactory(owner=rep, first_name="Ola", last_name="Nowakowalski", company_name="", email="")
    LeadFactory(owner=rep, first_name="Jan", last_name="Kowalski", company_name="", email="")
    LeadFactory(owner=rep, first_name="Kowalczyk", last_name="Adam", company_name="", email="")
    LeadFactory(owner=rep, first_name="Ann", last_name="Smith", company_name="", email="")

    results = search.search(user=rep, query="kowal")

    # the whole text starts with it, then a later word starts with it, then inside a word
    assert titles(results, "leads") == ["Kowalczyk Adam", "Jan Kowalski", "Ola Nowakowalski"]
    group = next(g for g in results.groups if g.key == "leads")
    assert group.count == 3
    assert not group.capped
    assert not group.more


def test_a_whole_word_ranks_before_a_longer_word_with_the_same_start(rep):
    CompanyFactory(owner=rep, name="Chenoweth Foods", domain="")
    CompanyFactory(owner=rep, name="Lee Chen Partners", domain="")

    results = search.search(user=rep, query="chen")

    assert titles(results, "companies") == ["Chenoweth Foods", "Lee Chen Partners"]
    results = search.search(user=rep, query="lee chen")
    assert titles(results, "companies") == ["Lee Chen Partners"]


def test_every_word_must_match_in_any_order(rep):
    LeadFactory(owner=rep, first_name="Anna", last_name="Kowalski", company_name="Acme")
    LeadFactory(owner=rep, first_name="Anna", last_name="Smith", company_name="Acme")

    assert titles(search.search(user=rep, query="kowalski anna"), "leads") == ["Anna Kowalski"]
    both = titles(search.search(user=rep, query="anna acme"), "leads")
    assert sorted(both) == ["Anna Kowalski", "Anna Smith"]


def test_two_letter_words_match_the_start_of_a_word_only(rep):
    LeadFactory(owner=rep, first_name="Bjorn", last_name="Berg", company_name="", email="")
    LeadFactory(owner=rep, first_name="John", last_name="Berg", company_name="", email="")

    assert titles(search.search(user=rep, query="jo"), "leads") == ["John Berg"]
    assert titles(search.search(user=rep, query="JO"), "leads") == ["John Berg"]


def test_email_and_company_match_too(rep):
    LeadFactory(
        owner=rep, first_name="Eve", last_name="Adams", company_name="Zephyr", email="eve@zx.io"
    )
    assert titles(search.search(user=rep, query="zephyr"), "leads") == ["Eve Adams"]
    assert titles(search.search(user=rep, query="eve@zx"), "leads") == ["Eve Adams"]


def test_like_wildcards_in_the_query_are_plain_characters(rep):
    LeadFactory(owner=rep, first_name="Percy", last_name="Cent", company_name="", email="")
    LeadFactory(owner=rep, first_name="Under", last_name="Score", company_name="", email="")
    assert titles(search.search(user=rep, query="%%"), "leads") == []
    assert titles(search.search(user=rep, query="__"), "leads") == []


def test_groups_show_five_hits_a_count_and_a_link_to_the_filtered_list(rep):
    for n in range(7):
        CompanyFactory(owner=rep, name=f"Zenith {n}")
    CompanyFactory(owner=rep, name="Other")

    results = search.search(user=rep, query="Zenith")

    group = next(g for g in results.groups if g.key == "companies")
    assert len(group.hits) == search.MENU_LIMIT == 5
    assert group.count == 7
    assert group.count_label == "7"
    assert group.more
    assert group.see_all_url == reverse("contacts:company-list") + "?q=zenith"
    assert group.noun_plural == "companies"
    page = search.search(user=rep, query="zenith", limit=search.PAGE_LIMIT)
    assert len(page.groups[0].hits) == 7
    assert not page.groups[0].more
    assert [g.key for g in results.groups] == ["companies", "contacts", "leads", "deals"]
    assert [g.key for g in results.matched_groups] == ["companies"]
    assert results.missed_labels == "Contacts, Leads and Deals"


def test_counts_are_capped_and_the_best_matches_are_found_beyond_the_pool(rep, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "RANK_POOL", 5)
    for n in range(6):  # created first: the index meets these before the better one
        LeadFactory(owner=rep, first_name="Ola", last_name=f"Nowakowal{n}", company_name="")
    LeadFactory(owner=rep, first_name="Kowal", last_name="First", company_name="")

    results = search.search(user=rep, query="kowal")

    group = next(g for g in results.groups if g.key == "leads")
    assert group.hits[0].title == "Kowal First"
    assert group.capped
    assert group.count_label == "3+"
    assert group.more


def test_deal_and_contact_hits_say_where_they_belong(rep):
    company = CompanyFactory(owner=rep, name="Globex")
    ContactFactory(owner=rep, first_name="Hank", last_name="Scorpio", title="CEO", company=company)
    deal = DealFactory(owner=rep, name="Scorpio renewal", company=company, amount=Decimal("12500"))

    results = search.search(user=rep, query="scorpio")

    contact_hit = next(g for g in results.groups if g.key == "contacts").hits[0]
    assert contact_hit.subtitle.startswith("CEO at Globex")
    deal_hit = next(g for g in results.groups if g.key == "deals").hits[0]
    assert deal_hit.subtitle == f"{deal.stage.name} · 12,500.00 USD · Globex"
    assert deal_hit.url == deal.get_absolute_url()
    assert deal_hit.icon == "handshake"


# ---------------------------------------------------------------- visibility and permissions


def test_a_rep_finds_own_and_shared_records_never_another_reps(rep, other_rep):
    LeadFactory(owner=rep, first_name="Quill", last_name="Mine")
    shared = LeadFactory(owner=other_rep, first_name="Quill", last_name="Shared")
    LeadFactory(owner=other_rep, first_name="Quill", last_name="Hidden")
    CompanyFactory(owner=other_rep, name="Quill Hidden Ltd")
    DealFactory(owner=other_rep, name="Quill hidden deal")
    share(shared, rep)
    rep = type(rep).objects.get(pk=rep.pk)

    results = search.search(user=rep, query="quill")

    assert sorted(titles(results, "leads")) == ["Quill Mine", "Quill Shared"]
    assert titles(results, "companies") == []
    assert titles(results, "deals") == []
    assert next(g for g in results.groups if g.key == "leads").count == 2


def test_a_manager_finds_the_teams_records_and_an_admin_everyones(
    manager, rep, other_rep, admin_user
):
    LeadFactory(owner=rep, first_name="Quill", last_name="North")
    LeadFactory(owner=other_rep, first_name="Quill", last_name="Emea")

    assert titles(search.search(user=manager, query="quill"), "leads") == ["Quill North"]
    assert sorted(titles(search.search(user=admin_user, query="quill"), "leads")) == [
        "Quill Emea",
        "Quill North",
    ]


def test_support_and_read_only_see_what_their_roles_view(support, read_only, rep):
    LeadFactory(owner=rep, first_name="Quill", last_name="North")
    DealFactory(owner=rep, name="Quill deal")
    for user in (support, read_only):
        results = search.search(user=user, query="quill")
        assert titles(results, "leads") == ["Quill North"]
        assert titles(results, "deals") == ["Quill deal"]


def test_no_group_without_the_models_view_permission(north, rep):
    group = Group.objects.create(name="Contacts only")
    group.permissions.add(
        Permission.objects.get(codename="view_contact", content_type__app_label="contacts")
    )
    user = UserFactory(team=north)
    user.groups.add(group)
    ContactFactory(owner=user, first_name="Quill", last_name="Visible")
    LeadFactory(owner=user, first_name="Quill", last_name="Lead")

    results = search.search(user=user, query="quill")

    assert [g.key for g in results.groups] == ["contacts"]
    assert titles(results, "contacts") == ["Quill Visible"]


# ---------------------------------------------------------------- highlighting and escaping


def test_highlight_marks_every_term_and_escapes_everything_else():
    html = search.highlight("Tom & <b>Jerry</b> JERRY", ["jerry", "tom"])
    assert str(html) == (
        "<mark>Tom</mark> &amp; &lt;b&gt;<mark>Jerry</mark>&lt;/b&gt; <mark>JERRY</mark>"
    )
    assert str(search.highlight("annabel", ["ann", "anna"])) == "<mark>anna</mark>bel"
    assert str(search.highlight("", ["x"])) == ""


def test_record_names_are_escaped_in_the_results(client_for, rep):
    LeadFactory(
        owner=rep,
        first_name="<script>alert(1)</script>",
        last_name="Quill",
        company_name='"><img src=x onerror=alert(2)>',
    )
    response = client_for(rep).get(reverse("crm:search"), {"q": "quill"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Quill</mark>" in body


# ---------------------------------------------------------------- the search page


def test_anonymous_is_sent_to_sign_in(client_for):
    response = client_for(None).get(reverse("crm:search"), {"q": "quill"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


def test_the_full_page_lists_each_group_with_links(client_for, rep):
    lead = LeadFactory(owner=rep, first_name="Quill", last_name="Page")
    company = CompanyFactory(owner=rep, name="Quill Works")

    response = client_for(rep).get(reverse("crm:search"), {"q": "Quill"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<!doctype html>" in body.lower()
    assert "Results for “Quill”" in body
    assert f'href="{lead.get_absolute_url()}"' in body
    assert f'href="{company.get_absolute_url()}"' in body
    assert 'id="search-group-leads"' in body
    assert 'id="search-group-companies"' in body
    assert "Nothing in Contacts and Deals." in body
    assert 'value="Quill"' in body  # the top bar keeps the query


def test_the_top_bar_gets_the_menu_partial(client_for, rep):
    lead = LeadFactory(owner=rep, first_name="Quill", last_name="Menu")
    for n in range(6):
        CompanyFactory(owner=rep, name=f"Quill {n}")

    response = client_for(rep).get(
        reverse("crm:search"),
        {"q": "quill"},
        headers={"HX-Request": "true", "HX-Target": "topsearch-results"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "<!doctype" not in body.lower()
    assert 'role="group" aria-labelledby="ts-label-companies"' in body
    assert body.count('role="option"') == 5 + 1 + 1 + 1  # 5 companies, see all, lead, page
    assert f'href="{lead.get_absolute_url()}"' in body
    assert "See all 6 companies" in body
    assert f'href="{reverse("contacts:company-list")}?q=quill"' in body
    assert f'href="{reverse("crm:search")}?q=quill"' in body


def test_the_menu_says_when_nothing_matches(client_for, rep):
    response = client_for(rep).get(
        reverse("crm:search"),
        {"q": "zzqx"},
        headers={"HX-Request": "true", "HX-Target": "topsearch-results"},
    )
    body = response.content.decode()
    assert "No records match “zzqx”." in body
    assert 'aria-disabled="true"' in body


def test_a_short_query_gets_a_hint_and_an_empty_menu(client_for, rep):
    client = client_for(rep)
    page = client.get(reverse("crm:search"), {"q": "q"})
    assert page.status_code == 200
    assert "Type at least 2 letters" in page.content.decode()
    menu = client.get(
        reverse("crm:search"),
        {"q": "q"},
        headers={"HX-Request": "true", "HX-Target": "topsearch-results"},
    )
    assert menu.status_code == 200
    assert menu.content.decode().strip() == ""
    assert client.get(reverse("crm:search")).status_code == 200


def test_only_get_is_allowed(client_for, rep):
    assert client_for(rep).post(reverse("crm:search"), {"q": "quill"}).status_code == 405


def _menu(client, query):
    response = client.get(
        reverse("crm:search"),
        {"q": query},
        headers={"HX-Request": "true", "HX-Target": "topsearch-results"},
    )
    assert response.status_code == 200
    return response


def _records(owner, n, start=0):
    for i in range(start, start + n):
        LeadFactory(owner=owner, first_name="Quill", last_name=f"Lead{i}")
        CompanyFactory(owner=owner, name=f"Quill {i}")
        ContactFactory(owner=owner, first_name="Quill", last_name=f"Person{i}")
        DealFactory(owner=owner, name=f"Quill deal {i}")


@pytest.mark.parametrize("pool", [5, 200], ids=["more-than-the-pool", "fewer-than-the-pool"])
def test_the_number_of_queries_does_not_grow_with_the_rows(
    client_for, manager, rep, monkeypatch, django_assert_max_num_queries, pool
):
    monkeypatch.setattr(search, "RANK_POOL", pool)
    client = client_for(manager)
    _records(rep, 3)
    _records(manager, 3, start=3)
    with CaptureQueriesContext(connection) as few:
        _menu(client, "quill")
    _records(rep, 15, start=6)
    _records(manager, 15, start=21)
    # session, user, roles, permissions, shares; then at most three per group
    with django_assert_max_num_queries(len(few)):
        response = _menu(client, "quill")
    assert response.content.decode().count('role="option"') == 4 * 6 + 1
