# beautyrec: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# The integration run uses the real services (database and broker of its own, so it never meets a dev worker).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/beautyrec
TEST_BROKER_URL   ?= redis://127.0.0.1:6379/15

.PHONY: install browser-deps run test lint test-unit test-backends test-integration worker-gpu worker-cpu clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

browser-deps:
	.ci/browser-deps

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	$(PY) manage.py load_demo_catalog
	$(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .

test-unit: install browser-deps
	$(PY) -m pytest -m "not integration and not backends"

# pgvector gallery and S3 storage: starts its own PostgreSQL (pgvector) and S3 server on loopback.
test-backends: install
	$(PY) -m pytest -m backends

test-integration: install browser-deps
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) $(PY) -m pytest -m integration

test: lint test-unit test-backends test-integration

worker-gpu: install
	$(VENV)/bin/celery -A beautyrec worker -Q gpu --concurrency 1 --prefetch-multiplier 1 -n gpu@%h -l info

worker-cpu: install
	$(VENV)/bin/celery -A beautyrec worker -Q cpu -n cpu@%h -l info

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
