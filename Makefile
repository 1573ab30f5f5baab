# duban: two commands on a fresh machine.
#   make run   set up everything and serve the demo office on http://127.0.0.1:$(PORT)
#   make test  set up everything and run the whole suite (lint, types, tests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: run test setup lint types pytest messages clean bench

# LDAP sign-in (python-ldap) builds against the system's headers: with them or without.
EXTRAS := $(shell [ -e /usr/include/ldap.h ] && [ -e /usr/include/sasl/sasl.h ] && echo dev,ldap || echo dev)

# One install, by uv (from PyPI, into the venv): it resolves, downloads and
# installs in parallel, about a fifth of pip's time on a busy machine (pip
# stays the fallback).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[$(EXTRAS)]' \
	  || $(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	@[ "$(EXTRAS)" = dev,ldap ] || echo "LDAP sign-in left out: install libldap2-dev and libsasl2-dev for it"
	$(BIN)/duban secretkey >/dev/null
	touch $(STAMP)

# Browser libraries come from npm at setup (package-lock.json pins them) and are
# served by the app itself; only the file the pages load is copied out.
ASSETS := build/assets

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

$(ASSETS)/echarts/echarts.min.js: node_modules/.installed
	mkdir -p $(ASSETS)/echarts
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE $(ASSETS)/echarts/

# 免登 inside 政务钉钉: our page script with the app's JS bridge (gdt-jsapi), bundled.
$(ASSETS)/zwdd/signin.js: assets/zwdd-signin.js node_modules/.installed
	mkdir -p $(ASSETS)/zwdd
	node_modules/.bin/esbuild assets/zwdd-signin.js --bundle --format=iife --minify \
	  --target=es2017 --outfile=$@ --log-level=warning

setup: $(STAMP) $(ASSETS)/echarts/echarts.min.js $(ASSETS)/zwdd/signin.js
	$(BIN)/duban secretkey >/dev/null
	$(BIN)/duban compilemessages
	$(BIN)/duban collectstatic --noinput -v 0

run: setup
	$(BIN)/duban migrate --noinput -v 0
	$(BIN)/duban demo
	PORT=$(PORT) $(BIN)/duban serve --with-worker

lint: $(STAMP)
	$(BIN)/ruff check duban tests bench
	$(BIN)/ruff format --check duban tests bench
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy duban

# Under CI=true the suite runs twice: on SQLite (with the browser tests, which
# are then required) and on PostgreSQL (DUBAN_TEST_DATABASE_URL, set by .ci/run).
pytest: setup
	$(BIN)/pytest -q -n 2
	@if [ -n "$$DUBAN_TEST_DATABASE_URL" ]; then \
	  echo "--- the suite again on PostgreSQL ---"; \
	  DATABASE_URL="$$DUBAN_TEST_DATABASE_URL" $(BIN)/pytest -q -n 2 -m "not browser"; \
	elif [ "$$CI" = "true" ]; then \
	  echo "CI=true needs DUBAN_TEST_DATABASE_URL (see .ci/run)"; exit 1; \
	fi

test: lint types pytest

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build node_modules *.egg-info
