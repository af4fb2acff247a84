"""Accounts pages: each role's home, the profile, the theme switch."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import (
    allowlist,
    audit,
    policy,
    roles,
    selectors,
    services,
    sessions,
    sharing,
    twofactor,
)
from accounts.forms import IPRangeForm, ProfileForm, ThemeForm
from accounts.http import AuthenticatedRequest
from accounts.models import User
from accounts.panels import EXPLAINABLE
from crm.selectors import delivery_status_counts

HOME_TEMPLATES = {
    roles.ADMIN: "accounts/home_admin.html",
    roles.SALES_MANAGER: "accounts/home_manager.html",
}


def greeting_for(hour: int) -> str:
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"


def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each role lands on its own home: admin, sales manager, or the personal one."""
    user = request.user
    role = user.primary_role
    slug = roles.ADMIN if user.is_superuser else (role.slug if role else "")
    ctx: dict[str, object] = {
        "role": role,
        "greeting": greeting_for(timezone.localtime().hour),
        "activity": selectors.user_activity(user=user),
        "teammates": list(selectors.teammates(user=user)),
    }
    if slug == roles.ADMIN:
        ctx.update(
            role_counts=selectors.role_counts(),
            teams=selectors.team_overview(),
            active_users=selectors.active_user_count(),
            recent_sign_ins=selectors.users_recently_signed_in(),
            deliveries=delivery_status_counts(),
        )
    elif slug == roles.SALES_MANAGER:
        ctx["active_this_week"] = selectors.team_active_count(team=user.team, days=7)
    return render(request, HOME_TEMPLATES.get(slug, "accounts/home.html"), ctx)


def profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    initial = {"full_name": user.full_name, "timezone": user.timezone, "theme": user.theme}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(actor=user, user=user, **form.cleaned_data)
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "default_timezone": settings.TIME_ZONE,
            "summary": twofactor.summary(user),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def theme(request: AuthenticatedRequest) -> HttpResponse:
    form = ThemeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose light, dark or system.")
    services.user_theme_set(actor=request.user, theme=form.cleaned_data["theme"])
    if request.htmx:
        return HttpResponse(status=204)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "accounts:home"
    return redirect(target)


def access_explain(request: AuthenticatedRequest) -> HttpResponse:
    """Whether and why a person may see, change and delete a record (admins). The admin
    must see the record; the answer uses the same policy as every page."""
    model_label = EXPLAINABLE.get(request.GET.get("record", ""))
    record_id, person_id = request.GET.get("id", ""), request.GET.get("user", "")
    if model_label is None or not record_id.isdigit() or not person_id.isdigit():
        return HttpResponseBadRequest("Choose a company, contact, lead or deal and a person.")
    model = apps.get_model(model_label)
    record = policy.get_visible_or_404(model._default_manager.all(), request.user, pk=record_id)
    person = selectors.user_by_pk(person_id)
    if person is None:
        return HttpResponseBadRequest("No such person.")
    explanation = policy.explain(person, record)
    ctx = {
        "record": record,
        "kind": model._meta.verbose_name,
        "person": person,
        "explanation": explanation,
        "rights": [
            ("View", explanation.can_view),
            ("Change", explanation.can_change),
            ("Delete", explanation.can_delete),
        ],
    }
    template = "accounts/_access_result.html" if request.htmx else "accounts/access_explain.html"
    return render(request, template, ctx)


@require_http_methods(["GET", "POST"])
@twofactor.recent_check_required
def ip_allowlist(request: AuthenticatedRequest) -> HttpResponse:
    """The networks Keel may be used from: list, add, remove (admins). A change that would
    lock out the admin making it is refused with a message (400)."""
    ip = audit.client_of(request).ip
    form = IPRangeForm(request.POST if request.POST.get("action") == "add" else None)
    status, problem = 200, ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                found = allowlist.range_by_pk(request.POST.get("range", ""))
                if found is None:
                    return HttpResponseBadRequest("That network is not on the list.")
                allowlist.remove_range(actor=request.user, allowed=found, ip=ip)
                messages.success(request, f"{found.cidr} removed.")
                return redirect("accounts:ip-allowlist")
            if form.is_valid():
                added = allowlist.add_range(actor=request.user, ip=ip, **form.cleaned_data)
                messages.success(request, f"{added.cidr} allowed for {added.role or 'everyone'}.")
                return redirect("accounts:ip-allowlist")
        except ValidationError as error:
            problem = " ".join(error.messages)
        status = 400
    ctx = {"form": form, "ranges": allowlist.ranges(), "ip": ip, "problem": problem}
    return render(request, "accounts/ip_allowlist.html", ctx, status=status)


def _sessions_page(request: AuthenticatedRequest, person: User, *, own: bool) -> HttpResponse:
    current = request.session.session_key if own else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke-others":
            count = sessions.revoke_others(actor=request.user, user=person, keep=current)
            messages.success(request, f"{count} other session{'s' if count != 1 else ''} ended.")
            return redirect(request.path)
        found = sessions.session_of(person, request.POST.get("session", ""))
        if action != "revoke" or found is None:
            return HttpResponseBadRequest("That session does not exist or has already ended.")
        sessions.revoke(actor=request.user, session=found)
        if own and found.session_key == current:
            return redirect("account_login")
        messages.success(request, "Session ended: that browser is signed out.")
        return redirect(request.path)
    ctx = {
        "person": person,
        "own": own,
        "devices": sessions.sessions_of(person, current_key=current),
    }
    return render(request, "accounts/sessions.html", ctx)


@require_http_methods(["GET", "POST"])
def my_sessions(request: AuthenticatedRequest) -> HttpResponse:
    """Where one is signed in; end one session or all the others."""
    return _sessions_page(request, request.user, own=True)


@require_http_methods(["GET", "POST"])
def user_sessions(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """An admin's view of someone's sessions, to end them."""
    person = selectors.user_by_pk(pk)
    if person is None:
        raise Http404("No such person.")
    return _sessions_page(request, person, own=person.pk == request.user.pk)


# ---------------------------------------------------------------- sharing


def _shared_record(request: AuthenticatedRequest) -> Any:
    """The record a sharing form names, if the user may see it (404 otherwise)."""
    model = sharing.model_for(request.POST.get("record", ""))
    record_id = request.POST.get("id", "")
    if model is None or not record_id.isdigit():
        return None
    return policy.get_visible_or_404(model._default_manager.all(), request.user, pk=record_id)


@require_POST
def record_share(request: AuthenticatedRequest) -> HttpResponse:
    """Share a record with a person or a team, to view or edit (owner, manager, admin)."""
    record = _shared_record(request)
    if record is None:
        return HttpResponseBadRequest("Choose a company, contact, lead or deal.")
    who = sharing.parse_who(request.POST.get("who", ""))
    if who is None:
        return HttpResponseBadRequest("Choose an active person or a team to share with.")
    try:
        done = sharing.share(request.user, record, who=who, level=request.POST.get("level", ""))
    except ValidationError as error:
        ctx = {"record": record, "message": " ".join(error.messages)}
        return render(request, "accounts/share_refused.html", ctx, status=400)
    messages.success(request, f"Shared with {who}: {done.level_label.lower()}.")
    return redirect(record.get_absolute_url())


@require_GET
def record_share_people(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the options of a Sharing box's "Share with" for what was typed in its finder."""
    ctx = {"choices": selectors.share_choices(request.GET.get("q", "")[:100])}
    return render(request, "accounts/_sharing_panel.html#share-options", ctx)


@require_POST
def record_unshare(request: AuthenticatedRequest) -> HttpResponse:
    record = _shared_record(request)
    if record is None:
        return HttpResponseBadRequest("Choose a company, contact, lead or deal.")
    kind, _, pk = request.POST.get("who", "").partition(":")
    who: Any = None
    if pk.isdigit():
        who = selectors.user_by_pk(pk) if kind == "user" else None
        who = who or (selectors.team_by_pk(pk) if kind == "team" else None)
    if who is None:
        return HttpResponseBadRequest("Choose a share to revoke.")
    if sharing.unshare(request.user, record, who=who):
        messages.success(request, f"No longer shared with {who}.")
    return redirect(record.get_absolute_url())
