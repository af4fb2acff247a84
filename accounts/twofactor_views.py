"""Two-factor pages: the challenge after the password, enrolment, backup codes, passkeys.

The passkey endpoints speak JSON with ``static/js/twofactor.js`` (no inline script: the CSP
forbids it); everything else is a plain form with post/redirect/get.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import audit, twofactor
from accounts.http import AuthenticatedRequest
from accounts.twofactor import TwoFactorError, recent_check_required
from crm.ratelimit import over_rate


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text="Six digits from your authenticator app, or one of your backup codes.",
    )


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=10,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The six digits the app shows now.",
    )


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _too_many(request: HttpRequest, wait: int, ctx: dict[str, Any]) -> HttpResponse:
    twofactor.record_throttled(request.user, wait)
    minutes = max(1, round(wait / 60))
    ctx["problem"] = (
        f"Too many wrong codes. Wait about {minutes} minute{'s' if minutes != 1 else ''}, "
        "then try again."
    )
    response = render(request, "accounts/twofactor/challenge.html", ctx, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def challenge(request: AuthenticatedRequest) -> HttpResponse:
    """Ask for the second factor: after the password, or again before a sensitive page."""
    user = request.user
    target = twofactor.safe_next(request)
    if not twofactor.is_enabled(user):
        return redirect(target)
    summary = twofactor.summary(user)
    form = CodeForm(request.POST or None)
    ctx: dict[str, Any] = {
        "form": form,
        "next": target,
        "summary": summary,
        "again": twofactor.is_verified(request),
        "problem": "",
    }
    if request.method == "POST":
        kind = twofactor.code_kind(request.POST.get("code", ""))
        wait = twofactor.wait_seconds(user) or (twofactor.device_wait(user) if kind == "app" else 0)
        if wait:
            return _too_many(request, wait, ctx)
        if form.is_valid():
            if twofactor.verify_code(request, form.cleaned_data["code"]) is not None:
                return redirect(target)
            ctx["problem"] = "That code is not right. Try the current one, or a backup code."
        return render(request, "accounts/twofactor/challenge.html", ctx, status=400)
    return render(request, "accounts/twofactor/challenge.html", ctx)


def setup(request: AuthenticatedRequest) -> HttpResponse:
    """Two-factor settings on a page of their own (where enrolment lands)."""
    ctx = {"summary": twofactor.summary(request.user), "next": twofactor.safe_next(request)}
    return render(request, "accounts/twofactor/setup.html", ctx)


@require_http_methods(["GET", "POST"])
@recent_check_required
def app(request: AuthenticatedRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, type the first code."""
    user = request.user
    if twofactor.summary(user).app is not None:
        messages.info(request, "An authenticator app is already set up.")
        return redirect("accounts:twofactor-setup")
    pending = twofactor.app_pending(user)
    form = AppCodeForm(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        wait = twofactor.wait_seconds(user)
        if wait:
            twofactor.record_throttled(user, wait)
            response = HttpResponse(
                f"Too many wrong codes. Try again in {wait} seconds.", status=429
            )
            response["Retry-After"] = str(wait)
            return response
        try:
            twofactor.app_confirm(request, actor=user, code=form.cleaned_data["code"])
        except TwoFactorError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, "Two-factor authentication is on.")
            return redirect("accounts:twofactor-backup-codes")
    url = pending.config_url(settings.OTP_TOTP_ISSUER)
    ctx = {
        "form": form,
        "qr": twofactor.qr_svg(url),
        "secret": pending.secret,
        "problem": problem,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/twofactor/app.html", ctx, status=status)


@require_POST
@recent_check_required
def app_remove(request: AuthenticatedRequest) -> HttpResponse:
    try:
        twofactor.app_remove(actor=request.user)
    except TwoFactorError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:twofactor-setup")
    messages.success(request, "Authenticator app removed.")
    return redirect("accounts:twofactor-setup")


def backup_codes(request: AuthenticatedRequest) -> HttpResponse:
    """The backup codes just made (shown this once), or how many are left."""
    codes = request.session.pop(twofactor.NEW_CODES, None)
    ctx = {"codes": codes or [], "summary": twofactor.summary(request.user)}
    response = render(request, "accounts/twofactor/backup_codes.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@recent_check_required
def backup_codes_new(request: AuthenticatedRequest) -> HttpResponse:
    if not twofactor.is_enabled(request.user):
        messages.error(request, "Set up an authenticator app or a passkey first.")
        return redirect("accounts:twofactor-setup")
    request.session[twofactor.NEW_CODES] = twofactor.backup_codes_generate(actor=request.user)
    messages.success(request, "New backup codes made: the old ones no longer work.")
    return redirect("accounts:twofactor-backup-codes")


@require_POST
@recent_check_required
def disable(request: AuthenticatedRequest) -> HttpResponse:
    try:
        twofactor.disable(actor=request.user)
    except TwoFactorError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:twofactor-setup")
    messages.success(request, "Two-factor authentication is off.")
    return redirect("accounts:twofactor-setup")


# ---------------------------------------------------------------- passkeys


@require_POST
@recent_check_required
def passkey_register_options(request: AuthenticatedRequest) -> HttpResponse:
    return JsonResponse(json.loads(twofactor.passkey_registration_options(request)))


@require_POST
@recent_check_required
def passkey_register(request: AuthenticatedRequest) -> HttpResponse:
    body = _json_body(request)
    credential = body.get("credential")
    if not isinstance(credential, dict):
        return JsonResponse({"error": "No passkey was sent."}, status=400)
    try:
        passkey = twofactor.passkey_register(
            request, credential=credential, name=str(body.get("name") or "")
        )
    except TwoFactorError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    messages.success(request, f"Passkey “{passkey.name}” added.")
    fresh = twofactor.NEW_CODES in request.session
    target = "accounts:twofactor-backup-codes" if fresh else "accounts:twofactor-setup"
    return JsonResponse({"redirect": reverse(target)})


@require_POST
def passkey_auth_options(request: AuthenticatedRequest) -> HttpResponse:
    if not twofactor.summary(request.user).passkeys:
        return JsonResponse({"error": "You have no passkey."}, status=400)
    return JsonResponse(json.loads(twofactor.passkey_authentication_options(request)))


@require_POST
def passkey_auth(request: AuthenticatedRequest) -> HttpResponse:
    body = _json_body(request)
    credential = body.get("credential")
    wait = twofactor.wait_seconds(request.user)
    if wait:
        twofactor.record_throttled(request.user, wait)
        response = JsonResponse({"error": f"Too many failed tries. Wait {wait} s."}, status=429)
        response["Retry-After"] = str(wait)
        return response
    if not isinstance(credential, dict):
        return JsonResponse({"error": "No passkey was sent."}, status=400)
    try:
        twofactor.passkey_authenticate(request, credential=credential)
    except TwoFactorError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"redirect": twofactor.safe_next(request, str(body.get("next") or ""))})


@require_POST
@recent_check_required
def passkey_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    passkey = twofactor.passkey_of(request.user, pk)
    if passkey is None:
        return HttpResponse("That passkey does not exist.", status=404)
    try:
        twofactor.passkey_remove(actor=request.user, passkey=passkey)
    except TwoFactorError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:twofactor-setup")
    messages.success(request, f"Passkey “{passkey.name}” removed.")
    return redirect("accounts:twofactor-setup")


# ---------------------------------------------------------------- signing in with a passkey

PASSKEY_LOGIN_RATE = (20, 300)  # tries per address per window (seconds)


def _login_throttled(request: HttpRequest) -> HttpResponse | None:
    limit, window = PASSKEY_LOGIN_RATE
    wait = over_rate(f"passkey-login:{audit.client_of(request).ip}", limit=limit, window=window)
    if not wait:
        return None
    response = JsonResponse({"error": f"Too many tries. Wait {wait} s."}, status=429)
    response["Retry-After"] = str(wait)
    return response


@login_not_required
@require_POST
def passkey_login_options(request: HttpRequest) -> HttpResponse:
    return _login_throttled(request) or JsonResponse(
        json.loads(twofactor.passkey_login_options(request))
    )


@login_not_required
@require_POST
def passkey_login(request: HttpRequest) -> HttpResponse:
    """Sign in with a passkey alone: the same sign-in as with a password (allauth's login
    flow: hooks, signals, session), and the session counts as second-factor verified."""
    from allauth.account.internal.flows.login import perform_login
    from allauth.account.models import Login

    throttled = _login_throttled(request)
    if throttled:
        return throttled
    body = _json_body(request)
    credential = body.get("credential")
    if not isinstance(credential, dict):
        return JsonResponse({"error": "No passkey was sent."}, status=400)
    try:
        passkey = twofactor.passkey_login(request, credential=credential)
    except TwoFactorError as error:
        audit.record("auth.login_failed", changes={"method": "passkey"})
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    user = passkey.user
    target = twofactor.safe_next(request, str(body.get("next") or ""))
    response = perform_login(request, Login(user=user, email=user.email, redirect_url=target))
    if not request.user.is_authenticated:  # refused by a login hook (e.g. deactivated)
        return JsonResponse({"redirect": getattr(response, "url", reverse("account_login"))})
    twofactor.mark_verified(request, passkey, method="passkey-login")
    return JsonResponse({"redirect": getattr(response, "url", target)})
