"""The typed environment readers behind every setting."""

import pytest

from crm.env import (
    EnvError,
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_str,
    env_url,
)


def test_str_uses_default_when_unset_or_empty():
    assert env_str("X", "fallback", environ_={}) == "fallback"
    assert env_str("X", "fallback", environ_={"X": "  "}) == "fallback"
    assert env_str("X", "fallback", environ_={"X": " value "}) == "value"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
    ],
)
def test_bool_accepts_the_usual_spellings(raw, expected):
    assert env_bool("FLAG", default=not expected, environ_={"FLAG": raw}) is expected


def test_bool_default_and_rejection_names_the_variable():
    assert env_bool("FLAG", default=True, environ_={}) is True
    assert env_bool("FLAG", default=True, environ_={"FLAG": ""}) is True  # empty means unset
    with pytest.raises(EnvError, match="FLAG='maybe'"):
        env_bool("FLAG", default=False, environ_={"FLAG": "maybe"})


def test_int_parses_and_checks_bounds():
    assert env_int("N", 5, environ_={}) == 5
    assert env_int("N", 5, environ_={"N": "12"}) == 12
    with pytest.raises(EnvError, match=r"N='twelve'.*whole number"):
        env_int("N", 5, environ_={"N": "twelve"})
    with pytest.raises(EnvError, match=">= 1"):
        env_int("N", 5, min_value=1, environ_={"N": "0"})
    with pytest.raises(EnvError, match="<= 10"):
        env_int("N", 5, max_value=10, environ_={"N": "11"})


def test_list_splits_on_commas_and_drops_blanks():
    assert env_list("HOSTS", ["a"], environ_={}) == ["a"]
    assert env_list("HOSTS", ["a"], environ_={"HOSTS": "x.test, y.test,,"}) == ["x.test", "y.test"]
    assert env_list("HOSTS", ["a"], environ_={"HOSTS": " "}) == ["a"]  # empty means unset


def test_choice_rejects_values_outside_the_list():
    assert env_choice("LEVEL", "INFO", ("INFO", "DEBUG"), environ_={"LEVEL": "DEBUG"}) == "DEBUG"
    with pytest.raises(EnvError, match="one of INFO, DEBUG"):
        env_choice("LEVEL", "INFO", ("INFO", "DEBUG"), environ_={"LEVEL": "LOUD"})


def test_url_checks_the_scheme_and_hides_passwords_in_errors():
    assert env_url("R", schemes=("redis",), environ_={}) == ""
    assert (
        env_url("R", schemes=("redis",), environ_={"R": "redis://h:6379/0"}) == "redis://h:6379/0"
    )
    with pytest.raises(EnvError) as error:
        env_url("R", schemes=("redis",), environ_={"R": "http://user:s3cret@h/"})
    assert "s3cret" not in str(error.value)
    assert "redis://" in str(error.value)


def test_database_url_becomes_a_postgresql_entry():
    assert env_database("DATABASE_URL", environ_={}) is None
    config = env_database(
        "DATABASE_URL", environ_={"DATABASE_URL": "postgres://keel:pw@db.internal:5433/crm"}
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == (
        "crm",
        "keel",
        "db.internal",
        5433,
    )


def test_database_url_must_be_postgresql_and_name_a_database():
    with pytest.raises(EnvError, match="postgres://"):
        env_database("DATABASE_URL", environ_={"DATABASE_URL": "mysql://h/db"})
    with pytest.raises(EnvError, match="naming the database"):
        env_database("DATABASE_URL", environ_={"DATABASE_URL": "postgres://h"})
