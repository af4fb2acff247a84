"""Two-factor authentication: policy, the challenge after the password, enrolment, passkeys.

A second factor is an authenticator app (TOTP), a passkey (WebAuthn), or, as a fallback, one
of ten single-use backup codes (``accounts.twofactor_models``). Sign-in is two steps: allauth
checks the password and signs the user in; until a second factor is verified in the same
session (django-otp's ``otp_device_id`` mark), :class:`TwoFactorMiddleware` lets a user who
has one see only the challenge page, the passkey endpoints, sign-out and static files. A
user whose role requires a second factor (``Role.require_two_factor``) and who has none is
sent to enrolment before any other page. Verifying rotates the session key, like signing in.

Guesses are limited twice: per user, ``CRM_2FA_MAX_FAILURES`` wrong codes in
``CRM_2FA_FAIL_WINDOW`` seconds and the next attempt waits (429, audited); and per device,
django-otp's throttling (a doubling delay after each failure, kept in the database, so it
holds even when the cache is down).

Sensitive pages ask for a recent check: :func:`recent_check_required`.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import django_otp
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_static.models import StaticToken

from accounts import audit
from accounts.models import AuthenticatorApp, BackupCodes, Passkey, UserSession

logger = logging.getLogger(__name__)

VERIFIED_AT = "_keel_2fa_at"  # session: when a second factor was last verified (epoch s)
NEW_CODES = "_keel_2fa_new_codes"  # session: backup codes just made, shown once
REG_CHALLENGE = "_keel_webauthn_reg"  # session: the pending WebAuthn challenges
AUTH_CHALLENGE = "_keel_webauthn_auth"
LOGIN_CHALLENGE = "_keel_webauthn_login"  # a passkey sign-in, before anyone is signed in
BACKUP_CODE_COUNT = 10
CHALLENGE_TTL = 300  # seconds a WebAuthn challenge stays valid

# What an unverified user with a second factor may open.
CHALLENGE_URLS = frozenset(
    {
        "accounts:twofactor-challenge",
        "accounts:passkey-auth-options",
        "accounts:passkey-auth",
        "account_logout",
    }
)
# ... and a user who must enrol first.
ENROLMENT_URLS = CHALLENGE_URLS | {
    "accounts:twofactor-setup",
    "accounts:twofactor-app",
    "accounts:twofactor-backup-codes",
    "accounts:passkey-register-options",
    "accounts:passkey-register",
    "accounts:theme",
}


class TwoFactorError(ValidationError):
    """A second-factor change that is refused; the message says why."""


# ---------------------------------------------------------------- policy and state


def _on_key(user_pk: Any) -> str:
    return f"twofactor:on:{user_pk}"


def is_enabled(user: Any) -> bool:
    """Whether ``user`` has a confirmed authenticator app or a passkey (kept in the cache;
    device changes drop it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    found = getattr(user, "_keel_2fa_on", None)
    if found is None:
        key = _on_key(user.pk)
        found = cache.get(key)
        if found is None:
            found = (
                AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()
                or Passkey.objects.filter(user=user, confirmed=True).exists()
            )
            cache.set(key, found, 3600)
        user._keel_2fa_on = found
    return bool(found)


def devices_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Receiver: a device was saved or deleted; the cached answer of :func:`is_enabled` goes."""
    key = _on_key(instance.user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def is_required(user: Any) -> bool:
    """Whether a role ``user`` holds requires a second factor."""
    from accounts.grants import grants_for

    return bool(getattr(user, "is_authenticated", False) and grants_for(user).two_factor_required)


def is_verified(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def verified_at(request: HttpRequest) -> float | None:
    """When this session last verified a second factor (None: not in this session)."""
    if not is_verified(request):
        return None
    value = request.session.get(VERIFIED_AT)
    return float(value) if value else None


def is_recent(request: HttpRequest) -> bool:
    at = verified_at(request)
    return at is not None and time.time() - at <= settings.CRM_2FA_RECENT


@dataclass(frozen=True)
class Summary:
    """The profile section's view of a user's second factors."""

    enabled: bool
    required: bool
    app: AuthenticatorApp | None
    passkeys: list[Passkey]
    codes_left: int


def summary(user: Any) -> Summary:
    app = AuthenticatorApp.objects.filter(user=user, confirmed=True).first()
    passkeys = list(Passkey.objects.filter(user=user, confirmed=True).order_by("created_at"))
    codes_left = StaticToken.objects.filter(device__user=user).count()
    enabled = app is not None or bool(passkeys)
    return Summary(enabled, is_required(user), app, passkeys, codes_left if enabled else 0)


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: whether to invite the user to set up a second factor."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    match = getattr(request, "resolver_match", None)
    on_own_pages = bool(match and match.view_name in ENROLMENT_URLS)
    return {"two_factor_invite": not on_own_pages and not is_enabled(user)}


# ---------------------------------------------------------------- redirects


def safe_next(request: HttpRequest, target: str | None = None) -> str:
    """``target`` (else the request's ``next``) if it stays on this site, else home."""
    if target is None:
        target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:home")


def _with_next(url_name: str, target: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': target})}"


def _away(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx and fetch follow as a whole-page visit."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": "verification needed", "redirect": url}, status=403)
    return redirect(url)


class TwoFactorMiddleware:
    """Signed in with the password only: a user with a second factor sees the challenge, a
    user whose role requires one and who has none sees enrolment; nothing else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or is_verified(request):
            return self.get_response(request)
        if is_enabled(user):
            if _url_name(request) not in CHALLENGE_URLS:
                return _away(request, _with_next("accounts:twofactor-challenge", _target(request)))
        elif is_required(user) and _url_name(request) not in ENROLMENT_URLS:
            messages.info(
                request,
                "Your role requires two-factor authentication: set it up to go on.",
            )
            return _away(request, _with_next("accounts:twofactor-setup", _target(request)))
        return self.get_response(request)


def _url_name(request: HttpRequest) -> str:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return match.view_name


def _target(request: HttpRequest) -> str:
    """Where to go back to after the check: this page, if it was a plain page visit."""
    if request.method == "GET" and not request.headers.get("HX-Request"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    path = urlsplit(referer).path if referer else ""
    return path or reverse("accounts:home")


def recent_check_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view that changes security settings: a user with a second factor whose
    last check in this session is older than ``CRM_2FA_RECENT`` (15 minutes) is asked
    again, then brought back (``next``). A user with no second factor has nothing to
    re-check; roles that must have one are sent to enrolment by the middleware."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_enabled(request.user) and not is_recent(request):
            messages.info(request, "Confirm it is you: this page changes security settings.")
            return _away(request, _with_next("accounts:twofactor-challenge", _target(request)))
        return view(request, *args, **kwargs)

    wrapped.recent_check_required = True  # type: ignore[attr-defined]
    return wrapped


# ---------------------------------------------------------------- verifying


def _failures_key(user_pk: Any) -> str:
    window = settings.CRM_2FA_FAIL_WINDOW
    return f"twofactor:failures:{user_pk}:{int(time.time() // window)}"


def wait_seconds(user: Any) -> int:
    """Seconds ``user`` must wait before trying another code (0: may try now)."""
    try:
        count = cache.get(_failures_key(user.pk), 0)
    except Exception:
        logger.warning("2FA failure counter unavailable; device throttling still applies.")
        return 0
    if count < settings.CRM_2FA_MAX_FAILURES:
        return 0
    window = settings.CRM_2FA_FAIL_WINDOW
    return max(1, math.ceil((time.time() // window + 1) * window - time.time()))


def _count_failure(user: Any, method: str) -> int:
    key = _failures_key(user.pk)
    try:
        cache.add(key, 0, timeout=settings.CRM_2FA_FAIL_WINDOW + 5)
        count = int(cache.incr(key))
    except Exception:
        count = 0
    audit.record(
        "auth.twofactor_failed",
        actor=user,
        changes={"method": method, "failures": count, "throttled": False},
    )
    return count


def record_throttled(user: Any, wait: int) -> None:
    audit.record(
        "auth.twofactor_failed",
        actor=user,
        changes={"method": "any", "throttled": True, "wait_seconds": wait},
    )


def mark_verified(request: HttpRequest, device: Any, *, method: str) -> None:
    """The second factor passed: mark the session (django-otp), rotate its key, audit."""
    django_otp.login(request, device)
    old_key = request.session.session_key
    request.session.cycle_key()
    request.session[VERIFIED_AT] = int(time.time())
    request.session.save()
    if old_key:  # the signed-in browsers list follows the session to its new key
        UserSession.objects.filter(session_key=old_key).update(
            session_key=request.session.session_key
        )
    try:
        cache.delete(_failures_key(request.user.pk))
    except Exception:
        logger.warning("2FA failure counter could not be reset.")
    audit.record("auth.twofactor_verified", actor=request.user, changes={"method": method})


def code_kind(code: str) -> str:
    """ "app" for six digits, else "backup"."""
    text = code.replace(" ", "")
    return "app" if text.isdigit() and len(text) == 6 else "backup"


def verify_code(request: HttpRequest, code: str) -> Any:
    """Check ``code`` against the user's authenticator app or backup codes; the device that
    accepted it, or None (counted and audited)."""
    user = request.user
    kind = code_kind(code)
    model = AuthenticatorApp if kind == "app" else BackupCodes
    with transaction.atomic():
        devices = model.objects.filter(user=user, confirmed=True).select_for_update()
        device = next((d for d in devices if d.verify_token(code)), None)
    if device is None:
        _count_failure(user, kind)
        return None
    mark_verified(request, device, method=kind)
    return device


def device_wait(user: Any) -> int:
    """Seconds until django-otp's per-device throttle lets the app be tried again."""
    app = AuthenticatorApp.objects.filter(user=user, confirmed=True).first()
    if app is None:
        return 0
    allowed, data = app.verify_is_allowed()
    if allowed or not data:
        return 0
    locked_until = data.get("locked_until")
    return max(1, math.ceil((locked_until - _now()).total_seconds())) if locked_until else 1


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


# ---------------------------------------------------------------- enrolment and changes


def app_pending(user: Any) -> AuthenticatorApp:
    """The authenticator app being set up (unconfirmed), made on first use."""
    pending = AuthenticatorApp.objects.filter(user=user, confirmed=False).first()
    if pending is None:
        pending = AuthenticatorApp.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    return pending


def qr_svg(text: str) -> str:
    """``text`` as an inline SVG QR code (made on the server: no script, no image request)."""
    import segno

    qr = segno.make(text, error="m")
    svg: str = qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", title="QR code")
    return svg


def _ensure_backup_codes(request: HttpRequest, actor: Any) -> None:
    if not StaticToken.objects.filter(device__user=actor).exists():
        request.session[NEW_CODES] = backup_codes_generate(actor=actor, first=True)


def app_confirm(request: HttpRequest, *, actor: Any, code: str) -> AuthenticatorApp:
    """Confirm the pending authenticator app with a first code: two-factor is on (with
    backup codes, if there were none) and this session counts as verified."""
    with transaction.atomic():
        if AuthenticatorApp.objects.filter(user=actor, confirmed=True).exists():
            raise TwoFactorError("An authenticator app is already set up. Remove it first.")
        pending = AuthenticatorApp.objects.select_for_update().filter(user=actor, confirmed=False)
        device = pending.first()
        if device is None:
            raise TwoFactorError("Start again: the setup of this app has expired.")
        allowed, _ = device.verify_is_allowed()
        if not allowed:  # django-otp's delay after a wrong code (1, 2, 4 ... seconds)
            raise TwoFactorError("Too many tries in a row: wait a few seconds, then try again.")
        accepted = device.verify_token(code)  # a refusal is counted on the device and kept
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            was_on = Passkey.objects.filter(user=actor, confirmed=True).exists()
            audit.record(
                "twofactor.enabled",
                actor=actor,
                obj=actor,
                changes={"method": "app", "already_on": was_on},
            )
            _ensure_backup_codes(request, actor)
            mark_verified(request, device, method="app-setup")
    if not accepted:
        _count_failure(actor, "app-setup")
        raise TwoFactorError("That code is not right. Check your device's clock, then try again.")
    return device


def backup_codes_generate(*, actor: Any, first: bool = False) -> list[str]:
    """Replace the user's backup codes with ten new ones; returns them (shown once)."""
    from accounts.twofactor_models import hash_code

    with transaction.atomic():
        device, _ = BackupCodes.objects.get_or_create(
            user=actor, defaults={"name": "Backup codes", "confirmed": True}
        )
        StaticToken.objects.filter(device=device).delete()
        codes = [_new_code() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            [StaticToken(device=device, token=hash_code(code)) for code in codes]
        )
        if not first:
            audit.record(
                "twofactor.backup_codes_regenerated",
                actor=actor,
                obj=actor,
                changes={"count": len(codes)},
            )
    return codes


def _new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(5)).decode().lower()  # 40 bits, 8 characters
    alphabet = str.maketrans("01", "89")  # base32 has no 0/1; keep it unambiguous anyway
    raw = raw.translate(alphabet)
    return f"{raw[:4]}-{raw[4:]}"


def _ensure_may_drop(actor: Any, *, remaining: int) -> None:
    if remaining == 0 and is_required(actor):
        raise TwoFactorError(
            "Your role requires two-factor authentication: add another method before "
            "removing this one."
        )


def _after_removal(actor: Any, *, remaining: int, method: str) -> None:
    if remaining == 0:  # nothing left: two-factor is off, and the backup codes go too
        BackupCodes.objects.filter(user=actor).delete()
        audit.record("twofactor.disabled", actor=actor, obj=actor, changes={"last": method})


def _remaining(actor: Any, *, without_app: bool = False, without: Passkey | None = None) -> int:
    apps = 0 if without_app else AuthenticatorApp.objects.filter(user=actor, confirmed=True).count()
    keys = Passkey.objects.filter(user=actor, confirmed=True)
    if without is not None:
        keys = keys.exclude(pk=without.pk)
    return apps + keys.count()


@transaction.atomic
def app_remove(*, actor: Any) -> None:
    """Remove the authenticator app; with no passkey left, two-factor is off."""
    if not AuthenticatorApp.objects.filter(user=actor, confirmed=True).exists():
        raise TwoFactorError("No authenticator app is set up.")
    remaining = _remaining(actor, without_app=True)
    _ensure_may_drop(actor, remaining=remaining)
    AuthenticatorApp.objects.filter(user=actor).delete()
    if remaining == 0:
        BackupCodes.objects.filter(user=actor).delete()
    audit.record(
        "twofactor.disabled",
        actor=actor,
        obj=actor,
        changes={"method": "app", "still_on": remaining > 0},
    )


@transaction.atomic
def disable(*, actor: Any) -> None:
    """Remove every second factor of ``actor`` (refused when their role requires one)."""
    _ensure_may_drop(actor, remaining=0)
    if not is_enabled(actor):
        raise TwoFactorError("Two-factor authentication is not on.")
    methods = {
        "app": AuthenticatorApp.objects.filter(user=actor, confirmed=True).count(),
        "passkeys": Passkey.objects.filter(user=actor).count(),
    }
    AuthenticatorApp.objects.filter(user=actor).delete()
    Passkey.objects.filter(user=actor).delete()
    BackupCodes.objects.filter(user=actor).delete()
    audit.record("twofactor.disabled", actor=actor, obj=actor, changes=methods)


# ---------------------------------------------------------------- passkeys


def rp_id(request: HttpRequest) -> str:
    return settings.CRM_WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0].strip("[]")


def origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _store_challenge(request: HttpRequest, key: str, challenge: bytes) -> None:
    request.session[key] = {
        "challenge": base64.urlsafe_b64encode(challenge).decode(),
        "at": int(time.time()),
    }


def _take_challenge(request: HttpRequest, key: str) -> bytes:
    """The pending challenge, used once; refused when missing or stale."""
    stored = request.session.pop(key, None)
    if not stored or time.time() - stored.get("at", 0) > CHALLENGE_TTL:
        raise TwoFactorError("The passkey request has expired. Try again.")
    return base64.urlsafe_b64decode(stored["challenge"])


def _user_handle(user: Any) -> bytes:
    return f"keel-user-{user.pk}".encode()


def passkey_registration_options(request: HttpRequest) -> str:
    """JSON options for ``navigator.credentials.create()``; the challenge waits in the
    session."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    user = request.user
    existing = Passkey.objects.filter(user=user).values_list("credential_id", flat=True)
    options = generate_registration_options(
        rp_id=rp_id(request),
        rp_name=settings.CRM_INSTANCE_NAME,
        user_name=user.get_username(),
        user_id=_user_handle(user),
        user_display_name=str(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=_b64decode(cid)) for cid in existing],
    )
    _store_challenge(request, REG_CHALLENGE, options.challenge)
    return str(options_to_json(options))


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _credential(payload: Any) -> str:
    if isinstance(payload, dict):
        payload = payload.get("credential", payload)
    return json.dumps(payload)


def passkey_register(request: HttpRequest, *, credential: Any, name: str) -> Passkey:
    """Verify a registration response (attestation "none" or any the library verifies) and
    keep the credential. Two-factor is on from here, with backup codes if there were none."""
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import InvalidRegistrationResponse

    actor: Any = request.user
    challenge = _take_challenge(request, REG_CHALLENGE)
    try:
        verified = verify_registration_response(
            credential=_credential(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id(request),
            expected_origin=origin(request),
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as error:
        raise TwoFactorError(f"The passkey could not be verified: {error}") from error
    credential_id = _b64encode(verified.credential_id)
    transports: list[str] = []
    if isinstance(credential, dict):
        response = credential.get("response") or {}
        transports = [str(t) for t in (response.get("transports") or []) if isinstance(t, str)]
    with transaction.atomic():
        if Passkey.objects.filter(credential_id=credential_id).exists():
            raise TwoFactorError("This passkey is already registered.")
        was_on = is_enabled(actor)
        passkey = Passkey.objects.create(
            user=actor,
            name=(name.strip() or "Passkey")[:64],
            confirmed=True,
            credential_id=credential_id,
            public_key=_b64encode(verified.credential_public_key),
            sign_count=verified.sign_count,
            transports=transports[:8],
            aaguid=str(verified.aaguid)[:36],
            backed_up=verified.credential_backed_up,
        )
        audit.record(
            "passkey.added",
            actor=actor,
            obj=passkey,
            changes={"name": passkey.name, "aaguid": passkey.aaguid},
        )
        if not was_on:
            audit.record("twofactor.enabled", actor=actor, obj=actor, changes={"method": "passkey"})
            _ensure_backup_codes(request, actor)
            mark_verified(request, passkey, method="passkey-setup")
    return passkey


def passkey_authentication_options(request: HttpRequest) -> str:
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

    keys = Passkey.objects.filter(user=request.user, confirmed=True)
    options = generate_authentication_options(
        rp_id=rp_id(request),
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=_b64decode(key.credential_id)) for key in keys
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _store_challenge(request, AUTH_CHALLENGE, options.challenge)
    return str(options_to_json(options))


def passkey_login_options(request: HttpRequest) -> str:
    """Options for signing in with a passkey alone (no email, no password): the browser
    offers the passkeys it holds for Keel, and the person must unlock theirs (user
    verification), so the passkey counts as both factors."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=rp_id(request), user_verification=UserVerificationRequirement.REQUIRED
    )
    _store_challenge(request, LOGIN_CHALLENGE, options.challenge)
    return str(options_to_json(options))


def passkey_login(request: HttpRequest, *, credential: Any) -> Passkey:
    """The passkey behind a sign-in assertion, verified (challenge, origin, signature, user
    verification, the user handle it was made for); its person must be active. The caller
    signs them in. Any failure raises one plain message, which tells nothing about whose
    passkey it was."""
    challenge = _take_challenge(request, LOGIN_CHALLENGE)
    handle = ((credential or {}).get("response") or {}).get("userHandle") or ""
    refused = TwoFactorError("That passkey was not accepted. Sign in with your password.")
    with transaction.atomic():
        passkey = _locked_passkey(credential, user__is_active=True)
        if passkey is None or (handle and _b64decode(str(handle)) != _user_handle(passkey.user)):
            raise refused
        try:
            _verify_assertion(request, passkey, credential, challenge, user_verified=True)
        except TwoFactorError as error:
            raise refused from error
    return passkey


def _locked_passkey(credential: Any, **lookup: Any) -> Passkey | None:
    """The confirmed passkey an assertion names (its row locked), among ``lookup``."""
    raw_id = credential.get("id") if isinstance(credential, dict) else None
    return (
        Passkey.objects.select_for_update()
        .select_related("user")
        .filter(confirmed=True, credential_id=str(raw_id or ""), **lookup)
        .first()
    )


def _verify_assertion(
    request: HttpRequest,
    passkey: Passkey,
    credential: Any,
    challenge: bytes,
    *,
    user_verified: bool,
) -> None:
    """Check an assertion against ``passkey`` (origin, challenge, signature, counter; with
    ``user_verified``, that the person unlocked it) and move its counter on."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import InvalidAuthenticationResponse

    try:
        verified = verify_authentication_response(
            credential=_credential(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id(request),
            expected_origin=origin(request),
            credential_public_key=_b64decode(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=user_verified,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as error:
        raise TwoFactorError(f"The passkey could not be verified: {error}") from error
    passkey.sign_count = verified.new_sign_count
    passkey.set_last_used_timestamp(commit=False)
    passkey.save(update_fields=["sign_count", "last_used_at"])


def passkey_authenticate(request: HttpRequest, *, credential: Any) -> Passkey:
    """Verify an assertion from one of the user's passkeys: the session is verified."""
    user = request.user
    challenge = _take_challenge(request, AUTH_CHALLENGE)
    problem = ""
    with transaction.atomic():
        passkey = _locked_passkey(credential, user=user)
        if passkey is None:
            problem = "That passkey is not registered for your account."
        else:
            try:
                _verify_assertion(request, passkey, credential, challenge, user_verified=False)
            except TwoFactorError as error:
                problem = " ".join(error.messages)
    if problem or passkey is None:
        _count_failure(user, "passkey")  # outside the transaction: the row must stay
        raise TwoFactorError(problem)
    mark_verified(request, passkey, method="passkey")
    return passkey


@transaction.atomic
def passkey_remove(*, actor: Any, passkey: Passkey) -> None:
    remaining = _remaining(actor, without=passkey)
    _ensure_may_drop(actor, remaining=remaining)
    details = {"name": passkey.name, "aaguid": passkey.aaguid}
    label, pk = str(passkey), passkey.pk
    passkey.delete()
    audit.record(
        "passkey.removed",
        actor=actor,
        object_type="accounts.passkey",
        object_id=pk,
        object_label=label,
        changes=details,
    )
    _after_removal(actor, remaining=remaining, method="passkey")


def passkey_of(user: Any, pk: Any) -> Passkey | None:
    """``user``'s passkey ``pk``, or None: nobody reaches another user's passkey."""
    return Passkey.objects.filter(user=user, pk=pk).first() if str(pk).isdigit() else None


# ---------------------------------------------------------------- password events


def on_password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit.record("auth.password_changed", actor=user, obj=user)


def on_password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A reset by emailed link: the password changes, the second factor stays as it is."""
    audit.record("auth.password_reset", actor=user, obj=user)


def socket_verified(scope: dict[str, Any]) -> bool:
    """Whether a websocket's session has passed the second factor (or needs none)."""
    from django_otp.models import Device

    user = scope["user"]
    if not is_enabled(user):
        return not is_required(user)
    session = scope.get("session") or {}
    persistent_id = session.get(django_otp.DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return bool(device is not None and device.user_id == user.pk and device.confirmed)


async def socket_allowed(scope: dict[str, Any]) -> bool:
    from channels.db import database_sync_to_async

    return bool(await database_sync_to_async(socket_verified)(scope))


def connect() -> None:
    """Receivers: device changes drop the cached state; password changes are audited; the
    live websocket is held to the second factor like the pages."""
    from allauth.account import signals as allauth_signals
    from django.db.models.signals import post_delete, post_save

    from crm import consumers

    if socket_allowed not in consumers.CONNECT_CHECKS:
        consumers.CONNECT_CHECKS.append(socket_allowed)

    for model in (AuthenticatorApp, Passkey):
        for signal in (post_save, post_delete):
            signal.connect(
                devices_changed, sender=model, dispatch_uid=f"2fa.{model.__name__}.{signal}"
            )
    allauth_signals.password_changed.connect(on_password_changed, dispatch_uid="2fa.pw_changed")
    allauth_signals.password_set.connect(on_password_changed, dispatch_uid="2fa.pw_set")
    allauth_signals.password_reset.connect(on_password_reset, dispatch_uid="2fa.pw_reset")
