"""Deal pages: the board (lazy columns, moves), the deal page (stage bar, won/lost,
reopen, history), create/edit with version checks, delete; pickers; pipeline settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.http import AuthenticatedRequest
from contacts.custom_fields import display_rows
from contacts.models import Company, Contact
from crm import records
from crm.forms import apply_service_errors
from deals import selectors, services
from deals.forms import (
    NEW_PIPELINE_STAGES,
    CloseLostForm,
    DealForm,
    PipelineForm,
    StageFormSet,
)
from deals.models import Deal, Pipeline, Stage

STATUS_BADGES: dict[str, str] = {
    Deal.Status.OPEN: "accent",
    Deal.Status.WON: "ok",
    Deal.Status.LOST: "fail",
}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _wants_json(request: AuthenticatedRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# ---------------------------------------------------------------- cards and columns


def card_context(deal: Deal, *, user: Any, now: Any = None) -> dict[str, Any]:
    now = now or timezone.now()
    rotting = deal.is_rotting(at=now)
    return {
        "deal": deal,
        "overdue": bool(
            deal.status == Deal.Status.OPEN
            and deal.expected_close_date
            and deal.expected_close_date < timezone.localdate(now)
        ),
        "can_move": policy.can_change(user, deal),
        "rotting": rotting,
        "idle_days": selectors.idle_days(deal, now=now) if rotting else 0,
    }


def render_card(request: AuthenticatedRequest, deal: Deal) -> str:
    return render_to_string(
        "deals/board.html#card", {"card": card_context(deal, user=request.user)}, request
    )


def _board_filters(
    request: AuthenticatedRequest, params: QueryDict
) -> tuple[selectors.BoardFilters, list[Any]]:
    owners = selectors.board_owners(user=request.user)
    return selectors.BoardFilters.parse(params, user=request.user, owners=owners), owners


def _column_heads(
    request: AuthenticatedRequest, stages: list[Stage], filters: selectors.BoardFilters
) -> dict[str, dict[str, Any]]:
    """Fresh header HTML and count of each of ``stages`` (one GROUP BY query)."""
    summary = selectors.board_summary(user=request.user, stages=stages, filters=filters)
    return {
        str(stage_id): {
            "html": render_to_string(
                "deals/board.html#column-head",
                {"column": column, "closed_days": selectors.CLOSED_COLUMN_DAYS},
                request,
            ),
            "count": column.count,
        }
        for stage_id, column in summary.items()
    }


def board(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    pipelines = selectors.pipeline_list()
    pipeline = selectors.pipeline_get(pk=pk) if pk is not None else selectors.pipeline_default()
    if pipeline is None:
        return render(request, "deals/board.html", {"pipeline": None, "pipelines": pipelines})
    stages = selectors.stages_of(pipeline=pipeline)
    filters, owners = _board_filters(request, request.GET)
    summary = selectors.board_summary(user=user, stages=stages, filters=filters)
    columns = [summary[stage.pk] for stage in stages]
    open_columns = [c for c in columns if c.kind == "open"]
    default = settings.CRM_DEFAULT_CURRENCY
    open_value = weighted = None  # for a role that hides the amount: only the counts
    if policy.field_access(user, Deal).readable("amount"):
        open_value = sum(
            (value for c in open_columns for currency, value in c.totals if currency == default),
            start=0,
        )
        weighted = sum((c.weighted or 0 for c in open_columns), start=0)
    query = filters.query(user=user)
    for error in filters.errors:
        messages.warning(request, error)
    ctx = {
        "pipeline": pipeline,
        "pipelines": pipelines,
        "columns": columns,
        "closed_days": selectors.CLOSED_COLUMN_DAYS,
        "open_count": sum(c.count for c in open_columns),
        "open_value": open_value,
        "weighted_value": weighted,
        "default_currency": default,
        "filters": filters,
        "query": query,
        "owners": owners,
        "owner_value": request.GET.get("owner", "") if filters.owner else "",
        "can_move": user.has_perm("deals.change_deal"),
        "can_add": user.has_perm("deals.add_deal"),
        "lost_reasons": selectors.lost_reasons(pipeline=pipeline),
        "page_size": selectors.PAGE_SIZE,
    }
    return render(request, "deals/board.html", ctx)


@require_GET
def board_column(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """htmx: the next page of a column's cards, and the loader for the page after it."""
    stage = Stage.objects.filter(pk=pk).first()
    if stage is None:
        raise Http404("No stage matches.")
    filters, _owners = _board_filters(request, request.GET)
    page = selectors.board_cards(
        user=request.user, stage=stage, filters=filters, cursor=request.GET.get("cursor", "")
    )
    now = timezone.now()
    ctx = {
        "stage": stage,
        "cards": [card_context(deal, user=request.user, now=now) for deal in page.cards],
        "next_cursor": page.next_cursor,
        "query": filters.query(user=request.user),
    }
    return render(request, "deals/board.html#column-page", ctx)


def _move_json(
    request: AuthenticatedRequest,
    deal: Deal,
    *,
    stages: list[Stage],
    status: int = 200,
    error: str = "",
    message: str = "",
) -> JsonResponse:
    filters, _owners = _board_filters(request, QueryDict(request.POST.get("query", "")))
    data: dict[str, Any] = {
        "deal_id": deal.pk,
        "stage_id": deal.stage_id,
        "version": deal.version,
        "card": render_card(request, deal),
        "columns": _column_heads(request, stages, filters),
    }
    if error:
        data["error"] = error
    if message:
        data["message"] = message
    return JsonResponse(data, status=status)


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _refuse(
    request: AuthenticatedRequest, deal: Deal, text: str, *, status: int, as_json: bool
) -> HttpResponse:
    if as_json:
        return _json_error(text, status)
    if status == 403:
        raise PermissionDenied(text)
    messages.error(request, text)
    return redirect(deal)


@require_POST
def deal_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Move a card (the board, JSON) or a deal (the stage bar of its page, a form post)."""
    user = request.user
    as_json = _wants_json(request)
    deal = selectors.deal_get_for_user(user=user, pk=pk)
    stage = (
        Stage.objects.select_related("pipeline")
        .filter(pk=_int(request.POST.get("stage")) or 0)
        .first()
    )
    if not policy.can_change(user, deal):
        return _refuse(request, deal, "You may not move this deal.", status=403, as_json=as_json)
    if stage is None:
        text = "Choose a stage to move the deal to."
        return _refuse(request, deal, text, status=400, as_json=as_json)
    old_stage = deal.stage
    try:
        services.deal_move(
            actor=user,
            deal=deal,
            stage=stage,
            after=_int(request.POST.get("after")),
            before=_int(request.POST.get("before")),
            expected_version=_int(request.POST.get("version")),
            lost_reason=request.POST.get("lost_reason", ""),
            place="bottom" if request.POST.get("place") == "bottom" else "top",
        )
    except services.StaleDeal as stale:
        return _stale_answer(request, stale, as_json=as_json, stages=[old_stage, stage])
    except ValidationError as error:
        return _refuse(request, deal, " ".join(error.messages), status=400, as_json=as_json)
    if stage.pk == old_stage.pk:
        text = f"{deal.name} moved within {stage.name}."
    else:
        text = f"{deal.name} moved from {old_stage.name} to {stage.name}."
    if as_json:
        return _move_json(request, deal, stages=[old_stage, stage], message=text)
    messages.success(request, text)
    return redirect(deal)


def _stale_answer(
    request: AuthenticatedRequest,
    stale: services.StaleDeal,
    *,
    as_json: bool,
    stages: list[Stage],
) -> HttpResponse:
    """409: someone else changed the deal; answer with what it is now."""
    if stale.current is None:
        if as_json:
            return _json_error("This deal was deleted.", 404)
        raise Http404("This deal was deleted.")
    current = selectors.deal_get_for_user(user=request.user, pk=stale.current.pk)
    if as_json:
        stages = [*stages, current.stage]
        return _move_json(request, current, stages=stages, status=409, error=stale.message)
    return deal_detail_response(request, current, notice=stale.message, status=409)


# ---------------------------------------------------------------- the deal page


def deal_detail_response(
    request: AuthenticatedRequest, deal: Deal, *, notice: str = "", status: int = 200
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    stages = selectors.stages_of(pipeline=deal.pipeline_id)
    history = selectors.deal_stage_history(deal=deal)
    can_change = policy.can_change(user, deal)
    rotting = deal.is_rotting(at=now)
    ctx = {
        "deal": deal,
        "notice": notice,
        "stages": stages,
        "lost_stage": next((s for s in stages if s.is_lost), None),
        "stage_index": next((i for i, s in enumerate(stages) if s.pk == deal.stage_id), 0),
        "history": history,
        "contacts": selectors.deal_contacts(deal=deal, user=user),
        "tags": list(deal.tags.all()),
        "custom_rows": display_rows("deal", deal.custom, hidden=policy.hidden_fields(user, deal)),
        "panels": records.panels_for(deal, user=user, request=request),
        "can_change": can_change,
        "can_delete": policy.can_delete(user, deal),
        "company_link": bool(deal.company and policy.can_view(user, deal.company)),
        "status_badge": STATUS_BADGES.get(deal.status, "plain"),
        "rotting": rotting,
        "idle_days": selectors.idle_days(deal, now=now),
        "days_in_stage": max(0, (now - deal.stage_entered_at).days),
        "lost_form": CloseLostForm(initial={"version": deal.version}),
        "lost_reasons": selectors.lost_reasons(pipeline=deal.pipeline),
        "reopen_stage": services.reopen_stage(deal) if deal.status != Deal.Status.OPEN else None,
    }
    return render(request, "deals/deal_detail.html", ctx, status=status)


def deal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    return deal_detail_response(request, deal)


def _changeable(request: AuthenticatedRequest, pk: int) -> Deal:
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    if not policy.can_change(request.user, deal):
        raise PermissionDenied("You may not change this deal.")
    return deal


@require_POST
def deal_won(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable(request, pk)
    try:
        services.deal_close_won(
            actor=request.user, deal=deal, expected_version=_int(request.POST.get("version"))
        )
    except services.StaleDeal as stale:
        return _stale_answer(request, stale, as_json=False, stages=[])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(deal)
    messages.success(request, f"{deal.name} won. Congratulations!")
    return redirect(deal)


@require_http_methods(["GET", "POST"])
def deal_lost(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Close as lost: the reason is required (the deal page opens this form in a dialog)."""
    deal = _changeable(request, pk)
    form = CloseLostForm(request.POST or None, initial={"version": deal.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_close_lost(
                actor=request.user,
                deal=deal,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleDeal as stale:
            return _stale_answer(request, stale, as_json=False, stages=[])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{deal.name} closed as lost.")
            return redirect(deal)
    ctx = {"deal": deal, "form": form, "lost_reasons": selectors.lost_reasons()}
    return render(request, "deals/deal_lost.html", ctx, status=400 if form.errors else 200)


@require_POST
def deal_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable(request, pk)
    stage = None
    if request.POST.get("stage"):
        stage = Stage.objects.filter(
            pk=_int(request.POST.get("stage")) or 0, pipeline_id=deal.pipeline_id
        ).first()
        if stage is None:
            return HttpResponse("Choose an open stage of the deal's pipeline.", status=400)
    try:
        services.deal_reopen(
            actor=request.user,
            deal=deal,
            stage=stage,
            expected_version=_int(request.POST.get("version")),
        )
    except services.StaleDeal as stale:
        return _stale_answer(request, stale, as_json=False, stages=[])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(deal)
    messages.success(request, f"{deal.name} reopened in {deal.stage.name}.")
    return redirect(deal)


# ---------------------------------------------------------------- create, edit, delete


def _search_urls() -> dict[str, str]:
    return {
        "company": reverse("deals:company-lookup"),
        "contact": reverse("deals:contact-lookup"),
    }


def _prefill(request: AuthenticatedRequest) -> dict[str, Any]:
    """A new deal from a company or contact page: ``?company=`` / ``?contact=``."""
    user = request.user
    initial: dict[str, Any] = {}
    company_id, contact_id = _int(request.GET.get("company")), _int(request.GET.get("contact"))
    if contact_id:
        contact = (
            policy.visible(Contact.objects.select_related("company"), user)
            .filter(pk=contact_id)
            .first()
        )
        if contact is not None:
            initial["contacts"] = [contact.pk]
            if contact.company is not None and policy.can_view(user, contact.company):
                company_id = company_id or contact.company_id
            initial["name"] = f"{contact.company.name if contact.company else contact} deal"
    if company_id:
        company = policy.visible(Company.objects.all(), user).filter(pk=company_id).first()
        if company is not None:
            initial["company"] = company.pk
            initial["name"] = f"{company.name} deal"
    pipeline_id = _int(request.GET.get("pipeline"))
    if pipeline_id:
        initial["pipeline"] = pipeline_id
        stage_id = _int(request.GET.get("stage"))
        if stage_id:
            initial["stage"] = stage_id
    return initial


def deal_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = DealForm(
        request.POST or None, user=user, initial=_prefill(request), search_urls=_search_urls()
    )
    if request.method == "POST" and form.is_valid():
        values = form.deal_values()
        try:
            deal = services.deal_create(
                actor=user, pipeline=form.cleaned_data["pipeline"], **values
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Deal {deal.name} created.")
            return redirect(deal)
    ctx = {"form": form, "deal": None}
    return render(request, "deals/deal_form.html", ctx, status=400 if form.errors else 200)


def _initial(deal: Deal) -> dict[str, Any]:
    return {
        "name": deal.name,
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "lost_reason": deal.lost_reason,
        "amount": deal.amount,
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date,
        "company": deal.company_id,
        "contacts": list(deal.contacts.values_list("pk", flat=True)),
        "owner": deal.owner_id,
        "tags": ", ".join(t.name for t in deal.tags.all()),
        "description": deal.description,
        "version": deal.version,
    }


def _differences(form: DealForm, current: Deal) -> list[dict[str, str]]:
    """What the other person changed, field by field, for the stale-edit notice (never a
    field the user's role hides)."""
    now = _initial(current)
    sent = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    readable = form.field_access.readable
    rows = []
    labels = {
        "name": "Name",
        "stage": "Stage",
        "amount": "Amount",
        "currency": "Currency",
        "expected_close_date": "Expected close date",
        "company": "Company",
        "owner": "Owner",
        "description": "Notes",
        "lost_reason": "Lost reason",
    }
    shown = {
        "stage": current.stage.name,
        "company": str(current.company) if current.company else "none",
        "owner": str(current.owner) if current.owner else "nobody",
        "amount": f"{current.amount:,.2f}",
        "expected_close_date": (
            current.expected_close_date.isoformat() if current.expected_close_date else "none"
        ),
    }
    for key, label in labels.items():
        mine = sent.get(key)
        mine = getattr(mine, "pk", mine)
        if key in sent and readable(key) and str(mine or "") != str(now.get(key) or ""):
            rows.append({"label": label, "now": shown.get(key, str(now.get(key) or "—"))})
    return rows


def deal_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    deal = _changeable(request, pk)
    form = DealForm(
        request.POST or None,
        user=user,
        deal=deal,
        initial=_initial(deal),
        custom=deal.custom,
        search_urls=_search_urls(),
    )
    stale_rows = None
    if request.method == "POST" and form.is_valid():
        values = form.deal_values()
        try:
            services.deal_update(
                actor=user,
                deal=deal,
                expected_version=form.cleaned_data.get("version"),
                **values,
            )
        except services.StaleDeal as stale:
            if stale.current is None:
                raise Http404("This deal was deleted.") from None
            current = selectors.deal_get_for_user(user=user, pk=pk)
            stale_rows = _differences(form, current)
            # Keep what the user typed; the next save knowingly replaces the new values.
            data = request.POST.copy()
            data["version"] = str(current.version)
            form = DealForm(
                data,
                user=user,
                deal=current,
                initial=_initial(current),
                custom=current.custom,
                search_urls=_search_urls(),
            )
            form.is_valid()
            ctx = {
                "form": form,
                "deal": current,
                "stale": stale_rows,
                "stale_message": stale.message,
            }
            return render(request, "deals/deal_form.html", ctx, status=409)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Deal saved.")
            return redirect(deal)
    ctx = {"form": form, "deal": deal, "stale": None}
    return render(request, "deals/deal_form.html", ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def deal_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    deal = selectors.deal_get_for_user(user=user, pk=pk)
    if not policy.can_delete(user, deal):
        raise PermissionDenied("You may not delete this deal.")
    if request.method == "POST":
        try:
            services.deal_delete(actor=user, deal=deal)
        except services.StaleDeal:
            raise Http404("This deal was deleted already.") from None
        messages.success(request, f"Deal {deal.name} deleted.")
        return redirect("deals:board", deal.pipeline_id)
    return render(request, "deals/deal_confirm_delete.html", {"deal": deal})


@require_GET
def stage_options(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the stage options of the pipeline picked in the deal form."""
    pipeline = Pipeline.objects.filter(pk=_int(request.GET.get("pipeline")) or 0).first()
    if pipeline is None:
        return HttpResponse("Choose a pipeline.", status=400)
    stages = selectors.stages_of(pipeline=pipeline)
    first_open = next((s for s in stages if not s.is_closed), None)
    ctx = {"stages": stages, "selected": first_open.pk if first_open else None}
    return render(request, "deals/deal_form.html#stage-options", ctx)


@require_GET
def company_lookup(request: AuthenticatedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    results = selectors.company_lookup(user=request.user, q=q) if q.strip() else []
    ctx = {"results": [(c.pk, c.name, c.domain) for c in results], "q": q, "noun": "company"}
    return render(request, "deals/widgets/record_picker.html#results", ctx)


@require_GET
def contact_lookup(request: AuthenticatedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    company = _int(request.GET.get("company"))
    results = (
        selectors.contact_lookup(user=request.user, q=q, company=company)
        if q.strip() or company
        else []
    )
    rows = [
        (c.pk, c.full_name, ", ".join(p for p in (c.title, str(c.company or "")) if p))
        for c in results
    ]
    return render(
        request,
        "deals/widgets/record_picker.html#results",
        {"results": rows, "q": q, "noun": "contact"},
    )


# ---------------------------------------------------------------- pipeline settings


def pipeline_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "deals/pipeline_list.html", {"rows": selectors.pipeline_settings_list()})


def _stage_initial(pipeline: Pipeline | None) -> list[dict[str, Any]]:
    if pipeline is None:
        return [
            {"name": n, "kind": k, "probability": p, "rotting_days": r}
            for n, k, p, r in NEW_PIPELINE_STAGES
        ]
    return [
        {
            "stage_id": s.pk,
            "name": s.name,
            "kind": "won" if s.is_won else "lost" if s.is_lost else "open",
            "probability": s.probability,
            "rotting_days": s.rotting_days,
        }
        for s in selectors.stages_of(pipeline=pipeline)
    ]


def _pipeline_errors(form: PipelineForm, formset: Any, error: ValidationError) -> list[str]:
    """Put the service's errors where they belong; returns those about the stages."""
    about_stages: list[str] = []
    rows = {str(f.cleaned_data.get("stage_id")): f for f in formset.forms}
    for key, errors in error.message_dict.items():
        if key in form.fields:
            form.add_error(key, errors)
        elif key.startswith("move_to_") and key.removeprefix("move_to_") in rows:
            rows[key.removeprefix("move_to_")].add_error("move_to", errors)
        else:
            about_stages.extend(errors)
    return about_stages


def _pipeline_page(request: AuthenticatedRequest, pipeline: Pipeline | None) -> HttpResponse:
    stages = selectors.stages_of(pipeline=pipeline) if pipeline else []
    counts = selectors.stage_deal_counts(pipeline=pipeline) if pipeline else {}
    move_choices = [(s.pk, s.name) for s in stages]
    initial = (
        {"name": pipeline.name, "is_default": pipeline.is_default, "is_active": pipeline.is_active}
        if pipeline
        else {"is_active": True}
    )
    form = PipelineForm(request.POST or None, initial=initial)
    formset = StageFormSet(
        request.POST or None,
        initial=None if request.method == "POST" else _stage_initial(pipeline),
        prefix="stages",
        form_kwargs={"move_choices": move_choices},
    )
    kinds = {s.pk: services.stage_kind(s) for s in stages}
    for row in formset.forms:
        # The deals of a deleted stage go to another stage of the same kind.
        own = _int(row["stage_id"].value())
        if own in kinds:
            row.fields["move_to"].choices = [  # type: ignore[attr-defined]
                ("", "Choose a stage"),
                *((s.pk, s.name) for s in stages if s.pk != own and kinds[s.pk] == kinds[own]),
            ]
    stage_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        specs = [f.spec() for f in formset.forms if not f.is_blank()]
        try:
            saved = services.pipeline_save(
                actor=request.user, pipeline=pipeline, stages=specs, **form.cleaned_data
            )
        except ValidationError as error:
            stage_errors = _pipeline_errors(form, formset, error)
        else:
            messages.success(request, f"Pipeline {saved.name} saved.")
            return redirect("deals:pipeline-list")
    rows = []
    for row in formset.forms:
        stage_id = _int(row["stage_id"].value())
        rows.append({"form": row, "deals": counts.get(stage_id, 0) if stage_id else 0})
    failed = request.method == "POST"
    ctx = {
        "pipeline": pipeline,
        "form": form,
        "formset": formset,
        "rows": rows,
        "stage_errors": stage_errors,
        "empty_row": formset.empty_form,
    }
    return render(request, "deals/pipeline_form.html", ctx, status=400 if failed else 200)


def pipeline_create(request: AuthenticatedRequest) -> HttpResponse:
    return _pipeline_page(request, None)


def pipeline_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _pipeline_page(request, selectors.pipeline_get(pk=pk))


@require_http_methods(["GET", "POST"])
def pipeline_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pipeline = selectors.pipeline_get(pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.pipeline_delete(actor=request.user, pipeline=pipeline)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, f"Pipeline {pipeline.name} deleted.")
            return redirect("deals:pipeline-list")
    deals = Deal.objects.filter(pipeline=pipeline).count()
    ctx = {"pipeline": pipeline, "deals": deals, "error": error}
    return render(request, "deals/pipeline_confirm_delete.html", ctx, status=400 if error else 200)
