# Shebao: `make run` (demo on the embedded SQLite default) and `make test` (whole suite,
# SQLite then PostgreSQL). Everything installs into .venv from requirements.lock.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
LOCK_HASH := $(shell sha256sum requirements.lock | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
HOST ?= 127.0.0.1
PORT ?= 8000
PERSONS ?= 2000
EMPLOYERS ?= 120
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run serve demo-secrets migrate seed test test-fast test-sqlite test-pg lint bench bench-deps screenshots lock clean browser-deps

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet -r requirements.lock 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import importlib.util as u, sys; m=[n for n in ('django','ninja','django_tasks','django_tasks_db','stdnum','chinese_calendar','argon2','openpyxl','pyotp','psycopg','pytest','importlinter') if u.find_spec(n) is None]; sys.exit('missing after install: '+', '.join(m) if m else 0)"
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# Demo-only secrets, generated once into var/ (production passes real ones via env or *_FILE).
DEMO_ENV = SHEBAO_SECRET_KEY_FILE=var/secrets/secret_key SHEBAO_DATA_KEYS_FILE=var/secrets/data_keys \
           SHEBAO_BLIND_INDEX_KEY_FILE=var/secrets/blind_index_key SHEBAO_SIGNING_KEY_FILE=var/secrets/signing_key \
           SHEBAO_EXCHANGE_KEY_FILE=var/secrets/exchange_key \
           SHEBAO_SECURE_COOKIES=false

demo-secrets: install
	@$(PY) scripts/demo_secrets.py var/secrets

migrate: demo-secrets
	@$(DEMO_ENV) $(PY) manage.py migrate --noinput -v 0
	@$(DEMO_ENV) $(PY) manage.py compilemessages -v 0 --ignore=.venv

seed: migrate
	@$(DEMO_ENV) $(PY) manage.py seed_demo --persons $(PERSONS) --employers $(EMPLOYERS) --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_contributions --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_hall --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_appointments --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_complaints --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_payroll --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_certification --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_medical --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_unemployment --if-empty
	@$(DEMO_ENV) $(PY) manage.py seed_retiree --if-empty

run: seed
	@$(DEMO_ENV) $(PY) manage.py demo_logins
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop; a task worker runs alongside)"
	@$(DEMO_ENV) $(PY) manage.py db_worker -v 0 & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(DEMO_ENV) $(VENV)/bin/granian --interface wsgi shebao.config.wsgi:application --host $(HOST) --port $(PORT) \
	  --workers 2 --blocking-threads 4 --runtime-threads 1 --no-ws --access-log --log-level warning

lint: install
	@echo "== ruff"; $(VENV)/bin/ruff check .
	@echo "== import boundaries"; $(VENV)/bin/lint-imports --no-cache
	@echo "== migrations up to date"; $(PY) manage.py makemigrations --check --dry-run --settings shebao.config.test_settings -v 0

test-sqlite: install
	@echo "== tests on SQLite"
	@$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-pg: install
	@echo "== tests on PostgreSQL ($(PG_URL))"
	@if $(PY) scripts/pg_ready.py "$(PG_URL)"; then \
	  SHEBAO_DATABASE_URL="$(PG_URL)" $(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "FAIL: CI=true and PostgreSQL at $(PG_URL) is unreachable: the PostgreSQL pass is mandatory in CI"; exit 1; \
	else \
	  echo "*** PostgreSQL pass SKIPPED: $(PG_URL) is unreachable (CI would fail here) ***"; \
	fi

# Real-browser tests drive Debian's Chromium (never a downloaded Playwright build) and need a
# CJK font for pages and PDFs. Installed once as root (CI runs as root on Debian 12).
BROWSER_PKGS := chromium fonts-noto-cjk
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -f $(CJK_FONT) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else echo "FAIL: browser tests need /usr/bin/chromium and $(CJK_FONT); run as root: apt-get install -y --no-install-recommends $(BROWSER_PKGS)"; exit 1; fi; \
	echo "== installing $(BROWSER_PKGS) (apt)"; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(BROWSER_PKGS) >/dev/null && \
	test -x /usr/bin/chromium && test -f $(CJK_FONT) || { echo "FAIL: installing $(BROWSER_PKGS) did not provide /usr/bin/chromium and $(CJK_FONT)"; exit 1; }

test: lint browser-deps test-sqlite test-pg

test-fast: install browser-deps
	@$(PY) -m pytest -n 2 --dist loadfile -m "not slow" $(PYTEST_ARGS)

# Every benchmark, each on its own databases (SQLite file under var/ and a PostgreSQL
# database on 127.0.0.1:5432): seed + look-ups, assessment (with the bulk_create
# baseline ratio), interest crediting, payroll, the estimator API and the collection-file
# import. Figures and ratios printed; JSON in bench/results/.
# The benchmarks' HTTP load generator is wrk (Debian's package; a C client, so that the
# client's own CPU is not taken from the server's on the 2-core machine); without it
# bench/loadgen.py falls back to its asyncio client and says so in the results.
bench-deps:
	@if command -v wrk >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else echo "NOTE: wrk is not installed (apt-get install wrk): the benchmarks use the asyncio load generator"; exit 0; fi; \
	echo "== installing wrk (apt)"; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/dev/null 2>&1 || \
	{ $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/dev/null; } || \
	echo "NOTE: installing wrk failed: the benchmarks use the asyncio load generator"

bench: install bench-deps
	@$(PY) bench/run.py
	@$(PY) bench/assessment.py
	@$(PY) bench/interest.py
	@$(PY) bench/payroll.py
	@$(PY) bench/estimator.py
	@$(PY) bench/collection.py

# Refresh the pictures in docs/screenshots/ from the browser tests.
screenshots: install browser-deps
	@SHEBAO_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest -p no:xdist -m browser -q

lock: install
	@$(VENV)/bin/pip-compile --quiet --extra dev --strip-extras -o requirements.lock pyproject.toml
	@sed -i '/^--extra-index-url/d;/^--find-links/d' requirements.lock

clean:
	rm -rf $(VENV) var/test*.sqlite3
