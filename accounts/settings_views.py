"""Settings pages for admins: roles and their rights, people, teams.

Each page is selector -> form -> service -> redirect; a service's ``ValidationError`` is
shown on the form with a 400, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import preview, rbac, roles, selectors, services
from accounts.forms import (
    RoleCreateForm,
    RoleFieldsForm,
    RoleForm,
    RoleMatrixForm,
    TeamForm,
    UserCreateForm,
    UserFilterForm,
    UserForm,
)
from accounts.http import AuthenticatedRequest
from accounts.models import Role, Team, User
from accounts.twofactor import recent_check_required
from crm.forms import apply_service_errors

USERS_PER_PAGE = 50


def _base_url(request: AuthenticatedRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# ---------------------------------------------------------------- roles


def role_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "accounts/role_list.html", {"roles": selectors.role_list()})


@require_http_methods(["GET", "POST"])
@recent_check_required
def role_create(request: AuthenticatedRequest) -> HttpResponse:
    form = RoleCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Role {role.name} created: choose what it may do.")
            return redirect("accounts:role-detail", role.pk)
    status = 400 if form.errors else 200
    return render(request, "accounts/role_create.html", {"form": form}, status=status)


def _role_or_404(pk: int) -> Role:
    role = selectors.role_by_pk(pk)
    if role is None:
        raise Http404("No such role.")
    return role


@require_http_methods(["GET", "POST"])
@recent_check_required
def role_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A role's name and its matrix: rights per record kind, visibility, field levels,
    settings rights. One form, one save."""
    role = _role_or_404(pk)
    fixed = role.slug == roles.ADMIN
    held = selectors.role_permissions(role=role)
    data = request.POST if request.method == "POST" else None
    initial = {
        "name": role.name,
        "description": role.description,
        "require_two_factor": role.require_two_factor,
    }
    form = RoleForm(data, initial=initial)
    may_change = request.user.has_perm("accounts.change_role")
    matrix = RoleMatrixForm(data, role=role, held=held, editable=may_change and not fixed)
    fields = RoleFieldsForm(data, role=role, editable=may_change, fixed=fixed)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("You may not change roles.")
        valid = [form.is_valid(), fields.is_valid(), fixed or matrix.is_valid()]
        if all(valid):
            matrix_args: dict[str, Any] = (
                {}
                if fixed
                else {
                    "grants": matrix.grants(),
                    "capabilities": matrix.capabilities(),
                    "scopes": matrix.scopes(),
                }
            )
            try:
                services.role_update(
                    actor=request.user,
                    role=role,
                    **form.cleaned_data,
                    **matrix_args,
                    field_levels=fields.field_levels(),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"Role {form.cleaned_data['name']} saved.")
                return redirect("accounts:role-detail", role.pk)
    ctx = {
        "role": role,
        "form": form,
        "matrix": matrix,
        "field_levels": fields,
        "fixed": fixed,
        "may_change": may_change,
        "actions": rbac.ACTIONS,
        "holders": selectors.role_holders(role=role),
    }
    status = 400 if form.errors or matrix.errors or fields.errors else 200
    return render(request, "accounts/role_detail.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@recent_check_required
def role_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    role = _role_or_404(pk)
    problem = ""
    if request.method == "POST":
        try:
            services.role_delete(actor=request.user, role=role)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, f"Role {role.name} deleted.")
            return redirect("accounts:role-list")
    holders = selectors.role_holders(role=role)
    ctx = {"role": role, "holders": holders, "problem": problem}
    return render(request, "accounts/role_confirm_delete.html", ctx, status=400 if problem else 200)


# ---------------------------------------------------------------- users


def user_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = UserFilterForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        people = selectors.user_list()
        status = 400
    else:
        values = filters.cleaned_data if filters.is_bound else {}
        people = selectors.user_list(
            q=values.get("q", ""),
            role=values.get("role"),
            team=values.get("team"),
            status=values.get("status", ""),
        )
        status = 200
    page = Paginator(people, USERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "accounts/user_list.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@recent_check_required
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        invite = data.pop("invite")
        try:
            person = services.user_create(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                team=data["team"],
                roles_given=list(data["roles"]),
                is_staff=data["is_staff"],
                invite_from=_base_url(request) if invite else None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            note = " An invitation is on its way." if invite else ""
            messages.success(request, f"{person} added.{note}")
            return redirect("accounts:user-detail", person.pk)
    status = 400 if form.errors else 200
    return render(request, "accounts/user_create.html", {"form": form}, status=status)


def _user_initial(person: User) -> dict[str, Any]:
    """The person's page form as it stands."""
    return {
        "full_name": person.full_name,
        "email": person.email,
        "team": person.team,
        "roles": person.roles,
        "is_staff": person.is_staff,
    }


def _person_or_404(pk: int) -> User:
    person = selectors.user_detail(pk)
    if person is None:
        raise Http404("No such person.")
    return person


@require_http_methods(["GET", "POST"])
@recent_check_required
def user_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person_or_404(pk)
    form = UserForm(request.POST or None, initial=_user_initial(person))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=person,
                email=data["email"],
                full_name=data["full_name"],
                team=data["team"],
                roles_given=list(data["roles"]),
                is_staff=data["is_staff"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{data['full_name']} saved.")
            return redirect("accounts:user-detail", person.pk)
    ctx = {"person": person, "form": form, "is_self": person.pk == request.user.pk}
    return render(request, "accounts/user_detail.html", ctx, status=400 if form.errors else 200)


@require_POST
@recent_check_required
def user_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Deactivate (ending every session and open page) or reactivate a person."""
    person = _person_or_404(pk)
    action = request.POST.get("action")
    try:
        if action == "deactivate":
            ended = services.user_deactivate(actor=request.user, user=person)
            messages.success(
                request,
                f"{person} is deactivated: {ended} session{'s' if ended != 1 else ''} ended.",
            )
        elif action == "reactivate":
            services.user_reactivate(actor=request.user, user=person)
            messages.success(request, f"{person} may sign in again.")
        else:
            return HttpResponseBadRequest("Choose deactivate or reactivate.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _user_page_refused(request, person)
    return redirect("accounts:user-detail", person.pk)


def _user_page_refused(request: AuthenticatedRequest, person: User) -> HttpResponse:
    form = UserForm(initial=_user_initial(person))
    ctx = {"person": person, "form": form, "is_self": person.pk == request.user.pk}
    return render(request, "accounts/user_detail.html", ctx, status=400)


@require_POST
@recent_check_required
def user_password_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person_or_404(pk)
    try:
        services.user_send_password_reset(
            actor=request.user, user=person, base_url=_base_url(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _user_page_refused(request, person)
    messages.success(request, f"A link to choose a new password is on its way to {person.email}.")
    return redirect("accounts:user-detail", person.pk)


# ---------------------------------------------------------------- teams


@require_http_methods(["GET", "POST"])
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("accounts.add_team"):
            raise PermissionDenied("You may not create teams.")
        if form.is_valid():
            try:
                team = services.team_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"Team {team.name} created.")
                return redirect("accounts:team-detail", team.pk)
    ctx = {"teams": selectors.team_overview(), "form": form}
    return render(request, "accounts/team_list.html", ctx, status=400 if form.errors else 200)


def _team_or_404(pk: int) -> Team:
    team = selectors.team_by_pk(pk)
    if team is None:
        raise Http404("No such team.")
    return team


def _move(request: AuthenticatedRequest, person: User, team: Team | None) -> None:
    services.user_update(
        actor=request.user,
        user=person,
        email=person.email,
        full_name=person.full_name,
        team=team,
        roles_given=person.roles,
        is_staff=person.is_staff,
    )


@require_http_methods(["GET", "POST"])
def team_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rename a team; add people to it (moving them from their team) or take them out."""
    team = _team_or_404(pk)
    action = request.POST.get("action", "rename")
    form = TeamForm(
        request.POST if request.method == "POST" and action == "rename" else None,
        initial={"name": team.name, "description": team.description},
    )
    problem = ""
    if request.method == "POST":
        try:
            if action == "rename":
                if form.is_valid():
                    services.team_update(actor=request.user, team=team, **form.cleaned_data)
                    messages.success(request, "Team saved.")
                    return redirect("accounts:team-detail", team.pk)
            elif action in ("add", "remove"):
                person = selectors.user_detail(request.POST.get("user", ""))
                if person is None or (action == "remove" and person.team_id != team.pk):
                    return HttpResponseBadRequest("Choose someone to add or remove.")
                _move(request, person, team if action == "add" else None)
                verb = "joined" if action == "add" else "left"
                messages.success(request, f"{person} {verb} {team.name}; their records follow.")
                return redirect("accounts:team-detail", team.pk)
            else:
                return HttpResponseBadRequest("Unknown action.")
        except ValidationError as error:
            if action == "rename":
                apply_service_errors(form, error)
            else:
                problem = " ".join(error.messages)
    ctx = {
        "team": team,
        "form": form,
        "members": selectors.team_members(team=team),
        "candidates": selectors.team_candidates(team=team),
        "problem": problem,
    }
    status = 400 if form.errors or problem else 200
    return render(request, "accounts/team_detail.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
def team_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = _team_or_404(pk)
    problem = ""
    if request.method == "POST":
        try:
            services.team_delete(actor=request.user, team=team)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, f"Team {team.name} deleted.")
            return redirect("accounts:team-list")
    members = [m for m in selectors.team_members(team=team) if m.is_active]
    ctx = {"team": team, "members": members, "problem": problem}
    return render(request, "accounts/team_confirm_delete.html", ctx, status=400 if problem else 200)


# ---------------------------------------------------------------- view as user


@require_POST
@recent_check_required
def user_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Start viewing Keel as this person: reads only, until stopped."""
    person = _person_or_404(pk)
    try:
        preview.start(request, person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _user_page_refused(request, person)
    messages.info(request, f"You are viewing Keel as {person}. Nothing can be changed.")
    return redirect("accounts:home")


@require_POST
def preview_stop(request: AuthenticatedRequest) -> HttpResponse:
    person = preview.stop(request)
    if person is None:
        return redirect("accounts:home")
    messages.success(request, f"Back to your own view (you were viewing as {person}).")
    return redirect("accounts:user-detail", person.pk)
