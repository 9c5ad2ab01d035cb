"""Model call figures against a real llama.cpp server (llama-cpp-python + SmolLM2-135M).

    .venv/bin/python benchmarks/llm_llamacpp.py [--runs 3] [--log-lines 200] [--budget 1500]

Prints: setup time (cached venv), server start time, the response mode negotiated, the
prompt size (system instructions alone and whole), and per call: latency, prompt and
completion tokens; plus llama.cpp's own prompt-eval and generation rates from its log
(each run gets a different log, so its prompt cache cannot skip the work). The tiny model shows the plumbing's cost, not quality.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.llamacpp_server import LlamaCppServer, install  # noqa: E402
from triage.engine import llm, signatures  # noqa: E402
from triage.engine.condense import condense  # noqa: E402
from triage.engine.tokens import count_tokens  # noqa: E402
from triage.models import Evidence, FailureEvent, KubernetesRef  # noqa: E402
from triage.settings import Settings  # noqa: E402


def _case(log_lines: int, run: int) -> tuple[FailureEvent, Evidence]:
    # Each run gets a different log, so llama.cpp's prompt cache cannot skip the work.
    lines = [f"2024-05-01T02:{run:02d}:{i % 60:02d}Z processed batch {i + run} of report rows ({(i + run) * 1000} rows)" for i in range(log_lines)]
    lines += [
        "2024-05-01T02:01:40Z Killed process 4242 (python) total-vm:2097152kB, anon-rss:1048576kB",
        "2024-05-01T02:01:40Z container nightly-report terminated: OOMKilled (exit code 137)",
    ]
    event = FailureEvent(
        source="kubernetes", job="nightly-report", exit_code=137, reason="OOMKilled",
        kubernetes=KubernetesRef(namespace="reports", job="nightly-report-28551720", cronjob="nightly-report"),
    )
    return event, Evidence(log_text="\n".join(lines), status={"limits": {"memory": "1Gi"}})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--log-lines", type=int, default=200)
    # SmolLM2's tokenizer needs more tokens than tiktoken's for the same log (digits split).
    parser.add_argument("--budget", type=int, default=1500, help="token budget for the condensed log")
    args = parser.parse_args()

    t0 = time.monotonic()
    inst = install()
    print(f"setup (cached venv check): {time.monotonic() - t0:.1f} s")
    log_path = Path(tempfile.mkdtemp()) / "llamacpp.log"
    t0 = time.monotonic()
    with LlamaCppServer(inst, log_path=log_path) as server:
        print(f"server start: {time.monotonic() - t0:.1f} s")
        settings = Settings(llm_base_url=server.base_url, llm_model="smollm2-135m", llm_timeout_seconds=300, llm_max_retries=0)
        with llm.make_client(settings) as client:
            for i in range(args.runs + 1):
                event, evidence = _case(args.log_lines, i)
                evidence.log_text = condense(evidence.log_text, args.budget).text
                messages = llm.build_messages(event, evidence, signatures.match(event, evidence), evidence.log_text)
                if i == 0:
                    print(f"prompt: system {count_tokens(messages[0]['content'])} tokens, whole "
                          f"{sum(count_tokens(m['content']) for m in messages)} tokens (tiktoken o200k)")
                usage = llm.Usage()
                t0 = time.monotonic()
                reply = llm.complete(client, settings, messages, usage)
                dt = time.monotonic() - t0
                label = "first (negotiates mode)" if i == 0 else f"run {i}"
                try:
                    llm.parse_answer(reply.text)
                    parsed = "parses"
                except llm.AnswerUnusable as exc:
                    parsed = f"unusable: {exc.reason}"
                print(f"{label}: mode {reply.mode.value}, {dt:.2f} s, {usage.prompt_tokens} prompt + "
                      f"{usage.completion_tokens} completion tokens, answer {parsed}")
    text = log_path.read_text(errors="replace")
    prompt_rates = [float(x) for x in re.findall(r"prompt eval time.*?([\d.]+) tokens per second", text)]
    gen_rates = [float(x) for x in re.findall(r"\beval time.*?runs.*?([\d.]+) tokens per second", text)]
    if prompt_rates:
        print(f"llama.cpp prompt eval: {sum(prompt_rates) / len(prompt_rates):.0f} tokens/s (mean of {len(prompt_rates)})")
    if gen_rates:
        print(f"llama.cpp generation: {sum(gen_rates) / len(gen_rates):.0f} tokens/s (mean of {len(gen_rates)})")


if __name__ == "__main__":
    main()
