"""Condensation to a token budget: real token counts, and the lines that explain a failure kept."""

from __future__ import annotations

import io
import random
import re

import pytest

from triage.engine.condense import condense, tail_truncate
from triage.engine.tokens import count_tokens

WORDS = (
    "fetch load merge rows table partition orders users invoices shipment replica cache warm "
    "index vacuum export import bucket object stream window checkpoint offset topic consumer"
).split()


def noise(rng: random.Random, n: int, tag: str = "INFO") -> list[str]:
    """Lines that do not collapse into each other (different words, not just numbers)."""
    return [
        f"2024-05-01T03:{i % 60:02d}:{i % 59:02d}Z {tag} {' '.join(rng.sample(WORDS, 5))} {rng.choice(WORDS)}-{rng.choice(WORDS)}"
        for i in range(n)
    ]


PY_TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/opt/airflow/dags/etl/load.py", line 88, in load_partition',
    "    cur.execute(sql, params)",
    '  File "/usr/lib/python3.11/site-packages/psycopg2/extras.py", line 236, in execute',
    "    return super().execute(query, vars)",
    "psycopg2.errors.UndefinedTable: relation \"staging.orders_2024\" does not exist",
]
JAVA_TRACE = [
    'Exception in thread "main" java.lang.RuntimeException: load failed',
    "\tat com.acme.etl.Loader.run(Loader.java:120)",
    "\tat com.acme.etl.Main.main(Main.java:33)",
    "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.",
    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
    "\t... 2 more",
]
GO_PANIC = [
    "panic: runtime error: index out of range [3] with length 3",
    "",
    "goroutine 1 [running]:",
    "main.parseRow(...)",
    "\t/src/etl/parse.go:41 +0x1d",
    "main.main()",
    "\t/src/etl/main.go:17 +0x85",
    "exit status 2",
]


def _log(*parts: list[str]) -> str:
    return "\n".join(line for part in parts for line in part)


def _contiguous(block: list[str], text: str) -> bool:
    return "\n".join(block) in text


@pytest.mark.parametrize("budget", [200, 500, 1500, 6000])
def test_budget_respected_in_real_tokens(budget: int) -> None:
    rng = random.Random(budget)
    text = _log(["$ etl run --date 2024-05-01"], noise(rng, 4000), PY_TRACEBACK, noise(rng, 3000), JAVA_TRACE, noise(rng, 500))
    out = condense(text, budget)
    assert out.tokens == count_tokens(out.text)
    assert out.tokens <= budget
    assert out.tokens >= budget * 0.6  # and the budget is used, not wasted
    assert out.total_lines == text.count("\n") + 1


def test_tiny_budget_still_respected() -> None:
    text = _log(noise(random.Random(1), 500), ["x" * 5000])
    for budget in (1, 5, 20, 60):
        out = condense(text, budget)
        assert count_tokens(out.text) <= budget


def test_small_log_is_returned_unchanged() -> None:
    text = _log(["start"], PY_TRACEBACK, ["Task exited with return code 1"])
    out = condense(text, 6000)
    assert out.text == text
    assert out.kept_lines == out.total_lines == len(PY_TRACEBACK) + 2


def test_traceback_in_the_middle_kept_whole() -> None:
    rng = random.Random(2)
    text = _log(noise(rng, 5000), PY_TRACEBACK, noise(rng, 5000))
    out = condense(text, 1000)
    assert _contiguous(PY_TRACEBACK, out.text)
    assert out.tokens <= 1000


def test_java_and_go_blocks_kept_whole() -> None:
    rng = random.Random(3)
    text = _log(noise(rng, 3000), JAVA_TRACE, noise(rng, 3000), GO_PANIC, noise(rng, 3000))
    out = condense(text, 1500)
    assert _contiguous(JAVA_TRACE, out.text)
    assert _contiguous(GO_PANIC, out.text)


def test_chained_python_traceback_is_one_block() -> None:
    chained = PY_TRACEBACK + ["", "During handling of the above exception, another exception occurred:", ""] + [
        "Traceback (most recent call last):",
        '  File "/opt/airflow/dags/etl/load.py", line 95, in load_partition',
        "    raise LoadError(table) from exc",
        "etl.errors.LoadError: staging.orders_2024",
    ]
    rng = random.Random(4)
    out = condense(_log(noise(rng, 4000), chained, noise(rng, 4000)), 1200)
    assert _contiguous(chained, out.text)


def test_repeated_lines_collapsed_with_a_count() -> None:
    lines = ["$ sync --all"] + [f"2024-05-01T00:{i % 60:02d}:00Z WARN retrying connection to 10.0.3.{i % 250} (attempt {i})" for i in range(5000)]
    lines += ["ERROR giving up after 5000 attempts"]
    out = condense("\n".join(lines), 300)
    assert "[x4,998 similar lines]" in out.text
    assert lines[1] in out.text and lines[-2] in out.text  # the first and the last of the run
    assert lines[-1] in out.text
    assert out.tokens <= 300


def test_head_and_last_lines_kept() -> None:
    rng = random.Random(5)
    head = ["$ python -m etl.load --date 2024-05-01", "etl 2.3.1 (python 3.11.7, psycopg2 2.9.9)"]
    last = [f"cleanup: removed /tmp/etl-{i}" for i in range(3)] + ["Task exited with return code 1"]
    text = _log(head, noise(rng, 8000), last)
    out = condense(text, 800)
    lines = out.text.split("\n")
    assert lines[:2] == head
    assert lines[-4:] == last


def test_signature_lines_from_the_middle_kept_with_context() -> None:
    rng = random.Random(6)
    before, sig, after = noise(rng, 4000), "2024-05-01T03:00:00Z QUOTA-EXCEEDED bucket exports", noise(rng, 4000)
    text = _log(before, [sig], after)

    def predicate(line: str) -> bool:
        return "QUOTA-EXCEEDED" in line

    out = condense(text, 700, is_signature_line=predicate)
    assert _contiguous([before[-1], sig, after[0]], out.text)
    # without the predicate the line is ordinary noise and is not kept
    assert sig not in condense(text, 700).text


def test_error_lines_kept_without_a_predicate() -> None:
    rng = random.Random(7)
    err = "2024-05-01T03:00:00Z ERROR could not connect to server: Connection refused"
    text = _log(noise(rng, 4000), [err], noise(rng, 4000))
    assert err in condense(text, 700).text


def test_markers_account_for_every_line() -> None:
    rng = random.Random(8)
    text = _log(["head"], noise(rng, 3000), ["same line"] * 400, noise(rng, 3000), PY_TRACEBACK, noise(rng, 2000))
    out = condense(text, 900)
    counted = 0
    for line in out.text.split("\n"):
        omitted = re.fullmatch(r"\[\.\.\. ([\d,]+) lines omitted \.\.\.\]", line)
        similar = re.fullmatch(r"\[x([\d,]+) similar lines\]", line)
        if omitted:
            counted += int(omitted.group(1).replace(",", ""))
        elif similar:
            counted += int(similar.group(1).replace(",", ""))
        else:
            counted += 1
    assert counted == out.total_lines


def test_accepts_an_iterable_of_lines() -> None:
    rng = random.Random(9)
    text = _log(noise(rng, 3000), PY_TRACEBACK, noise(rng, 100))
    from_str = condense(text, 800)
    from_file = condense(io.StringIO(text + "\n"), 800)
    from_list = condense(text.split("\n"), 800)
    assert from_str.text == from_file.text == from_list.text


def test_beats_tail_truncation_when_the_error_is_not_at_the_end() -> None:
    rng = random.Random(10)
    text = _log(noise(rng, 2000), PY_TRACEBACK, noise(rng, 600, tag="DEBUG"))
    assert PY_TRACEBACK[-1] in condense(text, 1000).text
    assert PY_TRACEBACK[-1] not in tail_truncate(text, 1000).text
    assert tail_truncate(text, 1000).tokens <= 1000


def test_version_lines_near_the_start_kept_beyond_the_head() -> None:
    rng = random.Random(11)
    setup = [f"Collecting {rng.choice(WORDS)}-{rng.choice(WORDS)} (from -r requirements.txt (line {i}))  {' '.join(rng.sample(WORDS, 8))}" for i in range(120)]
    installed = "Successfully installed acme-client-4.2.0 pyarrow-15.0.2"
    text = _log(setup, [installed], noise(rng, 6000))
    out = condense(text, 1500)
    assert installed in out.text
    assert setup[0] in out.text
