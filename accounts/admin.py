from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts import rbac
from accounts.models import (
    AuditEntry,
    AuthenticatorApp,
    FieldLevel,
    IPAllowRange,
    Passkey,
    Role,
    Team,
    User,
)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["full_name", "email"]
    list_display = [
        "email",
        "full_name",
        "team",
        "role_names",
        "is_active",
        "is_staff",
        "last_login",
    ]
    list_filter = ["is_active", "is_staff", "team", "groups"]
    search_fields = ["email", "full_name"]
    list_select_related = ["team"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "team", "timezone", "theme"]}),
        (
            "Roles and permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "team", "groups", "password1", "password2"],
            },
        )
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups__role")

    @admin.display(description="Roles")
    def role_names(self, user: User) -> str:
        return ", ".join(role.name for role in user.roles)


class MemberInline(admin.TabularInline):
    model = User
    fk_name = "team"
    fields = ("email", "full_name", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "member_count", "created_at"]
    search_fields = ["name"]
    inlines = [MemberInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, team: Team) -> int:
        return team.member_count  # type: ignore[attr-defined]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """Roles' names and order; their permissions are edited on the role's group. Field levels
    are shown only: they change on Settings -> Roles, which refuses making a field more open
    than one's own and writes the ``role.fields_changed`` audit row."""

    list_display = ["name", "slug", "rank", "is_system", "require_two_factor", "description"]
    search_fields = ["name", "slug"]
    fields = [
        "name",
        "slug",
        "description",
        "rank",
        "require_two_factor",
        "group",
        "is_system",
        "restricted_fields",
    ]
    readonly_fields = ["group", "is_system", "restricted_fields"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="Field levels")
    def restricted_fields(self, role: Role) -> str:
        """``Deals: Amount hidden`` per restricted field, or that every field is editable."""
        names = dict(FieldLevel.choices)
        lines = []
        for label, fields in sorted(role.field_levels.items()):
            entity = rbac.entity_for(label)
            for name, level in sorted(fields.items()):
                title = f"{label}.{name}"  # a field no longer restrictable shows as stored
                if entity is not None and entity.restrictable(name):
                    title = f"{entity.title}: {entity.field_label(name)}"
                lines.append((title, str(names.get(level, level)).lower()))
        if not lines:
            return "Every field editable. Set field levels on Settings → Roles."
        return format_html(
            "<ul>{}</ul><p>Set field levels on Settings → Roles.</p>",
            format_html_join("", "<li>{} {}</li>", lines),
        )

    def save_model(self, request: HttpRequest, obj: Role, form: object, change: bool) -> None:
        if obj.group_id is None:
            obj.group = Group.objects.create(name=obj.name)
        elif obj.group.name != obj.name:
            obj.group.name = obj.name
            obj.group.save(update_fields=["name"])
        before = Role.objects.filter(pk=obj.pk).values_list("require_two_factor", flat=True)
        was = next(iter(before), False)
        super().save_model(request, obj, form, change)
        if was != obj.require_two_factor:  # the 2FA policy is a security setting: audited
            from accounts import audit

            audit.record(
                "security.two_factor_policy_changed",
                actor=request.user,
                obj=obj,
                changes={"require_two_factor": [was, obj.require_two_factor]},
            )

    def has_delete_permission(self, request: HttpRequest, obj: Role | None = None) -> bool:
        return obj is None or not obj.is_system


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (the model refuses changes anyway)."""

    list_display = ["at", "action", "actor_label", "object_type", "object_label", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_label", "object_id", "ip"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(IPAllowRange)
class IPAllowRangeAdmin(admin.ModelAdmin):
    """Read-only here: changes go through Settings -> IP allowlist, which refuses a change
    that would lock its author out and writes the audit row."""

    list_display = ["cidr", "role", "note", "created_by", "created_at"]
    list_filter = ["role"]
    readonly_fields = ["cidr", "role", "note", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IPAllowRange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IPAllowRange | None = None) -> bool:
        return False


class _LostDeviceAdmin(admin.ModelAdmin):
    """Read-only: people set up their own second factors. An admin may delete a lost one
    (the person then signs in with the password and sets up a new one); audited."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name", "name"]
    list_filter = ["confirmed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        from accounts import audit

        details = {"user": obj.user.email, "name": obj.name, "by_admin": True}
        user = obj.user
        super().delete_model(request, obj)
        action = "passkey.removed" if isinstance(obj, Passkey) else "twofactor.disabled"
        audit.record(action, actor=request.user, obj=user, changes=details)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset.select_related("user"):
            self.delete_model(request, obj)


@admin.register(AuthenticatorApp)
class AuthenticatorAppAdmin(_LostDeviceAdmin):
    exclude = ["key"]  # the seed never leaves the server once set up


@admin.register(Passkey)
class PasskeyAdmin(_LostDeviceAdmin):
    list_display = [*_LostDeviceAdmin.list_display, "backed_up"]
    exclude = ["public_key"]
