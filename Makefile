# The two commands a newcomer needs:  make serve   and   make test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup serve test test-deps eval eval-llm bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

## Start the service on its embedded defaults (SQLite, signatures, web inbox) at http://127.0.0.1:8080
serve: setup
	$(BIN)/triage serve

## Install what the tests need (PostgreSQL running, Alertmanager, Chromium), then run them all
test: setup test-deps
	$(BIN)/pytest -q

test-deps:
	./scripts/test-deps.sh

## The eval gate: signatures engine on evals/cases against evals/baseline.json
eval: setup
	$(BIN)/triage eval --engine signatures --fail-under evals/baseline.json

## The eval suite against a live model (set TRIAGE_LLM_BASE_URL, TRIAGE_LLM_MODEL, OPENAI_API_KEY)
eval-llm: setup
	$(BIN)/triage eval --engine llm --json evals/last-llm-run.json

bench: setup
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) triage.db triage.db-wal triage.db-shm
