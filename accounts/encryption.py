"""Encryption at rest for chosen columns: ``EncryptedTextField`` and ``EncryptedCharField``.

Values are encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag: tampering is detected,
not only reading prevented) through a ``MultiFernet`` built from ``CRM_ENCRYPTION_KEYS``: a
comma-separated list of Fernet keys, the first encrypts, all of them decrypt. Rotation:
put a new key first, keep the old ones after it, run ``manage.py rotate_encryption_keys``
(re-encrypts every registered column with the first key), then drop the old keys.

With no key configured, development and the embedded single-box mode derive one from
``SECRET_KEY`` (HKDF-SHA256); in production that is a system check error (``accounts.E001``),
because the database and the key would then travel together in every backup of the settings.

Every encrypted column registers itself in :data:`REGISTRY`, which the rotation command walks.
The database only ever sees ciphertext: lookups on these columns (``filter(key=...)``) cannot
match and must not be used.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast

DERIVATION_INFO = b"keel encryption at rest v1"


class DecryptionError(ImproperlyConfigured):
    """A stored value cannot be decrypted with any configured key."""


class Ciphertext(str):
    """A value that is already encrypted: saved as it is (the rotation command writes these)."""

    __slots__ = ()


def derived_key(secret: str) -> bytes:
    """The Fernet key development derives from ``SECRET_KEY`` when no key is configured."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVATION_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def configured_keys() -> list[str]:
    return list(getattr(settings, "CRM_ENCRYPTION_KEYS", []) or [])


def keys_are_derived() -> bool:
    return not configured_keys()


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "CRM_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 "
            "bytes; make one with: python -c 'from cryptography.fernet import Fernet; "
            f"print(Fernet.generate_key().decode())'): {error}"
        ) from error


def _keys() -> tuple[str, ...]:
    keys = configured_keys()
    if keys:
        return tuple(keys)
    return (derived_key(settings.SECRET_KEY).decode(),)


def fernet() -> MultiFernet:
    """The ``MultiFernet`` of the configured keys (first encrypts)."""
    return _fernet(_keys())


def primary() -> Fernet:
    return Fernet(_keys()[0].encode())


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str, *, where: str = "a value") -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError(
            f"Cannot decrypt {where}: it was encrypted with a key that is not in "
            "CRM_ENCRYPTION_KEYS (or it was changed in the database)."
        ) from error


def is_current(token: str) -> bool:
    """True when ``token`` is encrypted with the first (current) key."""
    try:
        primary().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


# ---------------------------------------------------------------- fields


@dataclass(frozen=True)
class Registered:
    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


REGISTRY: list[Registered] = []


def registered() -> Iterator[Registered]:
    """Every encrypted column of a concrete model (abstract and proxy models left out)."""
    seen: set[tuple[str, str]] = set()
    for entry in REGISTRY:
        meta = entry.model._meta
        key = (meta.label_lower, entry.field)
        if meta.abstract or meta.proxy or key in seen:
            continue
        seen.add(key)
        yield entry


class EncryptedMixin:
    """Encrypt on the way into the database, decrypt on the way out. Empty stays empty."""

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kw: Any) -> Any:
        super().contribute_to_class(cls, name, *args, **kw)  # type: ignore[misc]
        REGISTRY.append(Registered(cls, name))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value is None or value == "" or isinstance(value, Ciphertext):
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        model = getattr(self, "model", None)
        where = f"{model._meta.label}.{self.name}" if model else "a value"  # type: ignore[attr-defined]
        return decrypt(value, where=where)

    def get_internal_type(self) -> str:
        return "TextField"  # ciphertext is longer than the text: never a length-limited column


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A CharField whose ``max_length`` limits the plain text (forms, validation); the column
    holding the ciphertext is a text column."""


# ---------------------------------------------------------------- rotation


@dataclass
class Rotated:
    label: str
    rotated: int = 0
    current: int = 0


def rotate_field(entry: Registered, *, batch: int = 500) -> Rotated:
    """Re-encrypt ``entry``'s column with the first key, ``batch`` rows per transaction.
    Rows already under the first key are left alone, so running it again changes nothing."""
    model, name = entry.model, entry.field
    report = Rotated(entry.label)
    manager = model._base_manager
    raw = Cast(name, output_field=models.TextField())  # the stored ciphertext, not decrypted
    last: Any = None
    while True:
        with transaction.atomic():
            rows = manager.order_by("pk").select_for_update()
            if last is not None:
                rows = rows.filter(pk__gt=last)
            chunk = list(rows.annotate(_raw=raw).values_list("pk", "_raw")[:batch])
            if not chunk:
                return report
            for pk, token in chunk:
                if not token:
                    continue
                if is_current(token):
                    report.current += 1
                    continue
                try:
                    new = fernet().rotate(token.encode()).decode()
                except InvalidToken as error:
                    raise DecryptionError(
                        f"Cannot decrypt {entry.label} of row {pk}: its key is not in "
                        "CRM_ENCRYPTION_KEYS. Nothing of this batch was changed."
                    ) from error
                manager.filter(pk=pk).update(**{name: Ciphertext(new)})
                report.rotated += 1
            last = chunk[-1][0]


def rotate_all(*, batch: int = 500, only: Sequence[str] = ()) -> list[Rotated]:
    return [
        rotate_field(entry, batch=batch)
        for entry in registered()
        if not only or entry.label in only
    ]


# ---------------------------------------------------------------- system check


def derivation_allowed() -> bool:
    """Development, or a single-box embedded install the operator opted into."""
    embedded = getattr(settings, "EMBEDDED_DATABASE", False)
    return bool(settings.DEBUG or (embedded and getattr(settings, "CRM_ALLOW_EMBEDDED", False)))


@register()
def encryption_keys_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if configured_keys():
        try:
            fernet()
        except ImproperlyConfigured as error:
            return [Error(str(error), id="accounts.E002")]
        return []
    if derivation_allowed():
        return []
    return [
        Error(
            "CRM_ENCRYPTION_KEYS is unset: encrypted columns (2FA secrets, passkeys) would use a "
            "key derived from SECRET_KEY.",
            hint="Set CRM_ENCRYPTION_KEYS to a Fernet key: python -c 'from cryptography.fernet "
            "import Fernet; print(Fernet.generate_key().decode())' (docs/security.md).",
            id="accounts.E001",
        )
    ]
