"""`triage analyze` end to end: the real CLI in a subprocess, on files and stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage.engine.case_input import build_event_and_evidence

# https://github.com/gregsadetsky/tps/issues/21
TOO_MANY = ('psycopg2.OperationalError: connection to server at "localhost" (::1), port 5432 failed: '
            "FATAL:  sorry, too many clients already\n")


def triage(*args: str, stdin: str | None = None, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "OPENAI_"))}
    env["TRIAGE_DATABASE_URL"] = f"sqlite:///{tmp / 'unused.db'}"
    return subprocess.run([sys.executable, "-m", "triage", "analyze", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=env, cwd=tmp)


def test_text_card_for_a_cron_log(tmp_path: Path) -> None:
    log = tmp_path / "backup.log"
    log.write_text(TOO_MANY)
    out = triage("--source", "cron", "--job", "db-backup", str(log), tmp=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Category:   dependency_unavailable" in out.stdout
    assert "too many clients" in out.stdout
    assert "Check:      psql -h localhost" in out.stdout


def test_json_from_stdin_with_status_yaml(tmp_path: Path) -> None:
    status = tmp_path / "status.yaml"
    status.write_text("reason: OOMKilled\nexit_code: 137\nnamespace: reports\npod: nightly-1-abc\n"
                      "resources:\n  limits:\n    memory: 512Mi\n")
    out = triage("--source", "kubernetes", "--job", "nightly-1", "--status", str(status), "--json", "-",
                 stdin="loading 9000000 rows\n", tmp=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"category", "cause", "confidence", "evidence", "command", "command_reason", "engine",
                         "context_tokens", "prompt_tokens", "completion_tokens"}
    assert data["category"] == "oom" and data["confidence"] >= 0.9
    assert "512Mi" in data["cause"]
    assert data["command"] == "kubectl describe pod nightly-1-abc -n reports"
    assert data["engine"] == "signatures" and data["prompt_tokens"] is None
    assert isinstance(data["context_tokens"], int)


def test_airflow_job_names_become_dag_and_task(tmp_path: Path) -> None:
    log = tmp_path / "task.log"
    log.write_text("[2024-05-01] INFO - Dependencies not met, upstream_failed\n")
    out = triage("--source", "airflow", "--job", "sales_etl.load_orders", "--json", str(log), tmp=tmp_path)
    data = json.loads(out.stdout)
    assert data["category"] == "other" and data["confidence"] <= 0.3
    assert data["command"] == "airflow tasks states-for-dag-run sales_etl manual"


def test_secrets_in_the_log_never_reach_the_output(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text('psycopg2.OperationalError: could not connect using postgresql://etl:S3cr3tPassw0rdXYZ@db:5432/sales\n'
                   'FATAL:  password authentication failed for user "etl"\n')
    out = triage("--source", "cron", "--job", "j", "--json", str(log), tmp=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "S3cr3tPassw0rdXYZ" not in out.stdout
    assert json.loads(out.stdout)["category"] == "credentials_expired"


def test_history_as_text_and_as_a_list(tmp_path: Path) -> None:
    log = tmp_path / "j.log"
    log.write_text("No space left on device\n")
    hist_text = tmp_path / "h.txt"
    hist_text.write_text("last three runs succeeded\n")
    hist_yaml = tmp_path / "h.yaml"
    hist_yaml.write_text("- {outcome: success, duration_seconds: 61}\n- {outcome: failed, exit_code: 1}\n")
    for hist in (hist_text, hist_yaml):
        out = triage("--json", "--history", str(hist), str(log), tmp=tmp_path)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["category"] == "disk_full"


@pytest.mark.parametrize("content,message", [
    ("- just\n- a list\n", "must hold a mapping"),
    ("reason: [unclosed\n", "not JSON or YAML"),
])
def test_bad_status_file_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    status = tmp_path / "s.yaml"
    status.write_text(content)
    log = tmp_path / "j.log"
    log.write_text("x\n")
    out = triage("--status", str(status), str(log), tmp=tmp_path)
    assert out.returncode == 2
    assert message in out.stderr


def test_missing_log_file_is_a_usage_error(tmp_path: Path) -> None:
    out = triage(str(tmp_path / "nope.log"), tmp=tmp_path)
    assert out.returncode == 2
    assert "cannot read" in out.stderr


def test_builder_reads_names_from_status() -> None:
    event, evidence = build_event_and_evidence(
        "airflow", "ignored.name", "log", {"dag_id": "d1", "task_id": "t1", "run_id": "r1", "try_number": 3, "exit_code": "1"},
        [{"state": "failed", "duration_seconds": 12}, "odd entry"])
    assert (event.airflow.dag_id, event.airflow.task_id, event.airflow.run_id, event.airflow.try_number) == ("d1", "t1", "r1", 3)
    assert event.exit_code == 1
    assert [r.outcome.value for r in evidence.history] == ["failure", "unknown"]
    event, evidence = build_event_and_evidence("kubernetes", "rep", "log", "Back-off pulling image", None)
    assert event.kubernetes.namespace == "default" and event.kubernetes.job == "rep"
    assert evidence.status == {"text": "Back-off pulling image"}
    with pytest.raises(ValueError):
        build_event_and_evidence("alertmanager", "x", "", None, None)


def test_the_signature_line_survives_condensation_of_a_long_log() -> None:
    # The engine keeps the line a signature names even when the log is far over budget.
    from triage.engine.analyze import analyze
    from triage.settings import load_settings

    noise = [f"2024-05-01T02:{i % 60:02d}:00Z INFO processed batch {i} of orders into staging" for i in range(6000)]
    noise.insert(3000, 'Warning  Failed  kubelet  Error: secrets "reports-db-creds" not found')
    event, evidence = build_event_and_evidence("kubernetes", "nightly", "\n".join(noise), {"namespace": "reports"}, None)
    result = analyze(event, evidence, load_settings(token_budget=800))
    assert result.hypothesis.category.value == "missing_config_or_secret"
    assert 'secrets "reports-db-creds" not found' in result.evidence.log_text
    assert result.hypothesis.context_tokens <= 800


def test_invalid_utf8_on_stdin_is_tolerated(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "OPENAI_"))}
    out = subprocess.run([sys.executable, "-m", "triage", "analyze", "--json", "-"],
                         input=b"caf\xe9 export\n/backups/db.tar: No space left on device\n", capture_output=True,
                         timeout=120, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["category"] == "disk_full"


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path: Path) -> None:
    """`triage analyze LOG | head -1`: the pipe closes before the card is written."""
    log = tmp_path / "job.log"
    log.write_text("tar: /backups/db.tar: Wrote only 4096 of 10240 bytes\n/backups/db.tar: No space left on device\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "OPENAI_"))}
    env["TRIAGE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.db'}"
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command starts writing
    try:
        proc = subprocess.run([sys.executable, "-m", "triage", "analyze", str(log)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120, env=env, cwd=tmp_path)
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
