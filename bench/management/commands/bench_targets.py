"""Print, as JSON, what the benchmark pages need from the scale dataset: ids, paths and the
text each response must contain (``bench/pages.py`` fills its templates with them).

Asked after seeding, so the pages follow the data rather than assuming ids. A value that
cannot be found (a page or a record missing) is null, and the pages that need it are
reported as not measured, with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from accounts import policy
from crm import demo

BENCH_REP = "rep@keel.test"
MANAGER = "manager@keel.test"
SEARCH_FRAGMENT = "ander"  # Anderson, Sanders, Alexander...
PAGE_SIZE = 50
DEEP_PAGE = 2_000


def url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class Command(BaseCommand):
    help = "Print the ids, paths and expected texts of the benchmark pages as JSON."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(targets(), sort_keys=True))


def targets() -> dict[str, Any]:
    User = apps.get_model("accounts", "User")
    Lead = apps.get_model("leads", "Lead")
    rep = User.objects.filter(email=BENCH_REP).first()
    manager = User.objects.filter(email=MANAGER).first()
    found: dict[str, Any] = {
        "scale": demo.present_scale(),
        "counts": counts(),
        "rep_id": rep.pk if rep else None,
        "search_fragment": SEARCH_FRAGMENT,
        "dashboard_path": url("reports:dashboard"),
    }
    if rep is None or manager is None:
        return found
    leads = policy.visible(Lead.objects.all(), rep)
    newest = leads.order_by("-created_at", "-id").values_list("pk", flat=True)
    qualified = leads.filter(status="qualified", owner=rep)
    by_name = qualified.order_by("last_name", "first_name", "id").values_list("pk", flat=True)
    deep = newest[(DEEP_PAGE - 1) * PAGE_SIZE : (DEEP_PAGE - 1) * PAGE_SIZE + 1]
    found.update(
        rep_leads=leads.count(),
        lead_list_path=url("leads:lead-list"),
        lead_first=link("leads:lead-detail", newest[:1]),
        lead_deep=link("leads:lead-detail", deep),
        lead_by_name_first=link("leads:lead-detail", by_name[:1]),
        **timeline_record("contacts", "Contact", "contact", "contacts:contact-detail", rep),
        **timeline_record("deals", "Deal", "deal", "deals:deal-detail", rep),
        **board(manager),
    )
    return found


def counts() -> dict[str, int]:
    return {
        label: apps.get_model(label).objects.count()
        for label in (
            "leads.Lead",
            "contacts.Contact",
            "contacts.Company",
            "deals.Deal",
            "activities.Activity",
            "activities.Task",
        )
    }


def link(name: str, pks: Any) -> str | None:
    """``href="<detail url>"`` of the first of ``pks``: proof that the row is on the page."""
    pk = next(iter(pks), None)
    path = url(name, pk) if pk is not None else None
    return f'href="{path}"' if path else None


def timeline_record(app: str, model: str, field: str, name: str, rep: Any) -> dict[str, Any]:
    """The rep's record with the most activities (the scale seed gives a few 200-300)."""
    Model = apps.get_model(app, model)
    Activity = apps.get_model("activities", "Activity")
    busiest = (
        Activity.objects.filter(**{f"{field}__owner": rep})
        .values(field)
        .annotate(n=Count("id"))
        .order_by("-n", field)
        .first()
    )
    if busiest is None:
        return {f"{field}_path": None, f"{field}_expect": None, f"{field}_activities": 0}
    record = Model.objects.get(pk=busiest[field])
    return {
        f"{field}_path": url(name, record.pk),
        f"{field}_expect": escape(str(record)),
        f"{field}_activities": busiest["n"],
    }


def board(manager: Any) -> dict[str, Any]:
    """The default pipeline's board and its first open stage's column of cards."""
    Pipeline = apps.get_model("deals", "Pipeline")
    Deal = apps.get_model("deals", "Deal")
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    if pipeline is None:
        return {}
    stage = pipeline.stages.filter(is_won=False, is_lost=False).order_by("position").first()
    open_deals = Deal.objects.filter(pipeline=pipeline, status="open")
    return {
        "pipeline_id": pipeline.pk,
        "pipeline_open": open_deals.count(),
        "pipeline_open_manager": policy.visible(open_deals, manager).count(),
        "board_path": url("deals:board", pipeline.pk),
        "column_path": url("deals:board-column", stage.pk) if stage else None,
        "stage_open": open_deals.filter(stage=stage).count() if stage else 0,
    }
