"""``manage.py seed_demo --scale N``: proportional counts, consistent data, idempotent, and
bad input refused. Runs at N=0.001 (a few thousand rows), on SQLite with bulk_create and on
PostgreSQL with COPY, where it also checks that dropping and rebuilding indexes around the
load leaves the schema exactly as the migrations made it.
"""

from __future__ import annotations

import io
import itertools
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max

from accounts.models import Team, User
from activities import scale as activities_scale
from activities.models import Activity, Task
from contacts import scale as contacts_scale
from contacts.models import Company, Contact, EmailAddress
from contacts.phones import normalize_phone
from crm import demo
from crm.models import Event
from deals import scale as deals_scale
from deals.models import Deal, Pipeline, StageChange
from leads import scale as leads_scale
from leads.models import Lead

pytestmark = pytest.mark.django_db
SCALE = 0.001
OWNED = (Company, Contact, Lead, Deal, Activity, Task)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--scale", *args, stdout=out)
    return out.getvalue()


def test_seed_scale_builds_a_consistent_dataset_once(settings):
    """One load, many checks: seeding is the slow part, so it happens once."""
    settings.DEBUG = True
    seeded = seed(str(SCALE))
    for check in (
        check_counts_are_proportional_to_the_scale,
        check_fifty_people_in_five_teams_with_the_demo_logins,
        check_the_bench_rep_has_a_tenth_of_the_leads,
        check_every_record_belongs_to_its_owners_team,
        check_deals_are_consistent_with_their_stages_and_history,
        check_activities_and_tasks_concern_real_records_in_their_lifetime,
        check_a_contact_and_a_deal_of_the_bench_rep_have_long_timelines,
        check_contact_details_are_believable,
        check_the_benchmark_finds_its_records,
        check_a_second_run_with_the_same_scale_does_nothing,
    ):
        check(seeded)


def expected(at_one: int) -> int:
    return max(1, round(at_one * SCALE))


def check_counts_are_proportional_to_the_scale(seeded):
    assert Lead.objects.count() == expected(leads_scale.LEADS) == 1_000
    assert Contact.objects.count() == expected(contacts_scale.CONTACTS) == 200
    assert Company.objects.count() == expected(contacts_scale.COMPANIES) == 50
    assert Deal.objects.count() == expected(deals_scale.DEALS) == 200
    assert Activity.objects.count() == expected(activities_scale.ACTIVITIES) == 1_000
    assert Task.objects.count() == expected(activities_scale.TASKS) == 100
    assert "Loaded" in seeded
    assert "leads.lead" in seeded


def check_fifty_people_in_five_teams_with_the_demo_logins(seeded):
    assert User.objects.filter(is_active=True).count() == 50
    assert Team.objects.count() == 5
    for team in Team.objects.all():
        managers = team.members.filter(groups__role__slug="sales_manager")
        assert managers.count() == 1, team
        assert team.members.filter(groups__role__slug="sales_rep").count() >= 8
    for email in ("rep@keel.test", "rep2@keel.test", "manager@keel.test", "admin@keel.test"):
        assert User.objects.get(email=email).check_password("keel-demo")
    assert User.objects.get(email="rep07@scale.keel.test").check_password("keel-demo")
    assert all(user.roles for user in User.objects.all())


def check_the_bench_rep_has_a_tenth_of_the_leads(seeded):
    rep = User.objects.get(email="rep@keel.test")
    assert Lead.objects.filter(owner=rep).count() == round(1_000 * leads_scale.BENCH_REP_SHARE)
    assert "rep@keel.test owns 100 of 1,000" in seeded


def check_every_record_belongs_to_its_owners_team(seeded):
    for model in OWNED:
        rows = model.objects.all()
        assert rows.filter(owner__isnull=False).exclude(team=F("owner__team")).count() == 0
        assert rows.filter(owner__isnull=True, team__isnull=False).count() == 0
        assert rows.filter(owner__isnull=False).exists(), model


def check_deals_are_consistent_with_their_stages_and_history(seeded):
    deals = Deal.objects.select_related("stage")
    assert Pipeline.objects.count() >= 2
    for deal in deals:
        assert deal.stage.pipeline_id == deal.pipeline_id
        status = "won" if deal.stage.is_won else "lost" if deal.stage.is_lost else "open"
        assert deal.status == status
        assert (deal.closed_at is not None) == (status != "open")
        assert bool(deal.lost_reason) == (status == "lost")
        assert deal.stage_entered_at >= deal.created_at
    by_stage: dict[int, list[float]] = {}
    for stage, position in deals.order_by("id").values_list("stage", "position"):
        by_stage.setdefault(stage, []).append(position)
    for positions in by_stage.values():
        assert positions == sorted(set(positions)), "positions increase within a stage"

    history = StageChange.objects.order_by("deal", "changed_at", "id")
    walks: dict[int, list[StageChange]] = {}
    for change in history:
        walks.setdefault(change.deal_id, []).append(change)
    assert set(walks) == set(deals.values_list("id", flat=True))
    for deal in deals:
        walk = walks[deal.pk]
        assert walk[0].from_stage_id is None
        assert walk[-1].to_stage_id == deal.stage_id
        assert walk[-1].to_stage_name == deal.stage.name
        assert deal.version == len(walk)
        for before, after in itertools.pairwise(walk):
            assert after.from_stage_id == before.to_stage_id != after.to_stage_id
    assert max(len(walk) for walk in walks.values()) >= 10  # some went back and forth
    assert Deal.objects.filter(status="open", pipeline__is_default=True).exists()


def check_activities_and_tasks_concern_real_records_in_their_lifetime(seeded):
    links = ("lead", "contact", "company", "deal")
    for model in (Activity, Task):
        rows = model.objects.all()
        for link in links:
            known = {"lead": Lead, "contact": Contact, "company": Company, "deal": Deal}[link]
            ids = set(rows.exclude(**{link: None}).values_list(f"{link}_id", flat=True))
            assert ids, (model, link)
            assert ids <= set(known.objects.values_list("id", flat=True))
    assert not Activity.objects.filter(lead=None, contact=None, company=None, deal=None).exists()
    assert not Activity.objects.filter(occurred_at__lt=F("lead__created_at")).exists()
    assert not Activity.objects.filter(occurred_at__lt=F("deal__created_at")).exists()
    # A contact's or deal's activity also names its company.
    for link in ("contact", "deal"):
        linked = Activity.objects.exclude(**{link: None})
        with_company = linked.exclude(**{f"{link}__company": None})
        assert not with_company.exclude(company=F(f"{link}__company")).exists()
        assert not linked.filter(**{f"{link}__company": None}).exclude(company=None).exists()
    # Overdue tasks were already announced; nothing piles up for the beat sweeper.
    now = Event.objects.get(type=demo.SCALE_EVENT).created_at
    assert not Task.objects.filter(due_at__lt=now, due_notified_at=None).exists()
    assert not Task.objects.filter(reminder_at__lt=now, reminder_sent_at=None).exists()
    newest = (
        Activity.objects.filter(occurred_at__lte=now).values("deal").annotate(m=Max("occurred_at"))
    )
    for row in newest.exclude(deal=None):
        assert Deal.objects.get(pk=row["deal"]).last_activity_at == row["m"]


def check_a_contact_and_a_deal_of_the_bench_rep_have_long_timelines(seeded):
    rep = User.objects.get(email="rep@keel.test")
    for link, path in (("contact", "/contacts/"), ("deal", "/deals/")):
        busy = (
            Activity.objects.filter(**{f"{link}__owner": rep, f"{link}__company__isnull": False})
            .values(link)
            .annotate(n=Count("id"))
            .filter(n__gte=200)
        )
        ids = [row[link] for row in busy]
        assert ids, link
        assert all(f"{path}{pk}/" in seeded for pk in ids)  # printed for the benchmarks
    assert Deal.objects.filter(owner=rep, status="open", pipeline__is_default=True).exists()


def check_contact_details_are_believable(seeded):
    phones = [
        *Lead.objects.exclude(phone="").values_list("phone", flat=True),
        *Contact.objects.exclude(phone="").values_list("phone", flat=True),
        *Company.objects.exclude(phone="").values_list("phone", flat=True),
    ]
    assert len(phones) > 800
    assert all(normalize_phone(phone) == phone for phone in phones)  # valid E.164
    for contact in Contact.objects.exclude(company=None).exclude(email="")[:50]:
        assert contact.email.endswith("@" + contact.company.domain)
    emails = EmailAddress.objects.filter(is_primary=True, contact__isnull=False)
    assert emails.count() == Contact.objects.exclude(email="").count()
    assert all(e.endswith(".example") for e in Lead.objects.values_list("email", flat=True) if e)
    statuses = Counter(Lead.objects.values_list("status", flat=True))
    assert set(statuses) == set(Lead.Status.values)
    converted = Lead.objects.filter(status="converted")
    assert not converted.filter(converted_contact=None).exists()
    assert not converted.exclude(owner=F("converted_contact__owner")).exists()


def check_the_benchmark_finds_its_records(seeded):
    from bench.management.commands.bench_targets import targets

    found = targets()
    rep = User.objects.get(email="rep@keel.test")
    assert found["scale"] == SCALE
    assert found["counts"]["leads.Lead"] == 1_000
    assert found["rep_id"] == rep.pk
    assert found["rep_leads"] == 100
    newest = Lead.objects.filter(owner=rep).order_by("-created_at", "-id").first()
    assert found["lead_first"] == f'href="/leads/{newest.pk}/"'
    assert found["lead_deep"] is None  # 100 leads make two pages, not 2,000
    assert found["contact_activities"] >= 200
    assert found["deal_activities"] >= 200
    assert found["contact_path"] in seeded
    assert found["deal_path"] in seeded
    assert (
        found["pipeline_open"]
        == Deal.objects.filter(pipeline__is_default=True, status="open").count()
    )
    assert found["column_path"]


def check_a_second_run_with_the_same_scale_does_nothing(seeded):
    before = {model: model.objects.count() for model in (*OWNED, User, StageChange)}
    assert "already loaded: nothing to do" in seed(str(SCALE))
    assert {model: model.objects.count() for model in before} == before
    with pytest.raises(CommandError, match=r"already holds the scale 0\.001 dataset"):
        seed("0.002")
    assert {model: model.objects.count() for model in before} == before


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "nan", "inf", "11", "0.00001", ""])
def test_bad_scales_are_refused_before_anything_is_written(settings, bad):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--scale must be"):
        seed(bad)
    assert not User.objects.exists()
    assert not Lead.objects.exists()


def test_refused_on_what_looks_like_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="production"):
        seed("0.001")
    assert not Lead.objects.exists()


def test_refused_when_scale_users_exist_without_the_record(settings):
    settings.DEBUG = True
    User.objects.create_user(email="rep09@scale.keel.test", full_name="Left Over")
    with pytest.raises(CommandError, match="fresh database"):
        seed("0.001")
    assert not Lead.objects.exists()


def _schema() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || "
            "pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace"
        )
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.postgresql
def test_postgres_load_rebuilds_exactly_the_indexes_and_keys_it_dropped(settings):
    settings.DEBUG = True
    before = _schema()
    lines = demo.seed_scale(SCALE, out=lambda line: None, index_threshold=0)
    assert _schema() == before
    assert Lead.objects.count() == 1_000
    assert any("leads.lead" in line for line in lines)
    # The sequences moved past the explicit ids: the ORM can add rows again.
    assert Lead.objects.create(last_name="After").pk > Lead.objects.order_by("-pk")[1].pk
