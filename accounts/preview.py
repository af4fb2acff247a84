"""View as user: an admin browses Keel as someone else sees it, changing nothing.

While a preview runs, ``PreviewMiddleware`` puts the previewed person in ``request.user``
for reads (GET and HEAD), so every page, list, count and search answers through the same
policy as for them, and refuses every other method, and exports, with a 403: nothing can be
written, or exported, in their name. ``request.previewer`` is the admin; the banner of the
shell shows whose view this is and a button to stop. Starting and stopping are audited.

Only someone who manages users may preview, and only a person whose rights and visibility
they hold themselves: a preview never shows more than the admin could see anyway.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts import audit, grants, policy, rbac
from accounts.models import User

SESSION_KEY = "_keel_preview_as"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def check(actor: Any, person: User) -> None:
    """Refuse (ValidationError) a preview ``actor`` may not run."""
    if not actor.has_perm("accounts.change_user"):
        raise ValidationError("Only people who manage users may view Keel as someone else.")
    if person.pk == actor.pk:
        raise ValidationError("That is you.")
    if not person.is_active:
        raise ValidationError(f"{person} is deactivated: they see nothing.")
    if actor.is_superuser:
        return
    wider = person.is_superuser or not person.get_all_permissions() <= actor.get_all_permissions()
    for entity in rbac.entities():
        mine, theirs = policy.scope_for(actor, entity.label), policy.scope_for(person, entity.label)
        if theirs is not None and grants.widest([mine, theirs]) != mine:
            wider = True
        mine_hidden = policy.hidden_fields(actor, entity.label)
        if not mine_hidden <= policy.hidden_fields(person, entity.label):
            wider = True  # they read a field the actor may not
    if wider:
        raise ValidationError(f"{person} holds rights you do not: you cannot view Keel as them.")


def start(request: HttpRequest, person: User) -> None:
    check(request.user, person)
    request.session[SESSION_KEY] = person.pk
    audit.record("user.preview_started", actor=request.user, obj=person)


def stop(request: HttpRequest) -> User | None:
    pk = request.session.pop(SESSION_KEY, None)
    person = User.objects.filter(pk=pk).first() if pk else None
    if person is not None:
        audit.record("user.preview_stopped", actor=request.user, obj=person)
    return person


class PreviewMiddleware:
    """Reads as the previewed person; anything else refused (see the module docstring)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.previewer = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        pk = request.session.get(SESSION_KEY) if user is not None else None
        if not pk or not user.is_authenticated:  # type: ignore[union-attr]
            return self.get_response(request)
        person = User.objects.filter(pk=pk).first()
        try:
            if person is None:
                raise ValidationError("gone")
            check(user, person)
        except ValidationError:  # rights changed since it began: the preview just ends
            request.session.pop(SESSION_KEY, None)
            return self.get_response(request)
        if request.path == reverse("accounts:preview-stop"):
            return self.get_response(request)
        # Not an export either: the audit log would name the person as the one who exported.
        if request.method not in SAFE_METHODS or "export" in request.GET:
            ctx = {"person": person}
            return render(request, "accounts/preview_refused.html", ctx, status=403)
        request.previewer = user  # type: ignore[attr-defined]
        request.user = person
        return self.get_response(request)
