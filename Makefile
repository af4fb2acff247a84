# Keel: `make run` serves the demo, `make test` runs the whole suite. `make help` lists all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
MANAGE := $(BIN)/python manage.py
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install run test lint fmt seed bench check-deploy clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/uv:
	$(PYTHON) -c 'import sys; sys.exit("Keel needs Python 3.11 or newer.") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact --quiet
	@touch $@

static/vendor/.installed: package.json package-lock.json scripts/vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.synced static/vendor/.installed ## Install the locked Python and front-end dependencies

run: install ## Migrate, seed the demo and serve it at http://127.0.0.1:8000 (PORT overrides)
	@$(MANAGE) migrate --noinput -v 0
	@$(MANAGE) seed_demo
	@$(MANAGE) serve

test: install ## Run the whole test suite (skips what this machine cannot run, and says why)
	$(BIN)/pytest

lint: install ## Ruff, import layering, mypy and template lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy crm accounts
	$(BIN)/djlint templates --lint

fmt: install ## Format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

seed: install ## Migrate and load the demo data (idempotent)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo

bench: install ## Measure the pages against a production-mode server (see docs/benchmarks.md)
	$(BIN)/python -m bench

check-deploy: install ## Run Django's deployment checks with example production settings
	DEBUG=0 SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	CRM_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	DATABASE_URL=postgres://keel@db/keel REDIS_URL=redis://redis:6379/0 \
	EMAIL_URL=smtp+tls://keel:secret@smtp.example.com:587 ALLOWED_HOSTS=crm.example.com \
	$(MANAGE) check --deploy --fail-level WARNING

clean: ## Remove the virtualenv, node_modules and collected files (keeps var/ data)
	rm -rf $(VENV) node_modules static/vendor staticfiles
