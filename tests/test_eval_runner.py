"""The eval runner on small temporary case directories (never the real cases).

The engine's own answers are not asserted here (signatures change); what is asserted is
that loading, scoring, recording, replaying and gating behave as documented.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from triage.cli import main
from triage.evaluation.cases import CaseError, load_case, load_cases
from triage.evaluation.feedback import FeedbackRecord, write_feedback_cases
from triage.evaluation.runner import Engine, EvalSetupError, run_cases
from triage.evaluation.scoring import (
    CaseResult,
    command_match,
    evidence_hit,
    key_part,
    summarise,
)
from triage.models import Category, Hypothesis
from triage.settings import load_settings

OOM_LOG = (
    "[2024-01-01, 00:00:01 UTC] {taskinstance.py:1} INFO - Starting attempt 1 of 1\n"
    "[2024-01-01, 00:00:09 UTC] {local_task_job.py:2} INFO - Task exited with return code Negsignal.SIGKILL\n"
)
CONN_LOG = "airflow.exceptions.AirflowNotFoundException: The conn_id `warehouse` isn't defined\n"


def write_case(directory: Path, case_id: str, log: str, category: str, evidence: list[str],
               commands: list[str], **extra) -> Path:
    data = {"id": case_id, "source": "airflow", "job": "dag.task", "url": "https://example.invalid/1",
            "log": log, "expected": {"category": category, "cause": "c", "evidence": evidence, "commands": commands}}
    data.update(extra)
    path = directory / f"{case_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture()
def case_dir(tmp_path: Path) -> Path:
    d = tmp_path / "cases"
    d.mkdir()
    write_case(d, "af-oom", OOM_LOG, "oom", ["Negsignal.SIGKILL"], ["dmesg", r"kubectl (get|describe) pod"])
    write_case(d, "af-conn", CONN_LOG, "missing_config_or_secret", ["isn't defined"], ["airflow connections"],
               tags=["red_herring"])
    return d


@pytest.fixture()
def no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("TRIAGE_LLM_BASE_URL", "TRIAGE_LLM_MODEL", "TRIAGE_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)


# ------------------------------------------------------------------------------ loading

def test_loader_rejects_evidence_missing_from_log(tmp_path: Path) -> None:
    write_case(tmp_path, "bad", "only this line\n", "oom", ["SIGKILL"], ["dmesg"])
    with pytest.raises(CaseError, match="expected evidence not found"):
        load_cases(tmp_path)


def test_loader_rejects_unknown_category_and_bad_regex(tmp_path: Path) -> None:
    write_case(tmp_path, "cat", "x SIGKILL\n", "cosmic_rays", ["SIGKILL"], ["dmesg"])
    with pytest.raises(CaseError, match="expected.category"):
        load_case(tmp_path / "cat.yaml")
    write_case(tmp_path, "rx", "x SIGKILL\n", "oom", ["SIGKILL"], ["kubectl (get"])
    with pytest.raises(CaseError, match="does not compile"):
        load_case(tmp_path / "rx.yaml")


def test_loader_reads_log_file_and_status_evidence(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "long.log").write_text("noise\n" * 500 + "the real error\n", encoding="utf-8")
    data = {"id": "lf", "source": "kubernetes", "job": "nightly", "url": "u", "log_file": "logs/long.log",
            "status": {"reason": "OOMKilled", "exit_code": 137},
            "expected": {"category": "oom", "cause": "c", "evidence": ["the real error", "OOMKilled"],
                         "commands": ["kubectl"]}}
    (tmp_path / "lf.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    case = load_case(tmp_path / "lf.yaml")
    assert case.log_text.endswith("the real error\n")
    assert case.log_text.count("noise") == 500


def test_loader_rejects_duplicate_ids(tmp_path: Path) -> None:
    write_case(tmp_path, "one", OOM_LOG, "oom", ["SIGKILL"], ["dmesg"])
    write_case(tmp_path, "two", OOM_LOG, "oom", ["SIGKILL"], ["dmesg"], id="one")
    with pytest.raises(CaseError, match="duplicate case id"):
        load_cases(tmp_path)


# ------------------------------------------------------------------------------ scoring

def test_key_part_strips_log_prefixes() -> None:
    line = "[2021-05-08 19:48:35,385] {timeout.py:36} ERROR - Process timed out, PID: 10082"
    assert key_part(line) == "Process timed out, PID: 10082"
    assert key_part("api-1    | 10:47:22 web.1   | Traceback (most") == "10:47:22 web.1   | Traceback (most"


def test_evidence_hit_rules() -> None:
    expected = ["Process timed out, PID: 10082"]
    # Expected string inside a cited line (case and whitespace insensitive).
    assert evidence_hit(["[x] ERROR - process  timed out, PID: 10082 (pid)"], expected)
    # Cited line's key part inside the expected string.
    assert evidence_hit(["{timeout.py:36} ERROR - Process timed out"], expected)
    # A short key part never matches, nor does an unrelated line or no citation at all.
    assert not evidence_hit(["[2021-05-08] ERROR - PID"], expected)
    assert not evidence_hit(["Traceback (most recent call last):"], expected)
    assert not evidence_hit([], expected)


def test_command_match_only_counts_shown_commands() -> None:
    h = Hypothesis(category=Category.oom, cause="c", confidence=0.9, command="kubectl describe pod p",
                   command_allowed=False)
    assert not command_match(h, [r"kubectl (get|describe) pod"])
    h.command_allowed = True
    assert command_match(h, [r"kubectl (get|describe) pod"])
    assert not command_match(h, ["dmesg"])


def _result(**kw) -> CaseResult:
    base = dict(id="x", source="airflow", expected_category="oom", category="oom", correct=True,
                evidence_hit=True, command="dmesg", command_readonly=True, command_match=True,
                confidence=0.9, context_tokens=100, latency_ms=1.0)
    base.update(kw)
    return CaseResult(**base)


def test_summary_rates() -> None:
    results = [
        _result(id="a"),
        _result(id="b", category="other", correct=False, confidence=0.2, abstained=True, evidence_hit=False,
                command=None, command_readonly=None, command_match=False, context_tokens=300),
        _result(id="c", category="network_dns", correct=False, confidence=0.85, command="rm -rf /",
                command_readonly=False, command_match=False, context_tokens=200),
    ]
    s = summarise(results, "signatures")
    assert s.cases == 3
    assert s.category_accuracy == pytest.approx(1 / 3, abs=1e-4)
    assert s.evidence_recall == pytest.approx(2 / 3, abs=1e-4)
    assert s.command_readonly_rate == 0.5  # over the two cases that suggested a command
    assert s.command_match_rate == pytest.approx(1 / 3, abs=1e-4)
    assert s.accuracy_at_high_confidence == 0.5  # a (right) and c (wrong) are >= 0.8
    assert s.abstain_rate == pytest.approx(1 / 3, abs=1e-4)
    assert s.median_context_tokens == 200


# ------------------------------------------------------------------------------ running

def test_signatures_run_scores_each_case_and_ignores_llm_env(case_dir: Path, monkeypatch) -> None:
    # A configured model must not be called by --engine signatures.
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "never-called")
    cases = load_cases(case_dir)
    results = run_cases(cases, load_settings(), Engine.signatures)
    assert [r.id for r in results] == ["af-conn", "af-oom"]
    for r, case in zip(results, cases):
        assert r.error is None
        assert r.correct == (r.category == case.expected.category.value)
        assert r.context_tokens and r.context_tokens > 0
        assert r.prompt_tokens is None
        assert r.engine == "signatures"
    assert [r.red_herring for r in results] == [True, False]


def test_llm_engine_requires_model_settings(case_dir: Path, no_llm_env) -> None:
    with pytest.raises(EvalSetupError, match="TRIAGE_LLM_MODEL"):
        run_cases(load_cases(case_dir), load_settings(), Engine.llm)
    with pytest.raises(EvalSetupError, match="--record"):
        run_cases(load_cases(case_dir), load_settings(), Engine.replay)


class FakeModelServer:
    """An OpenAI-compatible chat-completions endpoint on loopback (real wire format)."""

    def __init__(self, answers: dict[str, dict]):
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                owner.requests.append(body)
                owner.headers.append({k.lower(): v for k, v in self.headers.items()})
                prompt = json.dumps(body["messages"])
                answer = next(a for marker, a in answers.items() if marker in prompt)
                payload = json.dumps({
                    "id": f"chatcmpl-{len(owner.requests)}", "object": "chat.completion", "created": 1,
                    "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": json.dumps(answer)}}],
                    "usage": {"prompt_tokens": 500, "completion_tokens": 60, "total_tokens": 560},
                }).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


ANSWERS = {
    "Negsignal.SIGKILL": {"category": "oom", "cause": "killed by the OOM killer", "confidence": 0.9,
                          "evidence": ["Task exited with return code Negsignal.SIGKILL"],
                          "command": "dmesg -T", "command_reason": "shows the OOM kill"},
    "conn_id": {"category": "network_dns", "cause": "a wrong guess", "confidence": 0.6,
                "evidence": ["airflow.exceptions.AirflowNotFoundException: The conn_id `warehouse` isn't defined"],
                "command": "", "command_reason": ""},
}


def test_record_then_replay_offline(case_dir: Path, tmp_path: Path, no_llm_env, monkeypatch) -> None:
    fake = FakeModelServer(ANSWERS)
    record_dir = tmp_path / "recorded"
    try:
        settings = load_settings(llm_base_url=fake.url, llm_model="fake-model", llm_api_key="sk-test-SECRET-123",
                                 llm_price_prompt_per_mtok=1.0, llm_price_completion_per_mtok=2.0)
        live = run_cases(load_cases(case_dir), settings, Engine.llm, record_dir=record_dir)
    finally:
        fake.close()
    served_live = len(fake.requests)
    assert served_live >= 2
    assert fake.headers[0].get("authorization") == "Bearer sk-test-SECRET-123"  # forwarded upstream
    by_id = {r.id: r for r in live}
    assert by_id["af-oom"].category == "oom" and by_id["af-oom"].correct
    assert by_id["af-oom"].evidence_hit and by_id["af-oom"].command_match
    assert by_id["af-conn"].category == "network_dns" and not by_id["af-conn"].correct
    assert by_id["af-oom"].prompt_tokens == 500 and by_id["af-oom"].cost_usd == pytest.approx(500e-6 + 120e-6)

    recorded = {p.name for p in record_dir.iterdir()}
    assert recorded == {"meta.json", "af-oom.json", "af-conn.json"}
    everything = "".join(p.read_text() for p in record_dir.iterdir())
    assert "SECRET-123" not in everything  # headers are never recorded
    exchange = json.loads((record_dir / "af-oom.json").read_text())["exchanges"][0]
    assert "Negsignal.SIGKILL" in exchange["request"]["body"]

    # Replay: the fake is gone; answers come from the recordings through the real SDK.
    replayed = run_cases(load_cases(case_dir), load_settings(), Engine.replay, record_dir=record_dir)
    assert len(fake.requests) == served_live
    for a, b in zip(live, replayed):
        assert (a.id, a.category, a.correct, a.evidence_hit, a.command, a.command_match, a.confidence) == \
               (b.id, b.category, b.correct, b.evidence_hit, b.command, b.command_match, b.confidence)
        assert b.prompt_tokens == a.prompt_tokens


def test_replaying_some_of_the_cases_gives_what_was_recorded(case_dir: Path, tmp_path: Path, no_llm_env) -> None:
    # A server that takes only a forced tool call: the first case recorded the negotiation,
    # the others only their answers. Replaying a case without the first one (--only) must not
    # depend on which cases ran before it.
    from tests.fakes.openai_server import FakeOpenAIServer, Reply
    from triage.engine import llm

    def answer(body: dict) -> Reply:
        prompt = json.dumps(body["messages"])
        return Reply(content=json.dumps(next(a for marker, a in ANSWERS.items() if marker in prompt)))

    record_dir = tmp_path / "recorded"
    llm.forget_response_modes()
    with FakeOpenAIServer(default=answer, reject_json_schema=400, reject_json_object=400) as server:
        settings = load_settings(llm_base_url=server.base_url, llm_model="fake-model", llm_api_key="sk-test")
        live = {r.id: r for r in run_cases(load_cases(case_dir), settings, Engine.llm, record_dir=record_dir)}
    assert (live["af-oom"].category, live["af-conn"].category) == ("oom", "network_dns")  # the model's answers
    for case in load_cases(case_dir):
        llm.forget_response_modes()  # a fresh `triage eval --engine replay --only ID`
        [replayed] = run_cases([case], load_settings(), Engine.replay, record_dir=record_dir)
        assert (replayed.category, replayed.confidence, replayed.command, replayed.notes) == \
               (live[case.id].category, live[case.id].confidence, live[case.id].command, live[case.id].notes), case.id


def test_replay_without_recording_falls_back_and_says_so(case_dir: Path, tmp_path: Path, no_llm_env) -> None:
    record_dir = tmp_path / "empty"
    record_dir.mkdir()
    (record_dir / "meta.json").write_text(json.dumps({"model": "m"}))
    results = run_cases(load_cases(case_dir), load_settings(), Engine.replay, record_dir=record_dir)
    assert all(r.error is None for r in results)
    assert all(any("signature" in n for n in r.notes) for r in results)


# ------------------------------------------------------------------------------ CLI and gate

def test_cli_json_and_baseline_gate(case_dir: Path, tmp_path: Path, no_llm_env, capsys) -> None:
    out = tmp_path / "report.json"
    assert main(["eval", "--cases", str(case_dir), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report["summary"]) >= {"cases", "category_accuracy", "evidence_recall", "command_readonly_rate",
                                      "command_match_rate", "accuracy_at_high_confidence", "abstain_rate",
                                      "median_context_tokens", "engine"}
    assert {c["id"] for c in report["cases"]} == {"af-oom", "af-conn"}
    assert set(report["cases"][0]) >= {"id", "expected_category", "category", "correct", "evidence_hit", "command",
                                       "command_readonly", "command_match", "confidence", "context_tokens",
                                       "latency_ms"}
    measured = report["summary"]["evidence_recall"]

    at = tmp_path / "at.json"
    at.write_text(json.dumps({"evidence_recall": measured, "cases": 2}))
    assert main(["eval", "--cases", str(case_dir), "--fail-under", str(at)]) == 0
    above = tmp_path / "above.json"
    above.write_text(json.dumps({"evidence_recall": measured + 0.01}))
    assert main(["eval", "--cases", str(case_dir), "--fail-under", str(above)]) == 1
    assert "evidence_recall" in capsys.readouterr().err
    more = tmp_path / "more.json"
    more.write_text(json.dumps({"cases": 3}))
    assert main(["eval", "--cases", str(case_dir), "--fail-under", str(more)]) == 1


def test_cli_bad_case_dir_exits_2(tmp_path: Path, no_llm_env) -> None:
    write_case(tmp_path, "bad", "nothing\n", "oom", ["SIGKILL"], ["dmesg"])
    assert main(["eval", "--cases", str(tmp_path)]) == 2


# ------------------------------------------------------------------------------ feedback

def test_feedback_records_become_loadable_drafts(tmp_path: Path) -> None:
    records = [
        FeedbackRecord(triage_id="t1", source="airflow", job="etl.load",
                       log_text="starting\nERROR connect to db.internal password=hunter2 refused\ndone\n",
                       corrected_cause="the DB host was renamed", corrected_category="network_dns"),
        FeedbackRecord(triage_id="t2", source="cron", job="backup", log_text="x\n",
                       corrected_cause="?", corrected_category=None),
    ]
    written, skipped = write_feedback_cases(records, tmp_path)
    assert [p.name for p in written] == ["fb-airflow-t1.yaml"]
    assert skipped and skipped[0].startswith("t2")
    case = load_case(written[0])
    assert case.expected.category == Category.network_dns
    assert case.expected.evidence == ["ERROR connect to db.internal password=[REDACTED:secret_assignment] refused"] \
        or "hunter2" not in case.log_text
    assert "hunter2" not in written[0].read_text()
    assert "needs_review" in case.tags
    # A draft's command pattern never matches, so it cannot inflate the command score.
    h = Hypothesis(category=Category.network_dns, cause="c", confidence=1, command="dig db.internal",
                   command_allowed=True)
    assert not command_match(h, case.expected.commands)


def test_export_feedback_reads_the_service_database(tmp_path: Path) -> None:
    from triage.db import Base, FeedbackRow, TriageRow, make_engine

    url = f"sqlite:///{tmp_path / 'triage.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    now = datetime.now(timezone.utc)
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        s.add(TriageRow(id="abc123", failure_key="k", job_key="airflow/default/etl/load", source="airflow",
                        job="etl.load", state="published", event={}, next_attempt_at=now, created_at=now,
                        updated_at=now, evidence={"log_text": "Task exited with return code Negsignal.SIGKILL\n",
                                                  "status": {"state": "failed"}}))
        s.add(FeedbackRow(triage_id="abc123", actor="ana", category="oom", cause="worker OOM", at=now))
        s.commit()
    engine.dispose()
    out = tmp_path / "drafts"
    assert main(["eval", "export-feedback", "--database-url", url, "--out", str(out)]) == 0
    case = load_case(out / "fb-airflow-abc123.yaml")
    assert case.expected.category == Category.oom
    assert case.expected.evidence == ["Task exited with return code Negsignal.SIGKILL"]
    assert case.status == {"state": "failed"}


def test_split_is_stable_and_roughly_sixty_forty():
    from triage.evaluation.cases import EvalCase

    def case(i):
        return EvalCase.model_validate({"id": f"case-{i}", "source": "cron", "job": "j", "log": "x", "url": "u",
                                        "expected": {"category": "other", "cause": "c", "evidence": ["x"],
                                                     "commands": ["^df"]}})

    splits = [case(i).split for i in range(1000)]
    assert splits == [case(i).split for i in range(1000)]  # a case never changes side
    assert 0.35 < splits.count("holdout") / 1000 < 0.45
