#!/usr/bin/env bash
# Real Airflow 3.3.2 and 2.10.5 in cached venvs (~/.cache/triage-test) for the Airflow tests;
# every package pinned by tests/data/airflow/constraints-*.txt. Idempotent: fast once cached.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/python -m tests.airflow_harness
