# Developer entry points. Everything runs from the project's own .venv, built from nothing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip
# Our own packages, installed editable into the one development virtualenv: every folder under
# services/ is one (found here, before any Python exists; ADR 0012).
SERVICES := $(sort $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml)))
PACKAGES := libs/crmkit $(SERVICES) gateway launcher

.PHONY: install web proto run test test-unit test-service test-integration test-worker lint bench helm-lint clean

install: $(VENV)/.installed web

# The web apps (web/): npm packages from the committed lock, the API's TypeScript types from the
# gateway's OpenAPI document, a type check and the two builds. Built files are not committed.
WEB_SOURCES := $(shell find web/src web/admin web/m -type f 2>/dev/null) web/vite.config.ts web/tsconfig.json
GATEWAY_SOURCES := $(shell find gateway/gateway -name '*.py' 2>/dev/null)

web: web/dist/.built

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/.built: web/node_modules/.installed $(VENV)/.installed $(WEB_SOURCES) $(GATEWAY_SOURCES)
	$(PY) -m gateway.openapi_export web/openapi.json
	cd web && npm run --silent build
	touch $@

$(VENV)/.installed: requirements.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -U pip
	$(PIP) install -q -r requirements.txt
	$(MAKE) proto
	$(PIP) install -q --no-deps --no-build-isolation $(foreach p,$(PACKAGES),-e $(p))
	touch $@

# Generated code is not committed: gen/python is an installable package named crm-proto.
proto:
	test -x $(PY) || $(MAKE) install
	$(PY) scripts/gen_proto.py gen/python
	$(PIP) install -q --no-deps --no-build-isolation -e gen/python

# The whole platform on this machine (embedded default unless DATABASE_URL/AMQP_URL/REDIS_URL are set).
run: install
	$(PY) -m launcher

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(PY) -m bench
	$(PY) -m bench.printing
	$(PY) -m bench.web

helm-lint: install
	VENV=$(VENV) bash scripts/helm-lint.sh

clean:
	rm -rf $(VENV) gen build var .tools web/node_modules web/dist
