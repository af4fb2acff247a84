from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from crm import events
from crm.models import Delivery, Event, Heartbeat


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("handler", "status", "attempts", "available_at", "finished_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "actor", "depth", "halted", "created_at"]
    list_filter = ["type", "halted"]
    search_fields = ["type", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = ["type", "payload", "actor", "cause", "depth", "halted", "created_at"]
    inlines = [DeliveryInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "handler", "event", "status", "attempts", "available_at", "finished_at"]
    list_filter = ["status", "handler"]
    search_fields = ["handler", "event__type"]
    list_select_related = ["event"]
    readonly_fields = [
        "event",
        "handler",
        "status",
        "attempts",
        "available_at",
        "queued_at",
        "claimed_at",
        "finished_at",
        "last_error",
    ]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry the selected failed deliveries", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        retried = sum(
            events.delivery_retry(actor=request.user, delivery_id=pk)
            for pk in queryset.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True)
        )
        self.message_user(request, f"{retried} deliveries queued again.", messages.SUCCESS)


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "at"]
    readonly_fields = ["name", "at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
