# syntax=docker/dockerfile:1
#
# BIN Platform: one image for every process of docker-compose.yml: the web
# server (gunicorn, the default command), the Celery worker, Celery beat and
# the one-shot migration. Needs BuildKit (the default builder since Docker 23).

# --- Stage 1: front-end packages from npm (no CDN at run time) ----------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: the packages are plain CSS/JS files and need no install hooks.
# --omit=dev: the devDependencies (the Prism mock server for tests) stay out.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error

# --- Stage 2: the application --------------------------------------------------
FROM python:3.11-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=bin_platform.settings.production

# gettext provides msgfmt for compilemessages; WeasyPrint (charter and report
# PDFs) renders through Pango, with DejaVu fonts for the text. Every Python
# dependency ships as a binary wheel (psycopg2-binary, cryptography, ...): no
# compiler needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The app runs as the unprivileged user "bin". Debian ships a legacy system
# account of that name (uid 2); it is replaced by an ordinary one (uid 10001).
RUN (userdel bin 2>/dev/null || true) \
    && (groupdel bin 2>/dev/null || true) \
    && groupadd --gid 10001 bin \
    && useradd --uid 10001 --gid bin --create-home --home-dir /home/bin \
       --shell /usr/sbin/nologin bin

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The code stays owned by root: the app user can read it, not change it.
COPY . .

# node_modules from stage 1 is mounted for this one step only, so it never
# becomes part of an image layer; copy_assets.py puts what the pages need
# into static/vendor.
RUN --mount=type=bind,from=assets,source=/build/node_modules,target=/app/node_modules \
    python scripts/copy_assets.py

# Build-time steps under the production settings. The dummy values exist only
# inside this RUN (exported in its shell), never in the image's environment;
# every variable production settings require without a default needs one here.
# compilemessages refuses to run without a locale/ directory, which Git does
# not keep while it is empty; node_modules is gone (or an empty mount stub).
# tests/test_docker_build.py runs these python steps in a clean environment.
RUN set -eu; \
    export SECRET_KEY=build-time-only-not-a-secret \
           ALLOWED_HOSTS=localhost \
           PUBLIC_BASE_URL=https://build.invalid \
           DATABASE_URL=sqlite:////tmp/build.sqlite3; \
    mkdir -p locale; \
    python manage.py compilemessages --ignore=node_modules -v0; \
    python manage.py collectstatic --noinput -v0; \
    rm -rf node_modules /tmp/build.sqlite3

RUN mkdir -p var && chown bin:bin var

USER bin

EXPOSE 8000

# Django answers only for ALLOWED_HOSTS, so the probe sends the first of them
# as Host header (a leading dot or "*" becomes a plain name). /healthz/ is
# exempt from the HTTPS redirect and returns 503 when the database, cache or
# broker is down; urllib raises on that, so the check fails.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', '') or 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz/', headers={'Host': h}), timeout=8)"]

# Through sh so that WEB_CONCURRENCY is read at start; exec makes gunicorn
# PID 1, so it receives SIGTERM and stops gracefully.
CMD ["sh", "-c", "exec gunicorn bin_platform.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --timeout ${WEB_TIMEOUT:-120} --access-logfile - --logger-class bin_platform.gunicorn_logging.MaskingLogger"]
