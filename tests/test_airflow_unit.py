"""Fast tests of the Airflow source and notifier: payload validation, log flattening on logs
recorded from a real Airflow 3.3.2, and the notifier's delivery over real HTTP on loopback."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from triage.settings import Settings
from triage.sources import build_sources
from triage.sources.airflow import AirflowSource
from triage.sources.airflow_log import flatten_log_response, status_facts
from triage.sources.base import PayloadError

REPO = Path(__file__).resolve().parent.parent
RECORDED = REPO / "tests" / "data" / "airflow" / "recorded"
sys.path.insert(0, str(REPO / "integrations" / "airflow"))

from triage_airflow import DeliveryConfig, build_payload, deliver  # noqa: E402

from tests.support.loopback import JsonHandler, serving  # noqa: E402


def _source(**settings) -> AirflowSource:
    s = Settings(_env_file=None, **settings)
    return build_sources(s)["airflow"]


GOOD = {"dag_id": "etl", "task_id": "load", "run_id": "scheduled__2024-01-01T00:00:00+00:00",
        "try_number": 2, "max_tries": 1, "map_index": -1, "instance": "prod",
        "exception_type": "ValueError", "exception_message": "bad row",
        "start_date": "2024-01-01T00:00:05+00:00", "end_date": "2024-01-01T00:01:05+00:00",
        "log_url": "http://airflow/dags/etl/runs/x/tasks/load?try_number=2", "operator": "PythonOperator"}


def test_parse_builds_the_failure_event_and_its_key():
    src = _source(airflow_instances=[{"name": "prod", "url": "http://127.0.0.1:1"}])
    [event] = src.parse(GOOD)
    assert event.failure_key == "airflow/prod/etl/scheduled__2024-01-01T00:00:00+00:00/load/-1/2"
    assert event.job_key == "airflow/prod/etl/load"
    assert event.duration_seconds == 60
    assert event.reason == "ValueError"
    assert event.log_excerpt == "ValueError: bad row"
    assert event.links["airflow_log"].endswith("try_number=2")
    assert event.attributes["max_tries"] == 1


@pytest.mark.parametrize("change,field", [
    ({"dag_id": None}, "dag_id"),
    ({"task_id": ""}, "task_id"),
    ({"run_id": "   "}, "run_id"),
    ({"try_number": "second"}, "try_number"),
    ({"try_number": -1}, "try_number"),
    ({"map_index": -5}, "map_index"),
    ({"end_date": "yesterday"}, "end_date"),
    ({"instance": "staging"}, "instance"),
    ({"reported_by": "someone"}, "reported_by"),
])
def test_parse_rejects_bad_fields_naming_them(change, field):
    src = _source(airflow_instances=[{"name": "prod", "url": "http://127.0.0.1:1"}])
    payload = {**GOOD, **change}
    payload = {k: v for k, v in payload.items() if v is not None}
    with pytest.raises(PayloadError) as err:
        src.parse(payload)
    assert err.value.field == field


def test_parse_rejects_a_body_that_is_not_an_object():
    with pytest.raises(PayloadError) as err:
        _source().parse([GOOD])
    assert err.value.field == "body"


def test_unconfigured_instance_gives_a_note_not_a_crash():
    src = _source()
    [event] = src.parse({**GOOD, "instance": "default"})
    ev = src.collect_evidence(event)
    assert "ValueError: bad row" in ev.log_text
    assert any("TRIAGE_AIRFLOW_URL" in n for n in ev.notes)
    assert src.describe_rerun(event) is None


def test_unreachable_airflow_becomes_notes():
    src = _source(airflow_instances=[{"name": "prod", "url": "http://127.0.0.1:9", "username": "a",
                                      "password": "b", "timeout_seconds": 2}])
    [event] = src.parse(GOOD)
    started = time.monotonic()
    ev = src.collect_evidence(event)
    assert time.monotonic() - started < 10
    assert ev.notes and all("no response" in n for n in ev.notes)
    assert ev.log_text == "ValueError: bad row"  # the excerpt the notifier sent
    result = src.rerun(event, "approval-x")
    assert not result.ok and "re-run not done" in result.detail


def test_flatten_renders_the_exception_as_a_traceback():
    body = json.loads((RECORDED / "log_v2_raises.json").read_text())
    lines = flatten_log_response(body)
    text = "\n".join(lines)
    assert "Traceback (most recent call last):" in text
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in text
    assert any(ln.startswith('  File "airflow/sdk/execution_time/task_runner.py", line ') for ln in lines)
    assert "fetching prices from 127.0.0.1:" in text  # the task's own stdout
    assert "::group::" not in text and "attempt=1.log" not in text
    assert status_facts(body["content"])["exception_type"] == "ConnectionRefusedError"


def test_flatten_keeps_signal_and_exit_facts():
    sig = json.loads((RECORDED / "log_v2_sigkill.json").read_text())
    facts = status_facts(sig["content"])
    assert facts["signal"] == "SIGKILL" and facts["signal_number"] == 9
    assert "signal_name=SIGKILL" in "\n".join(flatten_log_response(sig))
    bash = json.loads((RECORDED / "log_v2_bash_exit.json").read_text())
    assert status_facts(bash["content"])["exit_code"] == 3
    assert "No such file or directory" in "\n".join(flatten_log_response(bash))


def test_airflow2_text_log_passes_through():
    assert flatten_log_response({"content": "line one\nline two"}) == ["line one", "line two"]


# --- the notifier's delivery, over real HTTP ---------------------------------------------------

class _Receiver:
    """A loopback HTTP server answering with a scripted list of statuses (then 202)."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0):
        self.statuses = list(statuses or [])
        self.delay = delay
        self.requests: list[tuple[dict, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((dict(self.headers), body))
                time.sleep(outer.delay)
                status = outer.statuses.pop(0) if outer.statuses else 202
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"detail": "x"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*args, **kwargs):
        r = _Receiver(*args, **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def _context():
    try:
        raise FileNotFoundError(2, "No such file or directory", "/data/in.csv")
    except FileNotFoundError as exc:
        error = exc
    ti = SimpleNamespace(dag_id="etl", task_id="load", run_id="manual__1", try_number=1, max_tries=0,
                         map_index=-1, hostname="worker-1", operator="PythonOperator", state="failed",
                         start_date=None, end_date=None, log_url="http://airflow/x")
    return {"ti": ti, "exception": error, "logical_date": None}


def test_payload_carries_the_exception_and_identity():
    p = build_payload(_context(), instance="prod")
    assert (p["dag_id"], p["task_id"], p["run_id"], p["try_number"], p["map_index"]) == ("etl", "load", "manual__1", 1, -1)
    assert p["exception_type"] == "FileNotFoundError"
    assert "/data/in.csv" in p["exception_message"]
    assert "Traceback" in p["traceback"]
    # What the notifier builds is what the source accepts.
    [event] = _source().parse(p)
    assert event.failure_key == "airflow/prod/etl/manual__1/load/-1/1"


def test_delivery_sends_bearer_and_retries_a_server_error(receiver):
    r = receiver([503])
    cfg = DeliveryConfig(server_url=r.url, token="s3cret", instance="prod", retries=1, retry_delay_seconds=0.05)
    assert deliver({"dag_id": "etl"}, cfg) is True
    assert len(r.requests) == 2
    headers, body = r.requests[-1]
    assert headers["Authorization"] == "Bearer s3cret" and body == {"dag_id": "etl"}


def test_delivery_does_not_retry_a_rejected_payload(receiver, caplog):
    r = receiver([422])
    assert deliver({"dag_id": "etl"}, DeliveryConfig(server_url=r.url, retries=3)) is False
    assert len(r.requests) == 1
    assert "HTTP 422" in caplog.text


def test_delivery_is_bounded_when_triage_hangs(receiver, caplog):
    r = receiver(delay=3)
    cfg = DeliveryConfig(server_url=r.url, timeout_seconds=0.3, retries=1, retry_delay_seconds=0.1)
    started = time.monotonic()
    assert deliver({"dag_id": "etl"}, cfg) is False
    assert time.monotonic() - started < 1.5
    assert "could not reach" in caplog.text


def test_delivery_without_a_server_logs_and_returns(caplog, monkeypatch):
    monkeypatch.delenv("TRIAGE_SERVER_URL", raising=False)
    assert deliver({"dag_id": "etl"}, DeliveryConfig.resolve()) is False
    assert "no server URL" in caplog.text


def test_airflow2_text_log_drops_the_file_list():
    from triage.sources.airflow_log import drop_source_details

    text = ["vm", " INFO - ::group::Log message source details", "*** Found local files:",
            "***   * /opt/airflow/logs/attempt=1.log", " INFO - ::endgroup::", "[2024] INFO - loading rows"]
    assert drop_source_details(text) == ["[2024] INFO - loading rows"]


def test_flatten_shortens_long_logger_names():
    body = json.loads((RECORDED / "log_v2_bash_exit.json").read_text())
    text = "\n".join(flatten_log_response(body))
    assert "INFO SubprocessHook: Command exited with return code 3" in text
    assert "airflow.task.hooks.airflow.providers" not in text


def test_a_date_without_an_offset_is_utc_not_a_crash():
    # start_date with an offset, end_date without one: the duration's subtraction raised
    # TypeError, a 500 at intake.
    src = _source(airflow_instances=[{"name": "prod", "url": "http://127.0.0.1:1"}])
    [event] = src.parse({**GOOD, "end_date": "2024-01-01T00:01:05"})
    assert event.duration_seconds == 60
    assert event.failed_at.utcoffset() is not None


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("status,body,headers", [
    (302, b"", {"Location": "/login/"}),  # an SSO proxy in front of Airflow
    (200, b"<html>please log in</html>", {"Content-Type": "text/html"}),
])
def test_an_answer_that_is_not_the_api_becomes_notes_not_a_crash(status, body, headers, version):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.send_response(status)
            for k, v in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    with serving(Handler) as url:
        src = _source(airflow_instances=[{"name": "prod", "url": url, "username": "a", "password": "b",
                                          "timeout_seconds": 2, "api_version": version}])
        [event] = src.parse(GOOD)
        ev = src.collect_evidence(event)  # raised JSONDecodeError: the triage retried, then failed
        assert ev.notes and ev.log_text == "ValueError: bad row"
        result = src.rerun(event, "approval-html")
        assert not result.ok and "re-run not done" in result.detail


def test_concurrent_carry_outs_of_one_approval_clear_the_task_once():
    """Two threads re-running the same approval at once (the approver's request and the
    recovery loop, say) must clear the task instance once, and both report that one result.
    The fake Airflow answers like Airflow: clearTaskInstances with only_failed clears a failed
    task instance and then nothing more."""
    state = {"ti": "failed", "clears": 0}
    lock = threading.Lock()
    both_read = threading.Barrier(2, timeout=1.5)  # lets both readers in before either clears

    class Handler(JsonHandler):
        def do_GET(self):
            with lock:
                ti = {"task_id": "load", "state": state["ti"], "try_number": 2, "note": None}
            try:
                both_read.wait()
            except threading.BrokenBarrierError:
                pass  # only one reader came: nothing to interleave
            self.send_json(ti)

        def do_POST(self):
            self.read_json()
            with lock:
                state["clears"] += 1
                cleared = [{"task_id": "load"}] if state["ti"] == "failed" else []
                state["ti"] = None
            self.send_json({"task_instances": cleared})

    with serving(Handler) as url:
        src = _source(airflow_instances=[{"name": "prod", "url": url, "timeout_seconds": 5, "api_version": 2}])
        [event] = src.parse(GOOD)
        results = []
        threads = [threading.Thread(target=lambda: results.append(src.rerun(event, "approval-concurrent-1")))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert state["clears"] == 1
        assert len(results) == 2 and all(r.ok for r in results)
        assert results[0] == results[1] and "cleared 1 task instance" in results[0].detail


class _DagRunOfAirflow2:
    """The part of Airflow 2's DagRun a DAG failure callback can use: get_task_instances(state=...)."""

    def __init__(self, *tis):
        self.tis = tis
        self.run_id = "manual__1"

    def get_task_instances(self, state=None, session=None):
        wanted = set(state) if isinstance(state, (list, tuple, set)) else ({state} if state else None)
        return [t for t in self.tis if wanted is None or t.state in wanted]


def test_a_dag_callback_given_the_runs_last_task_reports_the_failed_one():
    """Airflow 2's DAG.handle_callback passes tis[-1], here a task that ran after the failure
    (trigger_rule all_done) and succeeded; the report must name the task that failed."""
    from datetime import datetime, timezone

    failed = SimpleNamespace(dag_id="etl", task_id="load", run_id="manual__1", try_number=2, max_tries=1, map_index=-1,
                             hostname="w1", state="failed", start_date=None,
                             end_date=datetime(2024, 1, 1, 0, 5, tzinfo=timezone.utc), log_url=None)
    cleanup = SimpleNamespace(dag_id="etl", task_id="cleanup", run_id="manual__1", try_number=1, max_tries=0,
                              map_index=-1, hostname="w1", state="success", start_date=None, end_date=None, log_url=None)
    ctx = {"ti": cleanup, "dag_run": _DagRunOfAirflow2(failed, cleanup), "reason": "task_failure", "exception": None}
    p = build_payload(ctx, instance="prod")
    assert (p["task_id"], p["try_number"], p["state"]) == ("load", 2, "failed")
    # A context whose dag_run cannot be asked (Airflow 3's runtime objects) keeps the task it was given.
    p3 = build_payload({"ti": failed, "dag_run": SimpleNamespace(run_id="manual__1")}, instance="prod")
    assert p3["task_id"] == "load"


def test_a_runs_task_instances_are_read_past_the_first_page():
    """A run with a large mapped task has more task instances than one page (limit 200): the
    failed one on page 2 was never seen. Both API versions page with limit/offset."""
    from triage.settings import AirflowInstance
    from triage.sources.airflow_api import AirflowClient

    tis = [{"task_id": "fan_out", "map_index": i, "state": "success"} for i in range(450)]
    tis[333]["state"] = "failed"
    seen_offsets = []

    class Handler(JsonHandler):
        def do_GET(self):
            from urllib.parse import parse_qs, urlsplit

            q = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
            offset, limit = int(q.get("offset", 0)), int(q.get("limit", 100))
            seen_offsets.append(offset)
            self.send_json({"task_instances": tis[offset:offset + limit], "total_entries": len(tis)})

    with serving(Handler) as url:
        for version in (2, 3):
            seen_offsets.clear()
            client = AirflowClient(AirflowInstance(url=url, api_version=version))
            got = client.run_task_instances("etl", "manual__1")
            assert len(got) == 450 and [t["map_index"] for t in got if t["state"] == "failed"] == [333]
            assert seen_offsets == [0, 200, 400]
