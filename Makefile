# pafinder: `make run` to try it, `make test` to prove it. `make help` lists every target.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PAFINDER := $(VENV)/bin/pafinder
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
ASSETS := src/pafinder/web/static/app.css
SCSS := $(wildcard frontend/*.scss)
# Everything installed is pinned with hashes in these locks (`make lock` writes them).
RUN_LOCK := requirements/run.txt
TEST_LOCK := requirements/test.txt
PIP := pip==26.3
PIP_TOOLS := pip-tools==7.6.2
LOCK_TOOLS := $(VENV)/.lock-tools
PYTEST := $(PY) -m pytest -n 2 --dist loadgroup -q
# pytest's exit code 5 means it collected nothing: say so, and fail (make stops on any non-zero).
NO_TESTS = || { code=$$?; [ $$code -ne 5 ] || echo "pytest ran no tests: that is a failure"; exit $$code; }

.PHONY: help run test test-sqlite test-postgres lint bench assets install install-test chromium \
	system-packages build clean golden lock loadtest

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): $(RUN_LOCK) pyproject.toml
	@python3 scripts/lock.py --check
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet $(PIP)
	$(PY) -m pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(TEST_STAMP): $(STAMP) $(TEST_LOCK)
	$(PY) -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	$(PY) scripts/lock.py --remove-unlocked $(TEST_LOCK)
	touch $@

lock: ## pin every dependency with hashes (requirements/*.txt) after editing pyproject.toml
	test -x $(LOCK_TOOLS)/bin/python || python3 -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet $(PIP_TOOLS)
	$(LOCK_TOOLS)/bin/python scripts/lock.py

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS): node_modules/.package-lock.json $(SCSS) frontend/app.js frontend/build.mjs \
		$(wildcard frontend/easy-read/*.svg)
	npm run --silent build

install: $(STAMP) $(ASSETS) ## create .venv, install the package and the front-end assets

assets: $(ASSETS) ## compile the front end (GOV.UK Frontend + our Sass)

build: install ## build site/ and the pages search index from content/
	$(PAFINDER) build

run: install ## install, migrate, seed the demo if empty, build and serve on http://127.0.0.1:8000
	$(PAFINDER) demo --host 127.0.0.1 --port 8000

system-packages: ## install Debian's Chromium, PostgreSQL, Redis, nginx, systemd-analyze, poppler and Pango for the tests when missing
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx-light"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || missing="$$missing libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then apt-get update && apt-get install -y $$missing; fi

chromium: system-packages

install-test: $(TEST_STAMP) $(ASSETS) system-packages

test: install-test ## the whole suite on SQLite, then again on a throwaway PostgreSQL cluster
	@status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	exit $$status

test-sqlite: install-test ## the whole suite on SQLite files
	$(PYTEST) $(NO_TESTS)

test-postgres: install-test ## the whole suite on PostgreSQL (a cluster started and stopped for it)
	$(PY) scripts/pg_cluster.py -- $(PYTEST) $(NO_TESTS)

lint: install-test ## ruff and mypy
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy scripts

bench: install-test ## benchmarks (see docs/benchmarks.md)
	$(PY) -m benchmarks
	$(PY) -m benchmarks.send_alerts

loadtest: install-test ## 60 s of mixed traffic on 2 workers at 100,000 listings, static pages against nginx; writes docs/benchmarks.md
	$(PY) -m benchmarks.loadtest

golden: install-test ## regenerate tests/golden/ on purpose after a deliberate template change
	PAFINDER_REGENERATE_GOLDEN=1 $(PY) -m pytest tests/test_build_golden.py -q

clean: ## remove build output (site/, search_index/, var/)
	rm -rf site site.new site.old search_index var
