"""The second factors: an authenticator app (TOTP), backup codes, passkeys (WebAuthn).

All three are django-otp devices, so django-otp's session mark (``otp_device_id``) and
``user.is_verified()`` work the same whichever was used (``accounts.twofactor``).

- :class:`AuthenticatorApp` is django-otp's TOTP device with its seed encrypted at rest
  (``accounts.encryption``). django-otp's own ``otp_totp.TOTPDevice`` keeps the seed as plain
  hex in a ``CharField``: anyone who reads the database or a backup could then produce codes,
  so Keel does not install that plugin.
- :class:`BackupCodes` are django-otp's ``otp_static`` device (a proxy of it) whose tokens are
  stored as keyed hashes (HMAC-SHA256 with a key derived from ``SECRET_KEY``), never the codes:
  the codes are shown once, when made.
- :class:`Passkey` is one WebAuthn credential. Its public key is encrypted too: not because
  it is secret, but because Fernet authenticates what it decrypts, so someone who can write
  to the database cannot plant a key of their own for a user.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from base64 import b32encode
from binascii import unhexlify
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.util import random_hex

from accounts.encryption import EncryptedCharField, EncryptedTextField


def default_seed() -> str:
    return random_hex(20)  # 160 bits, as RFC 4226 recommends


class AuthenticatorApp(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator app (RFC 6238: SHA-1, 6 digits, 30 s). ``confirmed`` becomes
    true once the user typed a first code from it; until then it protects nothing."""

    key = EncryptedCharField(
        max_length=80, default=default_seed, help_text="The hex seed, encrypted at rest."
    )
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(
        default=-1, help_text="The time step of the last code accepted: a code is used once."
    )

    class Meta(Device.Meta):
        verbose_name = "authenticator app"
        indexes = [models.Index(fields=["user", "confirmed"], name="totp_user_confirmed_idx")]

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    @property
    def secret(self) -> str:
        """The seed in base32, as typed into an app that cannot scan."""
        return b32encode(self.bin_key).decode().rstrip("=")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)  # type: ignore[no-any-return]

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        text = str(token).replace(" ", "")
        verified = False
        if text.isdigit() and len(text) == self.digits:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            # A code at or before the last accepted time step is refused: no replay.
            verified = bool(totp.verify(int(text), self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def config_url(self, issuer: str) -> str:
        """The ``otpauth://`` URI the QR code carries (Google's Key Uri Format)."""
        issuer = issuer.replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {"secret": self.secret, "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        )
        return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


def _code_keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hashlib.sha256(b"keel backup codes " + s.encode()).digest() for s in secrets]


def normalize_code(code: str) -> str:
    return "".join(ch for ch in str(code).lower() if ch.isalnum())


def hash_code(code: str, key: bytes | None = None) -> str:
    """What is stored for a backup code: its HMAC, cut to the token column's 16 characters
    (64 bits: a guess online is throttled; offline one needs SECRET_KEY too)."""
    key = key if key is not None else _code_keys()[0]
    return hmac.new(key, normalize_code(code).encode(), hashlib.sha256).hexdigest()[:16]


class BackupCodes(StaticDevice):
    """django-otp's static device, its tokens stored hashed (:func:`hash_code`)."""

    class Meta:
        proxy = True
        verbose_name = "backup codes"
        verbose_name_plural = "backup codes"

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        candidates = [hash_code(str(token), key) for key in _code_keys()]
        match = self.token_set.filter(token__in=candidates).first()
        if match is None:
            self.throttle_increment()
            return False
        match.delete()  # single use
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class Passkey(TimestampMixin, Device):
    """One WebAuthn credential of a user (a security key, a phone, a laptop's sensor).

    ``credential_id`` is what the browser names it by (base64url); ``public_key`` the COSE key
    it signs with (base64url, encrypted at rest); ``sign_count`` the authenticator's counter,
    which must grow (a clone that reuses an old counter is refused).
    """

    credential_id = models.CharField(max_length=400, unique=True)
    public_key = EncryptedTextField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False, help_text="A synced passkey (e.g. iCloud).")

    class Meta(Device.Meta):
        verbose_name = "passkey"
        indexes = [models.Index(fields=["user", "confirmed"], name="passkey_user_confirmed_idx")]

    def verify_token(self, token: Any) -> bool:
        return False  # verified by a WebAuthn assertion (accounts.twofactor), never a code
