# syntax=docker/dockerfile:1
# Keel's production image: one image for every process type (docs/operations.md).
#   web     the default command: uvicorn serving crm.asgi (pages and websockets)
#   worker  celery -A crm worker ...        (docker-compose.yml sets the command)
#   beat    celery -A crm beat ...          (exactly one per installation)
#   migrate python manage.py migrate --noinput
# Build:  docker build -t keel .     (docker compose build does the same)
# Needs BuildKit (the default builder since Docker 23).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------- front-end assets
# `npm ci` runs the postinstall script (scripts/vendor.mjs), which copies the vendored
# files Keel serves itself into static/vendor/.
FROM ${NODE_IMAGE} AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/ scripts/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --loglevel=error

# ---------------------------------------------------------------- Python dependencies
# The locked runtime dependencies (no dev group) in /app/.venv, built against the base
# image's own Python: the runtime stage below uses the same base image, so the venv's
# interpreter links stay valid when it is copied across.
FROM ${PYTHON_IMAGE} AS python-deps
ARG UV_VERSION=0.13.9
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m pip install "uv==${UV_VERSION}"
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
# psycopg[binary], hiredis and uvicorn[standard] ship their own libraries in their wheels:
# no Debian packages are needed at run time. (WeasyPrint, when PDFs land, will add some.)
ENV PATH=/app/.venv/bin:$PATH \
    VIRTUAL_ENV=/app/.venv \
    DJANGO_SETTINGS_MODULE=crm.settings \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 keel \
    && useradd --system --uid 10001 --gid keel --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin keel
WORKDIR /app
COPY --from=python-deps /app/.venv /app/.venv
# The code belongs to root and is read-only for the keel user; see .dockerignore for what
# stays out of the image.
COPY . .
COPY --from=assets /src/static/vendor static/vendor/

# Collect (hash, compress) the static files into /app/staticfiles for WhiteNoise. Settings
# must import for this, and with DEBUG off they demand a SECRET_KEY and, to select the
# production manifest storage, the production URLs: these throwaway values exist only in
# this one RUN step, never in the image's environment. Nothing connects to them.
# Also compile the project's bytecode now: the keel user cannot write __pycache__ later.
RUN DEBUG=0 \
    SECRET_KEY="build-only-collectstatic-key-not-used-at-run-time-0123456789abcdef" \
    DATABASE_URL="postgres://build@build.invalid:5432/build" \
    REDIS_URL="redis://build.invalid:6379/0" \
    python manage.py collectstatic --noinput -v 1 \
    && python -m compileall -q -x '/\.venv/' /app \
    && mkdir -p /app/var \
    && chown keel:keel /app/var

# A tiny liveness probe (slim images have no curl). Health endpoints are answered before
# Django's Host check (crm.middleware.HealthProbeMiddleware), so 127.0.0.1 is fine.
COPY --chmod=0755 <<'EOF' /usr/local/bin/keel-healthcheck
#!/usr/local/bin/python3
"""Exit 0 when this container's web server answers GET /health/live/ with 200."""
import sys
import urllib.request

request = urllib.request.Request("http://127.0.0.1:8000/health/live/")
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # any failure (refused, timeout, 4xx/5xx) means unhealthy
    print(f"keel-healthcheck: {exc}", file=sys.stderr)
    sys.exit(1)
EOF

# keel: numeric so that runAsNonRoot-style checks can verify it
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["keel-healthcheck"]

# Through sh -c so that WEB_CONCURRENCY expands at start; exec hands the stop signal to
# uvicorn. Proxy headers are trusted from any address because the container is reached
# only through the TLS proxy (docs/operations.md, security notes). No "server" header, as
# with manage.py serve.
CMD ["/bin/sh", "-c", "exec uvicorn crm.asgi:application --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY:-2}\" --lifespan off --proxy-headers --forwarded-allow-ips='*' --no-server-header"]
