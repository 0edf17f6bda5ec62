# careguard — every target does its own set-up from a fresh clone.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run test lint typecheck unit bench soak schema openapi clean prometheus resources

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,toxicity]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/careguard serve --host $(HOST) --port $(PORT) --policy policies/default.yaml --upstream echo

lint: install
	$(BIN)/ruff check service tests benchmarks
	$(BIN)/mypy

test: lint prometheus
	$(BIN)/careguard policy schema | diff -u policies/schema.json - || (echo "policies/schema.json is stale: run 'make schema'" && exit 1)
	env -u CAREGUARD_AUDIT_PATH $(BIN)/careguard openapi | diff -u openapi/openapi.json - || (echo "openapi/openapi.json is stale: run 'make openapi'" && exit 1)
	$(BIN)/python -m pytest

prometheus:
	@sh tools/install-prometheus.sh

schema: install
	$(BIN)/careguard policy schema > policies/schema.json

openapi: install
	env -u CAREGUARD_AUDIT_PATH $(BIN)/careguard openapi -o openapi/openapi.json

# Regenerate the crisis-resource directory from ../shared/resources/crisis-lines.yaml.
resources: install
	$(BIN)/python tools/build_resources.py

bench: install
	$(BIN)/python -m benchmarks

# careguard serve --workers 2 under mixed traffic; SOAK_SECONDS (default 600), SOAK_CONCURRENCY (8)
soak: install
	$(BIN)/python -m benchmarks.soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
