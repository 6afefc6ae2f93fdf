# pafinder: `make run` to try it, `make test` to prove it. `make help` lists every target.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PAFINDER := $(VENV)/bin/pafinder
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
ASSETS := src/pafinder/web/static/app.css
SCSS := $(wildcard frontend/*.scss)

.PHONY: help run test lint bench assets install install-test chromium build clean golden

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS): node_modules/.package-lock.json $(SCSS) frontend/app.js frontend/build.mjs
	npm run --silent build

install: $(STAMP) $(ASSETS) ## create .venv, install the package and the front-end assets

assets: $(ASSETS) ## compile the front end (GOV.UK Frontend + our Sass)

build: install ## build site/ and the pages search index from content/
	$(PAFINDER) build

run: install ## install, migrate, seed the demo if empty, build and serve on http://127.0.0.1:8000
	$(PAFINDER) demo --host 127.0.0.1 --port 8000

chromium: ## install Debian's Chromium for the browser tests when missing
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

install-test: $(TEST_STAMP) $(ASSETS) chromium

test: install-test ## install test dependencies (Chromium included) and run the whole suite
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: install-test ## ruff and mypy
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

bench: install-test ## benchmarks (see docs/benchmarks.md)
	$(PY) -m benchmarks

golden: install-test ## regenerate tests/golden/ on purpose after a deliberate template change
	PAFINDER_REGENERATE_GOLDEN=1 $(PY) -m pytest tests/test_build_golden.py -q

clean: ## remove build output (site/, search_index/, var/)
	rm -rf site site.new site.old search_index var
