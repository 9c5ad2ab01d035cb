"""Ranking competing signatures, and abstaining when nothing is decisive."""

from __future__ import annotations

import shlex

from triage.engine import signatures
from triage.engine.signatures.logview import build as build_view
from triage.engine.guard import check_command
from triage.models import Evidence
from tests.signatures.support import CRON, K8S, diagnose


def test_match_returns_candidates_best_first() -> None:
    log = ("2024-05-01 02:00:00 WARNING connection refused by cache-1:6379, retrying in 5s\n"
           "2024-05-01 02:00:05 INFO cache is back\n"
           "/backups/db.tar: No space left on device")
    cands = signatures.match(CRON, Evidence(log_text=log))
    assert [c.hypothesis.category.value for c in cands][:2] == ["disk_full", "dependency_unavailable"]
    assert cands[0].score > cands[1].score
    assert all(c.hypothesis.signature for c in cands)


def test_an_early_retried_error_loses_to_the_final_traceback() -> None:
    log = ("[2024-05-01 02:00:01] ERROR - Connection refused (cache:6379); will retry in 10 seconds\n"
           "[2024-05-01 02:00:11] INFO - connected\n"
           "Traceback (most recent call last):\n  File \"/app/job.py\", line 10, in main\n    n = int(row['qty'])\n"
           "ValueError: invalid literal for int() with base 10: 'N/A'")
    h = diagnose("cron", log)
    assert h.category.value == "bad_code_or_bug"
    assert "ValueError" in h.cause


def test_the_same_error_as_the_final_exception_wins() -> None:
    log = ("[2024-05-01 02:00:01] ERROR - Connection refused (cache:6379); will retry in 10 seconds\n"
           "Traceback (most recent call last):\n  File \"/app/job.py\", line 10, in main\n    db.connect()\n"
           "ConnectionRefusedError: [Errno 111] Connection refused")
    h = diagnose("cron", log)
    assert h.category.value == "dependency_unavailable"


def test_status_fact_outranks_noisy_log_errors() -> None:
    log = "ERROR: request to https://metrics.example.com failed: 503 Service Unavailable\nprocessing 9000000 rows"
    h = diagnose("k8s", log, {"reason": "OOMKilled", "exit_code": 137})
    assert h.category.value == "oom" and h.confidence >= 0.9


def test_two_strong_different_causes_lower_the_confidence() -> None:
    status = {"containers": [{"name": "a", "reason": "OOMKilled"},
                             {"name": "b", "reason": "ImagePullBackOff", "message": 'Back-off pulling image "x/y:1"'}]}
    h = diagnose("k8s", "", status)
    assert h.category.value in ("oom", "image_pull")
    assert h.confidence < 0.8
    assert any("close alternative" in n for n in h.notes)


def test_nothing_decisive_is_an_honest_abstention() -> None:
    log = "starting nightly report\nfetched 1200 rows\nreport step 3 of 5 did not complete\ndone with errors"
    h = diagnose("k8s", log)
    assert h.category.value == "other"
    assert h.confidence <= 0.3
    assert h.cause.startswith("Unclear")
    assert h.command == signatures.job_check_command(K8S)
    assert check_command(h.command).allowed
    assert "done with errors" in h.evidence


def test_empty_evidence_abstains_with_the_generic_check() -> None:
    h = signatures.diagnose(CRON, Evidence())
    assert h.category.value == "other" and h.confidence <= 0.3
    assert h.command == signatures.job_check_command(CRON)


def test_log_values_in_commands_are_quoted_not_executed() -> None:
    log = 'Error: secrets "x; rm -rf /" not found'
    h = diagnose("k8s", log)
    assert h.category.value == "missing_config_or_secret"
    argv = shlex.split(h.command)
    assert "rm" not in argv and ";" not in argv
    assert check_command(h.command).allowed


def test_job_check_command_per_source() -> None:
    from tests.signatures.support import AIRFLOW, K8S_NO_POD

    assert signatures.job_check_command(K8S) == "kubectl describe pod nightly-report-28911-x7k2p -n reports"
    assert signatures.job_check_command(K8S_NO_POD) == "kubectl describe job nightly-report-28911 -n reports"
    assert signatures.job_check_command(AIRFLOW) == \
        "airflow tasks states-for-dag-run sales_etl scheduled__2024-05-01T02:00:00+00:00"
    assert signatures.job_check_command(CRON) == "grep -i db-backup /var/log/syslog"


def test_a_job_deadline_yields_to_the_reason_its_pod_never_started() -> None:
    status = {"job_condition_reason": "DeadlineExceeded",
              "job_condition_message": "Job was active longer than specified deadline",
              "events": [{"type": "Warning", "reason": "FailedScheduling",
                          "message": "0/4 nodes are available: 4 Insufficient memory. preemption: 0/4 nodes are available"}]}
    h = diagnose("k8s", "", status)
    assert h.category.value == "resource_quota_scheduling"
    assert h.confidence >= 0.8


def test_a_job_deadline_alone_is_the_cause() -> None:
    h = diagnose("k8s", "processed 10% of rows\nprocessed 20% of rows",
                 {"job_condition_reason": "DeadlineExceeded", "job_condition_message": "Job was active longer than specified deadline"})
    assert h.category.value == "timeout_deadline" and h.confidence >= 0.9


def test_a_zombie_after_an_oom_kill_is_an_oom() -> None:
    log = ("[2024-05-01 02:10:00] {local_task_job.py:159} INFO - Task exited with return code Negsignal.SIGKILL\n"
           "[2024-05-01 02:15:00] {scheduler_job_runner.py:2110} ERROR - Detected zombie job: {'msg': 'x'}")
    h = diagnose("airflow", log)
    assert h.category.value == "oom"


def test_a_warning_line_is_weaker_evidence_than_an_error() -> None:
    log = "2024-05-01 02:00:00 WARNING could not read /proc/sys/vm/overcommit_memory: Permission denied\nexport finished with errors"
    h = diagnose("cron", log)
    assert h.category.value == "permissions_rbac"
    assert h.confidence < 0.8


def test_an_early_line_in_a_long_log_is_weaker_evidence() -> None:
    lines = ["/opt/app/run.sh: line 3: /var/log/app/old.log: Permission denied"]
    lines += [f"INFO step {i} ok" for i in range(200)]
    h = diagnose("cron", "\n".join(lines))
    assert h.category.value == "permissions_rbac" and h.confidence < 0.8
    h = diagnose("cron", "\n".join(lines[1:] + lines[:1]))
    assert h.confidence >= 0.8


def test_an_earlier_run_still_running_is_a_fact_about_this_failure() -> None:
    from datetime import datetime, timezone

    from triage.models import RunOutcome, RunRecord

    history = [RunRecord(outcome=RunOutcome.running, name="db-backup-0100",
                         started_at=datetime(2020, 1, 1, tzinfo=timezone.utc)),
               RunRecord(outcome=RunOutcome.failure, name="db-backup-0000", detail="OOMKilled")]
    h = signatures.diagnose(CRON, Evidence(log_text="waiting for lock on /var/lock/backup.lock", history=history))
    assert h.category.value == "overlap_concurrency"
    assert "still running" in h.cause or "lock" in h.cause
    # A past run's OOM is history, not this failure's cause.
    assert h.category.value != "oom"


def test_a_past_failure_reason_is_not_read_as_this_one() -> None:
    from triage.models import RunOutcome, RunRecord

    history = [RunRecord(outcome=RunOutcome.failure, name="old", detail="OOMKilled")]
    h = signatures.diagnose(CRON, Evidence(log_text="step 3 did not complete", history=history))
    assert h.category.value == "other"


def test_ansi_colours_do_not_hide_a_signature() -> None:
    log = "\x1b[31mERROR\x1b[0m psycopg2.OperationalError: could not translate host name \"db.internal\x1b[0m\" to address: Name or service not known"
    h = diagnose("cron", log)
    assert h.category.value == "network_dns"
    assert h.evidence == [log.strip()]  # shown verbatim


def test_a_tool_missing_on_an_airflow_worker_is_not_decisive() -> None:
    h = diagnose("airflow", "[2024-05-01] INFO - bash: line 1: dbt: command not found")
    assert h.category.value == "missing_config_or_secret" and h.confidence < 0.8
    assert "Airflow worker" in h.cause


def test_permission_denied_without_a_path_is_weaker() -> None:
    assert diagnose("cron", "sudo: unable to run: Permission denied").confidence < 0.8
    assert diagnose("cron", "cp: cannot create regular file '/srv/out/a.csv': Permission denied").confidence >= 0.8


# The shape of puckel/docker-airflow#425 and apache/airflow#18077: after the task's own failure,
# Airflow's failure e-mail fails too and logs its own traceback last.
EMAIL_AFTERMATH = """[2024-05-01 02:00:09] {taskinstance.py:1150} ERROR - Task failed with exception
Traceback (most recent call last):
  File "/opt/dags/load.py", line 30, in load
    rows = read(path)
FileNotFoundError: [Errno 2] No such file or directory: '/data/incoming/orders_2024-05-01.csv'
[2024-05-01 02:00:09] {taskinstance.py:1194} INFO - Marking task as FAILED.
[2024-05-01 02:00:10] {taskinstance.py:1200} ERROR - Failed to send email to: ['oncall@example.com']
Traceback (most recent call last):
  File "/usr/local/lib/python3.6/site-packages/airflow/models/__init__.py", line 1613, in handle_failure
    self.email_alert(error)
  File "/usr/local/lib/python3.6/site-packages/airflow/utils/email.py", line 55, in send_email
    mime_subtype=mime_subtype, mime_charset=mime_charset, **kwargs)
  File "/usr/local/lib/python3.6/smtplib.py", line 336, in connect
    self.sock = self._get_socket(host, port, self.timeout)
ConnectionRefusedError: [Errno 111] Connection refused"""


def test_the_failure_email_failing_afterwards_is_not_the_cause() -> None:
    h = diagnose("airflow", EMAIL_AFTERMATH)
    assert h.category.value == "data_input_missing"
    assert "/data/incoming/orders_2024-05-01.csv" in h.cause


def test_only_the_email_failing_is_weak_evidence() -> None:
    log = EMAIL_AFTERMATH.split("[2024-05-01 02:00:10]")[1]
    h = diagnose("airflow", "[2024-05-01 02:00:10]" + log)
    assert h.confidence < 0.8


def _progress(n: int, what: str = "rows") -> list[str]:
    return [f"2024-05-01 02:0{i % 10}:00 INFO processed batch {i} ({i * 500} {what})" for i in range(n)]


def test_a_missing_file_left_behind_by_an_earlier_dns_failure_is_the_dns_failure() -> None:
    # curl's own wording (curl exit 6); the script carries on and the loader finds no file.
    lines = ["curl: (6) Could not resolve host: exports.partner.example", *_progress(60),
             "Traceback (most recent call last):", '  File "/opt/etl/load.py", line 40, in main',
             "FileNotFoundError: [Errno 2] No such file or directory: '/data/incoming/2024-05-01/manifest.json'"]
    h = diagnose("cron", "\n".join(lines))
    assert h.category.value == "network_dns"
    assert "exports.partner.example" in h.cause
    assert h.command == "getent hosts exports.partner.example"
    assert h.confidence < 0.8  # that it caused the final error is an inference


def test_a_missing_output_after_the_step_was_killed_is_an_oom() -> None:
    # bash reports a SIGKILLed child as `line N: PID Killed  CMD`; the next step reads its output.
    lines = [*_progress(10), "/opt/etl/run.sh: line 5:  4242 Killed                  python3 transform.py",
             *_progress(50, "files"),
             "FileNotFoundError: [Errno 2] No such file or directory: '/data/out/checkpoint.json'"]
    h = diagnose("cron", "\n".join(lines), {"exit_code": 137})
    assert h.category.value == "oom"
    assert "journalctl -k" in h.command


def test_a_missing_file_with_no_earlier_failure_is_missing_input() -> None:
    lines = [*_progress(60), "FileNotFoundError: [Errno 2] No such file or directory: '/data/incoming/orders.csv'"]
    h = diagnose("cron", "\n".join(lines))
    assert h.category.value == "data_input_missing" and h.confidence >= 0.8


def test_a_failure_after_the_missing_file_does_not_explain_it() -> None:
    lines = ["FileNotFoundError: [Errno 2] No such file or directory: '/data/incoming/orders.csv'",
             "curl: (6) Could not resolve host: alerts.example.com"]
    cands = signatures.match(CRON, Evidence(log_text="\n".join(lines)))
    missing = next(c for c in cands if c.hypothesis.signature == "input_missing")
    assert missing.hypothesis.confidence >= 0.8  # not demoted as a consequence


def test_an_error_the_job_carried_on_after_is_not_what_stopped_it() -> None:
    # A refused metrics push, logged with its traceback, then a long run, then the real failure.
    lines = ["2024-05-01 02:00:01 ERROR failed to push metrics",
             "Traceback (most recent call last):", '  File "/opt/etl/metrics.py", line 12, in push',
             "ConnectionRefusedError: [Errno 111] Connection refused", *_progress(300),
             "Traceback (most recent call last):", '  File "/opt/etl/summary.py", line 88, in summary',
             "statistics.StatisticsError: mean requires at least one data point"]
    h = diagnose("cron", "\n".join(lines))
    assert h.category.value == "bad_code_or_bug"
    assert "StatisticsError" in h.cause


def test_a_log_that_simply_stops_with_exit_124_is_a_timeout() -> None:
    # coreutils `timeout` exits 124; the log has an old survived error and then just stops.
    lines = ["2024-05-01 02:00:01 ERROR failed to push metrics",
             "requests.exceptions.ConnectionError: HTTPConnectionPool(host='pushgw', port=9091): Max retries exceeded "
             "with url: /metrics (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))",
             *_progress(400), "run.sh: etl step finished with exit code 124"]
    h = diagnose("cron", "\n".join(lines), {"exit_code": 124})
    assert h.category.value == "timeout_deadline"
    assert h.command.startswith("crontab -l")


def test_an_error_carried_on_after_still_counts_when_nothing_else_is_found() -> None:
    lines = ["curl: (6) Could not resolve host: mirror.example.org", *_progress(100)]
    h = diagnose("cron", "\n".join(lines))
    assert h.category.value == "network_dns" and h.confidence < 0.8


def test_the_files_a_failed_download_never_wrote_are_consequences() -> None:
    # https://github.com/captn3m0/google-sre-ebook/issues/9: wget cannot resolve the host, and
    # every later step fails on the files it never wrote.
    log = """--2018-07-26 05:28:44--  https://landing.google.com/sre/book/
Resolving landing.google.com (landing.google.com)... failed: Temporary failure in name resolution.
wget: unable to resolve host address 'landing.google.com'
Converted links in 0 files in 0 seconds.
mv: cannot stat 'landing.google.com/sre/book/*': No such file or directory
generate.rb:6:in `initialize': No such file or directory @ rb_sysopen - html/index.html (Errno::ENOENT)
/src/bootstrap.sh: line 20: pushd: html/chapters: No such file or directory
pandoc: ../../metadata.xml: openFile: does not exist (No such file or directory)
chown: cannot access 'google-sre.*': No such file or directory
mv: cannot stat 'google-sre.*': No such file or directory"""
    h = diagnose("cron", log)
    assert h.category.value == "network_dns"
    assert "landing.google.com" in h.cause


def test_a_go_panic_followed_by_its_goroutine_dump_is_not_carried_on_after() -> None:
    dump = []
    for g in range(30):
        dump += [f"goroutine {g} [chan receive]:", f"main.worker(0xc000{g:03d}000, 0x3)", f"\t/app/worker.go:{40 + g} +0x1d",
                 "created by main.main", "\t/app/main.go:22 +0x8f", ""]
    log = "\n".join(["starting export", "panic: runtime error: invalid memory address or nil pointer dereference",
                     "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2b1c]", "", *dump])
    view = build_view(CRON, Evidence(log_text=log))
    assert view.carried_on_after(1) < 40
