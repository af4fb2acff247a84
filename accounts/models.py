"""Users (email login), teams and roles."""

from __future__ import annotations

import zoneinfo
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.timezone import now


def validate_timezone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not a known time zone.", params={"value": value})


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now)
    # The anchor of records shared with the team (django-guardian group object permissions),
    # made when the team is first shared something. Membership is the user's ``team``: the
    # group has no members and no permissions of its own (accounts.sharing).
    share_group = models.OneToOneField(
        "auth.Group",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="shares_team",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    """How far a role's record visibility reaches (DESIGN.md section 5)."""

    OWN = "own", "Own records"
    TEAM = "team", "Team's records"
    ALL = "all", "All records"


class FieldLevel(models.TextChoices):
    """What a role may do with one field of a record kind (``Role.field_levels``)."""

    EDITABLE = "editable", "Editable"
    READ_ONLY = "read_only", "Read-only"
    HIDDEN = "hidden", "Hidden"


class Role(models.Model):
    """A role is a permission group with a slug and a place in the product.

    The standard roles (``STANDARD_ROLES`` in ``accounts.roles``) are created by migration;
    admins may add custom ones. Its permissions are the group's.
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role")
    rank = models.PositiveSmallIntegerField(
        default=100, help_text="Lower ranks come first when a user holds several roles."
    )
    is_system = models.BooleanField(default=False, help_text="A standard role Keel relies on.")
    record_scope = models.CharField(
        max_length=10,
        choices=Scope.choices,
        default=Scope.OWN,
        help_text="Which records the role sees where entity_scopes names no other scope.",
    )
    entity_scopes = models.JSONField(
        default=dict,
        blank=True,
        help_text='Scope per record kind, e.g. {"leads.lead": "team"} (accounts.rbac).',
    )
    field_levels = models.JSONField(
        default=dict,
        blank=True,
        help_text='Restricted fields per record kind, e.g. {"deals.deal": {"amount": "hidden"}};'
        " a field not named is editable (accounts.rbac lists the restrictable fields).",
    )
    require_two_factor = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text="Holders must set up a second factor before they may use Keel "
        "(docs/security.md).",
    )

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.entity_scopes, dict) or any(
            not isinstance(key, str) or value not in Scope.values
            for key, value in self.entity_scopes.items()
        ):
            raise ValidationError({"entity_scopes": "Each record kind needs own, team or all."})
        levels = self.field_levels
        if not isinstance(levels, dict) or any(
            not isinstance(fields, dict)
            or any(value not in FieldLevel.values for value in fields.values())
            for fields in levels.values()
        ):
            raise ValidationError(
                {"field_levels": "Each field needs editable, read_only or hidden."}
            )

    def scope_of(self, label: str) -> Scope:
        """The role's scope on the record kind ``label`` ("leads.lead")."""
        return Scope(self.entity_scopes.get(label, self.record_scope))

    def field_level(self, label: str, name: str) -> FieldLevel:
        """The role's level on the field ``name`` of the record kind ``label``."""
        return FieldLevel(self.field_levels.get(label, {}).get(name, FieldLevel.EDITABLE))


class UserQuerySet(models.QuerySet["User"]):
    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)

    def with_role(self, slug: str) -> UserQuerySet:
        return self.filter(groups__role__slug=slug)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def active(self) -> UserQuerySet:
        return self.get_queryset().active()

    def with_role(self, slug: str) -> UserQuerySet:
        return self.get_queryset().with_role(slug)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        user = self._create(email, password, **fields)
        admin_role = Role.objects.filter(slug="admin").first()
        if admin_role is not None:
            user.groups.add(admin_role.group)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    class Theme(models.TextChoices):
        SYSTEM = "system", "System"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    timezone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="Times are shown in this zone; empty means the installation's default.",
    )
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.SYSTEM)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="May sign in to the Django admin."
    )
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["team", "is_active"], name="accounts_user_team_idx")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    @property
    def initials(self) -> str:
        parts = self.full_name.split() or [self.email]
        return "".join(p[0] for p in parts[:2]).upper()

    @cached_property
    def roles(self) -> list[Role]:
        """The user's roles, most powerful first (prefetch ``groups__role`` for lists)."""
        found = []
        for group in self.groups.all():
            try:
                found.append(group.role)
            except Role.DoesNotExist:
                continue  # a plain permission group, not a role
        return sorted(found, key=lambda role: (role.rank, role.name))

    @property
    def primary_role(self) -> Role | None:
        return self.roles[0] if self.roles else None


class OwnedRecord(models.Model):
    """A CRM record with an owner; the visibility policy (``accounts.policy``) reads these.

    ``team`` is the owner's team when the record was assigned, kept so that a manager's
    "my team's records" is one indexed column rather than a join through users.
    """

    owner = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # each model indexes (owner, its list order)
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now, editable=False)

    # Record create, update and delete go to the audit log with before -> after per field
    # (accounts.audit). Bulk queryset updates bypass save() and are audited by their services.
    audited = False

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        creating = self._state.adding
        super().save(*args, **kwargs)
        if self.audited:
            from accounts import audit

            audit.record_saved(self, created=creating, update_fields=kwargs.get("update_fields"))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if not self.audited:
            return super().delete(*args, **kwargs)
        from accounts import audit

        snapshot, pk, label = audit.snapshot(self), self.pk, str(self)
        result = super().delete(*args, **kwargs)
        audit.record_deleted(self, snapshot, pk=pk, label=label)
        return result

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        if cls.audited:  # what the row held, for the audit row's "before"
            instance._audit_loaded = (field_names, values)  # type: ignore[attr-defined]
        return instance

    def assign_owner(self, owner: User | None) -> None:
        """Set the owner and the denormalised team together (services call this)."""
        self.owner = owner
        self.team_id = owner.team_id if owner is not None else None


class AuditImmutableError(Exception):
    """The audit log is append-only: rows are never changed or deleted through the ORM."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutableError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("Audit entries cannot be deleted (see accounts.audit.purge).")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        raise AuditImmutableError("Audit entries are appended one by one (accounts.audit.record).")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditImmutableError("Audit entries cannot be changed.")


class AuditEntry(models.Model):
    """One line of the append-only audit log, chained to the line before it by hash.

    Written only by ``accounts.audit.record``. The actor is kept as an id and the email it
    had, not a foreign key: a row must outlive its user and never be touched by a cascade.
    ``changes`` holds what changed (``{"field": [before, after]}``) or the action's details.
    """

    at = models.DateTimeField()
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)  # as received: it is hashed
    user_agent = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [
            models.Index(fields=["object_type", "object_id", "-id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "-id"], name="audit_actor_idx"),
            models.Index(fields=["action", "-id"], name="audit_action_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_label}".rstrip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("Audit entries cannot be deleted (see accounts.audit.purge).")


class IPAllowRange(models.Model):
    """A network people may use Keel from (``accounts.allowlist``): for everyone, or for the
    holders of one role. With no range at all, every address is allowed."""

    cidr = models.CharField(
        "network", max_length=50, help_text="e.g. 203.0.113.0/24 or 2001:db8::/32"
    )
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ip_ranges",
        help_text="Empty: the range applies to everyone.",
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["role__rank", "cidr"]
        verbose_name = "allowed network"
        constraints = [
            models.UniqueConstraint(fields=["cidr", "role"], name="ip_range_unique_per_role"),
            models.UniqueConstraint(
                fields=["cidr"],
                condition=models.Q(role__isnull=True),
                name="ip_range_unique_global",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cidr} ({self.role or 'everyone'})"


class UserSession(models.Model):
    """A signed-in session as its user sees it: which device, from where, last seen when.

    Django's session row holds the data; this row indexes it by user, which Django's table
    cannot (``accounts.sessions``). Deleted with the session when it is revoked or signs out.
    """

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="sessions")
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now)
    last_seen_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="user_session_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user} from {self.ip or 'unknown'}"


# The second factors (django-otp devices) live in their own module; imported here so that
# Django finds them as this app's models.
from accounts.twofactor_models import (  # noqa: E402, F401
    AuthenticatorApp,
    BackupCodes,
    Passkey,
)
