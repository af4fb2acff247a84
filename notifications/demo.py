"""Demo notifications: a few things the demo manager does for the demo rep, told the way
Keel tells them (the real services publish the events, the real handlers write the
notifications), so the rep's bell has something in it from the first sign-in."""

from __future__ import annotations

from django.db import transaction

from crm import events
from crm.models import Delivery

HANDLERS = "notifications.handlers."


def seed_notifications() -> list[str]:
    from accounts.models import User
    from notifications.models import Notification

    rep = User.objects.filter(email="rep@keel.test").first()
    manager = User.objects.filter(email="manager@keel.test").first()
    if rep is None or manager is None:
        return []
    if not Notification.objects.filter(recipient=rep).exists():
        _manager_works_for(rep, manager)
    told = _run_pending()
    count = Notification.objects.filter(recipient=rep).count()
    return [f"Notifications: {told} delivered; {rep} has {count}."]


def _manager_works_for(rep, manager) -> None:  # type: ignore[no-untyped-def]
    """Give the rep a lead, move one of their deals and give them a task, as the manager."""
    from activities import services as activity_services
    from deals import services as deal_services
    from deals.models import Deal
    from leads import services as lead_services
    from leads.models import Lead

    with transaction.atomic():
        lead = Lead.objects.filter(owner=manager, converted_at__isnull=True).order_by("pk").first()
        if lead is not None:
            lead_services.lead_assign(actor=manager, lead=lead, owner=rep)
        deal = Deal.objects.filter(owner=rep, status=Deal.Status.OPEN).order_by("pk").first()
        if deal is not None:
            later = (
                deal.pipeline.stages.filter(
                    position__gt=deal.stage.position, is_won=False, is_lost=False
                )
                .order_by("position")
                .first()
            )
            if later is not None:
                deal_services.deal_move(actor=manager, deal=deal, stage=later)
        activity_services.task_create(
            actor=manager, title="Prepare the quarterly pipeline review", owner=rep
        )


def _run_pending() -> int:
    """Run the notification handlers of events still waiting (seeding publishes events in a
    process without a worker); each delivery is claimed, so the worker never runs it again."""
    ran = 0
    pending = Delivery.objects.filter(
        status=Delivery.Status.PENDING, handler__startswith=HANDLERS
    ).values_list("pk", flat=True)
    for pk in list(pending):
        ran += events.delivery_run(delivery_id=pk)
    return ran
