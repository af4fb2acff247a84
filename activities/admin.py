from django.contrib import admin

from activities.models import Activity, Task


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "occurred_at", "owner", "deal", "contact", "company", "lead")
    list_filter = ("kind", "direction", "outcome", "occurred_at", "team")
    search_fields = ("subject", "body", "owner__email", "owner__full_name")
    raw_id_fields = ("owner", "lead", "contact", "company", "deal")
    date_hierarchy = "occurred_at"
    list_select_related = ("owner", "deal", "contact", "company", "lead")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "owner",
        "due_at",
        "priority",
        "completed_at",
        "deal",
        "contact",
        "company",
    )
    list_filter = (
        "priority",
        "all_day",
        ("completed_at", admin.EmptyFieldListFilter),
        "due_at",
        "team",
    )
    search_fields = ("title", "notes", "owner__email", "owner__full_name")
    raw_id_fields = ("owner", "created_by", "lead", "contact", "company", "deal")
    date_hierarchy = "due_at"
    list_select_related = ("owner", "deal", "contact", "company")
    readonly_fields = (
        "created_at",
        "updated_at",
        "completed_at",
        "completed_by",
        "due_notified_at",
        "reminder_sent_at",
    )
