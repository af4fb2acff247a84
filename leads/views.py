"""Lead pages: detail, create/edit with the duplicate warning, status, delete, conversion;
the web-to-lead settings pages and the public form endpoint."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from csp.constants import SELF
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.http import AuthenticatedRequest
from contacts.custom_fields import display_rows
from contacts.phones import display_phone
from crm import records
from crm.forms import apply_service_errors
from crm.ratelimit import over_rate
from leads import duplicates, selectors, services
from leads.forms import (
    HONEYPOT,
    PUBLIC_FIELDS,
    STATUS_CHOICES,
    ConvertForm,
    LeadForm,
    LeadStatusForm,
    PublicLeadForm,
    WebFormForm,
)
from leads.models import Lead, WebForm

logger = logging.getLogger(__name__)

RATING_ICONS = {"hot": "flame", "warm": "thermometer-sun", "cold": "snowflake"}
STATUS_BADGES: dict[str, str] = {
    Lead.Status.NEW: "accent",
    Lead.Status.CONTACTED: "pending",
    Lead.Status.QUALIFIED: "ok",
    Lead.Status.UNQUALIFIED: "plain",
    Lead.Status.CONVERTED: "done",
}


def _read_only(request: HttpRequest, lead: Lead) -> HttpResponse:
    """409: a converted lead changes no more."""
    return render(request, "leads/lead_read_only.html", {"lead": lead}, status=409)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# ---------------------------------------------------------------- lead pages


def lead_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    user = request.user
    can_change = not lead.is_converted and policy.can_change(user, lead)
    ctx = {
        "lead": lead,
        "tags": list(lead.tags.all()),
        "custom_rows": display_rows(
            "lead", lead.custom, hidden=policy.hidden_fields(request.user, lead)
        ),
        "panels": records.panels_for(lead, user=user, request=request),
        "can_change": can_change,
        "can_convert": can_change and user.has_perm("leads.convert_lead"),
        "can_delete": not lead.is_converted and policy.can_delete(user, lead),
        "status_options": [(value, label, STATUS_BADGES[value]) for value, label in STATUS_CHOICES],
        "phone_display": display_phone(lead.phone),
        "status_badge": STATUS_BADGES.get(lead.status, "plain"),
        "rating_icon": RATING_ICONS.get(lead.rating, ""),
    }
    return render(request, "leads/lead_detail.html", ctx)


def lead_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = LeadForm(request.POST or None, user=user)
    matches = None
    if request.method == "POST" and form.is_valid():
        values = form.lead_values()
        convert_into = request.POST.get("then_convert_contact", "")
        if request.POST.get("ignore_duplicates") != "1" and not convert_into:
            matches = duplicates.find(user=user, values=values)
        if not matches:
            try:
                lead = services.lead_create(actor=user, **values)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"Lead {lead} created.")
                if convert_into.isdigit() and user.has_perm("leads.convert_lead"):
                    url = reverse("leads:lead-convert", args=[lead.pk])
                    return redirect(f"{url}?contact={convert_into}")
                return redirect(lead)
    status = 400 if form.errors else 200
    ctx = {"form": form, "matches": matches, "lead": None}
    return render(request, "leads/lead_form.html", ctx, status=status)


def lead_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = selectors.lead_get_for_user(user=user, pk=pk)
    if lead.is_converted:
        return _read_only(request, lead)
    if not policy.can_change(user, lead):
        raise PermissionDenied("You may not change this lead.")
    initial = {
        **{name: getattr(lead, name) for name in services.TEXT_FIELDS},
        "status": lead.status,
        "owner": lead.owner_id,
        "phone": display_phone(lead.phone),
        "tags": ", ".join(t.name for t in lead.tags.all()),
    }
    form = LeadForm(request.POST or None, user=user, lead=lead, initial=initial, custom=lead.custom)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(actor=user, lead=lead, **form.lead_values())
        except services.LeadReadOnly:
            return _read_only(request, lead)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Lead saved.")
            return redirect(lead)
    status = 400 if form.errors else 200
    return render(
        request,
        "leads/lead_form.html",
        {"form": form, "lead": lead, "matches": None},
        status=status,
    )


DUPLICATE_FIELDS = ("first_name", "last_name", "company_name", "email", "phone", "website")


def lead_duplicates(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the duplicate candidates for what the form holds so far (read only)."""
    params = request.GET
    exclude = params.get("exclude", "")
    values = {key: params.get(key, "")[:300] for key in DUPLICATE_FIELDS}
    matches = duplicates.find(
        user=request.user, values=values, exclude_pk=int(exclude) if exclude.isdigit() else None
    )
    return render(
        request, "leads/lead_form.html#duplicates", {"matches": matches, "live_check": True}
    )


@require_POST
def lead_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = selectors.lead_get_for_user(user=user, pk=pk)
    if lead.is_converted:
        return _read_only(request, lead)
    form = LeadStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose a status from the list.", status=400)
    try:
        services.lead_status_change(actor=user, lead=lead, status=form.cleaned_data["status"])
    except ValidationError as error:
        return HttpResponse(_error_text(error), status=400)
    messages.success(request, f"Status set to {lead.get_status_display()}.")
    return redirect(lead)


@require_http_methods(["GET", "POST"])
def lead_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = selectors.lead_get_for_user(user=user, pk=pk)
    if lead.is_converted:
        return _read_only(request, lead)
    if not policy.can_delete(user, lead):
        raise PermissionDenied("You may not delete this lead.")
    if request.method == "POST":
        services.lead_delete(actor=user, lead=lead)
        messages.success(request, f"Lead {lead} deleted.")
        return redirect("leads:lead-list")
    return render(request, "leads/lead_confirm_delete.html", {"lead": lead})


def lead_convert(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = selectors.lead_get_for_user(user=user, pk=pk)
    if lead.is_converted:
        return _read_only(request, lead)
    if not policy.can_change(user, lead):
        raise PermissionDenied("You may not convert this lead.")
    contacts = duplicates.contact_choices(user=user, lead=lead)
    companies = duplicates.company_choices(user=user, lead=lead)
    initial = {
        key: request.GET[key]
        for key in ("contact", "company")
        if request.GET.get(key, "").isdigit()
    }
    form = ConvertForm(
        request.POST or None,
        lead=lead,
        contacts=contacts,
        companies=companies,
        initial=initial,
        user=user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deal = services.NewDeal(**form.deal_values()) if data["create_deal"] else None
        try:
            services.lead_convert(
                actor=user,
                lead=lead,
                contact=form.chosen_contact,
                company=form.chosen_company,
                create_company=form.create_company,
                deal=deal,
            )
        except services.AlreadyConverted:
            return _read_only(request, selectors.lead_get_for_user(user=user, pk=pk))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{lead} converted.")
            return redirect(lead)
    ctx = {
        "lead": lead,
        "form": form,
        "contacts": contacts,
        "companies": companies,
        "company_domain": services.company_domain(lead),
    }
    return render(request, "leads/lead_convert.html", ctx, status=400 if form.errors else 200)


# ---------------------------------------------------------------- web-form settings


def _webform_initial(form: WebForm) -> dict[str, Any]:
    return {
        "name": form.name,
        "asked_fields": form.fields,
        "required_fields": form.required_fields,
        "owner": form.owner_id,
        "source": form.source,
        "tag": form.tag.name if form.tag else "",
        "success_message": form.success_message,
        "redirect_url": form.redirect_url,
        "is_active": form.is_active,
    }


def webform_list(request: AuthenticatedRequest) -> HttpResponse:
    forms = list(selectors.webform_list())
    return render(request, "leads/webform_list.html", {"forms": forms})


def webform_create(request: AuthenticatedRequest) -> HttpResponse:
    initial = {
        "asked_fields": [
            "first_name",
            "last_name",
            "email",
            "phone",
            "company_name",
            "description",
        ],
        "required_fields": ["last_name", "email"],
        "owner": request.user.pk,
        "is_active": True,
    }
    form = WebFormForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            web_form = services.webform_create(actor=request.user, **form.service_values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Web form {web_form} created. Embed it on your site.")
            return redirect(web_form)
    return render(
        request,
        "leads/webform_form.html",
        {"form": form, "web_form": None},
        status=400 if form.errors else 200,
    )


def webform_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    web_form = selectors.webform_get(pk=pk)
    form = WebFormForm(request.POST or None, initial=_webform_initial(web_form))
    if request.method == "POST" and form.is_valid():
        try:
            services.webform_update(actor=request.user, form=web_form, **form.service_values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Web form saved.")
            return redirect(web_form)
    return render(
        request,
        "leads/webform_form.html",
        {"form": form, "web_form": web_form},
        status=400 if form.errors else 200,
    )


def webform_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    web_form = selectors.webform_get(pk=pk)
    public_url = request.build_absolute_uri(reverse("leads:public-form", args=[web_form.token]))
    labels = dict(WebForm.FIELD_CHOICES)
    stats = selectors.webform_lead_stats(form=web_form)
    ctx = {
        "web_form": web_form,
        "public_url": public_url,
        "field_rows": [
            (labels.get(name, name), name in web_form.required_fields) for name in web_form.fields
        ],
        "html_snippet": embed_snippet(web_form, public_url),
        "iframe_snippet": iframe_snippet(web_form, public_url),
        "status_counts": [(label, stats.get(value, 0)) for value, label in Lead.Status.choices],
        "recent_leads": selectors.webform_recent_leads(form=web_form, user=request.user),
    }
    return render(request, "leads/webform_detail.html", ctx)


@require_http_methods(["GET", "POST"])
def webform_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    web_form = selectors.webform_get(pk=pk)
    if request.method == "POST":
        services.webform_delete(actor=request.user, form=web_form)
        messages.success(request, f"Web form {web_form} deleted.")
        return redirect("leads:webform-list")
    return render(request, "leads/webform_confirm_delete.html", {"web_form": web_form})


def embed_fields(web_form: WebForm) -> list[dict[str, Any]]:
    """The form's fields as the snippet and the hosted page describe them."""
    required = set(web_form.required_fields) | {"last_name"}
    names = (
        list(web_form.fields) if "last_name" in web_form.fields else ["last_name", *web_form.fields]
    )
    return [
        {"name": name, "required": name in required, **PUBLIC_FIELDS[name]}
        for name in names
        if name in PUBLIC_FIELDS
    ]


def embed_snippet(web_form: WebForm, public_url: str) -> str:
    """A plain HTML form for the customer's site, posting to the public URL."""
    return render_to_string(
        "leads/_embed_snippet.txt",
        {
            "web_form": web_form,
            "public_url": public_url,
            "fields": embed_fields(web_form),
            "honeypot": HONEYPOT,
        },
    ).strip()


def iframe_snippet(web_form: WebForm, public_url: str) -> str:
    """The hosted form in an iframe (plain text: the page shows it as code)."""
    height = 180 + 90 * len(web_form.fields)
    return (
        f'<iframe src="{escape(public_url)}?embed=1" title="{escape(web_form.name)}" '
        f'width="100%" height="{height}" loading="lazy"></iframe>'
    )


# ---------------------------------------------------------------- the public endpoint


RATE_WINDOW = 600  # seconds: CRM_WEB_FORM_RATE submissions per client and form


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _over_rate(request: HttpRequest, web_form: WebForm) -> bool:
    """Count this submission; True once the client passed the form's rate."""
    key = f"webform:{web_form.pk}:{_client_ip(request)}"
    return bool(over_rate(key, limit=settings.CRM_WEB_FORM_RATE, window=RATE_WINDOW))


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _json(data: dict[str, Any], status: int) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Access-Control-Allow-Origin"] = "*"  # no cookies are read or set
    return response


@login_not_required
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST", "OPTIONS"])
def public_form(request: HttpRequest, key: str) -> HttpResponse:
    """The hosted form (GET) and where the embedded snippet posts (POST). Public: it never
    reads the session, and answers the same to everyone."""
    web_form = selectors.webform_get_public(token=key)
    ctx: dict[str, Any] = {
        "web_form": web_form,
        "embed": request.GET.get("embed") == "1",
        "honeypot": HONEYPOT,
    }
    if request.method == "OPTIONS":  # a cross-site fetch() asking first
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        return response
    if request.method == "GET":
        ctx["form"] = PublicLeadForm(web_form=web_form)
        return _public_page(request, ctx)
    return _public_post(request, web_form, ctx)


def _public_post(request: HttpRequest, web_form: WebForm, ctx: dict[str, Any]) -> HttpResponse:
    """Rate limit, honeypot, validation, then the lead."""
    wants_json = _wants_json(request)
    form = PublicLeadForm(request.POST, web_form=web_form)
    if _over_rate(request, web_form):
        message = "Too many submissions from your address. Please try again in a few minutes."
        if wants_json:
            return _json({"ok": False, "message": message}, 429)
        ctx.update(form=form, rate_limited=message)
        return _public_page(request, ctx, status=429)
    if form.is_spam:
        logger.info("Web form %s: honeypot filled, submission dropped.", web_form.pk)
        return _submitted(request, web_form, ctx, wants_json)
    if form.is_valid():
        try:
            services.webform_submit(form=web_form, values=form.lead_values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _submitted(request, web_form, ctx, wants_json)
    if wants_json:
        errors = {
            name: [e["message"] for e in errs] for name, errs in form.errors.get_json_data().items()
        }
        return _json({"ok": False, "errors": errors}, 400)
    ctx["form"] = form
    return _public_page(request, ctx, status=400)


def _submitted(
    request: HttpRequest, web_form: WebForm, ctx: dict[str, Any], wants_json: bool
) -> HttpResponse:
    if wants_json:
        return _json(
            {"ok": True, "message": web_form.success_message, "redirect": web_form.redirect_url},
            201,
        )
    if web_form.redirect_url:
        return HttpResponseRedirect(web_form.redirect_url, status=303)
    ctx["done"] = True
    return _public_page(request, ctx)


def _public_page(request: HttpRequest, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "leads/public_form.html", ctx, status=status)
    # Only this page may be framed (the iframe snippet), and its form may lead on to the
    # redirect page (browsers apply form-action to the redirect after a submission).
    form_action = [SELF]
    redirect_url = ctx["web_form"].redirect_url
    if redirect_url:
        parts = urlsplit(redirect_url)
        form_action.append(f"{parts.scheme}://{parts.netloc}")
    response._csp_replace = {"frame-ancestors": ["*"], "form-action": form_action}  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
