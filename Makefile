# Maillage — the two commands: `make run` (the API with a local Neo4j and a demo
# network) and `make test` (sets up and runs the test suite against a real Neo4j).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup web run test lint stop clean-neo4j

# uv installs the packages (seconds instead of pip's minute and a half on a fresh machine).
$(BIN)/maillage: pyproject.toml
	@echo "Setting up $(VENV): Python packages from PyPI (uv)…"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check 'uv>=0.5,<1'
	@$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	@touch $@

setup: $(BIN)/maillage
	@command -v java >/dev/null || { echo "Java 17+ is needed to run Neo4j (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch Neo4j (apt-get install maven)"; exit 1; }

# The web app (web/): npm packages pinned by package-lock.json, built by Vite into web/dist.
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/graphiql.html web/vite.config.ts web/tsconfig.json
web/node_modules/.package-lock.json: web/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ and npm are needed to build the web app (apt-get install nodejs npm)"; exit 1; }
	@echo "Installing the web app's npm packages (npm ci)…"
	@cd web && npm ci --no-audit --no-fund --loglevel=error

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	@echo "Building the web app (Vite)…"
	@cd web && npm run --silent build -- --logLevel error

web: web/dist/index.html

# `make run WORKERS=4` serves with four API processes (default: MAILLAGE_WORKERS, else one).
run: setup web
	$(BIN)/maillage run $(if $(WORKERS),--workers $(WORKERS))

test: setup web
	$(BIN)/pytest

lint: setup web
	$(BIN)/ruff check server schema graph domain analytics simulator tests benchmarks
	$(BIN)/mypy
	cd web && npx tsc --noEmit

stop:
	-$(BIN)/maillage neo4j stop

clean-neo4j: stop
	rm -rf .neo4j/home .neo4j/test-home
