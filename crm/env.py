"""Typed readers for settings taken from the environment.

Every setting Keel reads from the environment goes through one of these helpers, so a bad
value fails at start with a message that names the variable (``ImproperlyConfigured``),
never later with a confusing traceback. See docs/settings.md for the full list.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class EnvError(ImproperlyConfigured):
    """A variable is set to something Keel cannot use."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"Environment variable {name}={value!r} is invalid: expected {expected}.")
        self.name = name


def _raw(name: str, environ_: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ_ is None else environ_).get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "", *, environ_: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ_)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool, *, environ_: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ_)
    if not value:  # unset or empty ("CRM_SSL_REDIRECT=" in an env file): the default
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(name, value, "one of 1/0, true/false, yes/no, on/off")


def env_int(
    name: str,
    default: int,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    environ_: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ_)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(name, value, "a whole number") from None
    if min_value is not None and number < min_value:
        raise EnvError(name, value, f"a whole number >= {min_value}")
    if max_value is not None and number > max_value:
        raise EnvError(name, value, f"a whole number <= {max_value}")
    return number


def env_list(
    name: str, default: Sequence[str] = (), *, environ_: Mapping[str, str] | None = None
) -> list[str]:
    """A comma-separated list; blanks are dropped; unset or empty gives the default."""
    value = _raw(name, environ_)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(
    name: str, default: str, choices: Sequence[str], *, environ_: Mapping[str, str] | None = None
) -> str:
    value = env_str(name, default, environ_=environ_)
    if value not in choices:
        raise EnvError(name, value, "one of " + ", ".join(choices))
    return value


def env_url(
    name: str,
    default: str = "",
    *,
    schemes: Sequence[str],
    environ_: Mapping[str, str] | None = None,
) -> str:
    """A URL whose scheme is one of ``schemes``; empty when unset and no default."""
    value = env_str(name, default, environ_=environ_)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise EnvError(
            name,
            _redact(value),
            "a URL starting with " + " or ".join(f"{scheme}://" for scheme in schemes),
        )
    return value


def env_database(name: str, *, environ_: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """``DATABASE_URL`` as a Django ``DATABASES`` entry, or None when unset.

    Only PostgreSQL is accepted for production: SQLite is the embedded default and needs no URL.
    """
    url = env_url(name, schemes=("postgres", "postgresql"), environ_=environ_)
    if not url:
        return None
    config: dict[str, Any] = environ.Env.db_url_config(url)
    if not config.get("NAME"):
        raise EnvError(name, _redact(url), "a URL naming the database, e.g. postgres://host/keel")
    return config


def _redact(url: str) -> str:
    """Hide a password in a URL before it is put in an error message."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
