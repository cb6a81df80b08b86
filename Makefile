# The two commands: `make run` (serve the demo) and `make test` (the whole suite).
# Both create the virtualenv and install what they need on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint migrate seed check-deploy clean worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.deps

# Development settings for plain `manage.py` commands too; the environment still wins.
.env:
	printf '# Development only (written by make run; never commit it).\nDJANGO_DEBUG=1\n' > $@

# `make run` and `make serve-prod` start the background worker (webhooks, exports) beside
# the server; it stops with the server.
run: $(VENV)/.deps .env
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py seed_demo
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; $(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The background worker alone (e.g. more of them, on other machines: see README "Background worker").
worker: $(VENV)/.deps
	$(BIN)/python manage.py worker

test: $(VENV)/.dev-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .

migrate: $(VENV)/.deps
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput

seed: $(VENV)/.deps
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py seed_demo

# Production-like settings must pass Django's deployment checks without warnings.
check-deploy: $(VENV)/.deps
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=records.example.org \
	RECORDS_SIGNING_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))') \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# --- performance (see README "Performance") ---------------------------------------

.PHONY: bench bench-quick serve-prod load-test

bench-quick: $(VENV)/.deps
	$(BIN)/python bench/run.py --scale quick

bench: $(VENV)/.deps
	$(BIN)/python bench/run.py --scale full

WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))

# Production server on plain HTTP for a local, trusted network: debug off, WhiteNoise
# serving the collected static files, gunicorn with workers from the CPU count. Behind
# a TLS proxy, drop the two DJANGO_SECURE_* overrides. Without DJANGO_SECRET_KEY a key is
# generated for this run (web sessions then end when the server stops). Static files are
# collected with debug off, so the hashed names and their manifest exist.
serve-prod: $(VENV)/.deps
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput -v0
	export DJANGO_DEBUG=false DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-false} \
		DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-false} \
		DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
		DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')} \
		RECORDS_SIGNING_KEY=$${RECORDS_SIGNING_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))')} && \
	$(BIN)/python manage.py collectstatic --noinput -v0 && \
	{ $(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn clinic.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - \
		--access-logformat '%(m)s %(U)s %(s)s %(L)ss'; }

# A load run against a running `make serve-prod` (wrk from Debian's packages), e.g.
#   TOKEN=$$(manage.py issue_token load_physio_01) make load-test
# Token-authenticated GETs of LOAD_PATH for 30 s over 8 connections; prints requests/s
# and the latency distribution (p50 … p99). LOAD_PATH is taken as written, so FHIR's
# LOAD_PATH='/fhir/R4/Patient/<id>/$everything' works.
LOAD_PATH ?= /api/v1/sessions/?page_size=50
load-test:
	@command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
	@test -n "$(TOKEN)" || { echo "Set TOKEN to an API token (manage.py issue_token USERNAME)."; exit 1; }
	@echo "wrk -t2 -c8 -d$${LOAD_SECONDS:-30}s --latency -H 'Authorization: Token …' http://$(HOST):$(PORT)<LOAD_PATH>"
	@wrk -t2 -c8 -d$${LOAD_SECONDS:-30}s --latency -H "Authorization: Token $(TOKEN)" 'http://$(HOST):$(PORT)$(value LOAD_PATH)'

# --- mutation testing of the clinical rules (not part of `make test`) ---------------

.PHONY: mutation

# mutmut mutates records/clinical.py (configured in pyproject.toml) and runs
# tests/records/test_clinical.py against each mutant; prints the survivors and the score.
mutation: $(VENV)/.dev-deps
	rm -rf mutants
	$(BIN)/mutmut run > /dev/null 2>&1 || true
	$(BIN)/mutmut results
	$(BIN)/mutmut export-cicd-stats > /dev/null
	$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	print('mutants killed: %d/%d (%.1f %%)' % (s['killed'], s['total'], 100 * s['killed'] / s['total']))"
