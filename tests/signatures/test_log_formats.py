"""Log decorations the signatures must see through: Airflow 1.x `Subtask:` relays, Celery
worker prefixes, Airflow 2's `[date, time TZ]` stamps, and logs posted from mid-traceback."""

from __future__ import annotations

import pytest

from tests.signatures.support import AIRFLOW, diagnose
from triage.engine.signatures.logview import build, strip_prefix
from triage.models import Evidence


@pytest.mark.parametrize(("line", "bare"), [
    ("[2018-08-13 21:04:35,574] {base_task_runner.py:98} INFO - Subtask: KeyError: 'i'", "KeyError: 'i'"),
    ("[2019-03-05 10:34:40,118] {base_task_runner.py:101} INFO - Job 34: Subtask load_data Traceback (most recent call last):",
     "Traceback (most recent call last):"),
    ("[2025-05-25 18:12:38,465: WARNING/MainProcess] consumer: Cannot connect to redis://redis:6379/0",
     "consumer: Cannot connect to redis://redis:6379/0"),
    ("[2022-03-07, 12:19:32 IST] {base_job.py:230} ERROR - LocalTaskJob heartbeat got an exception",
     "LocalTaskJob heartbeat got an exception"),
    ("[2024-04-04, 03:28:10 UTC] {sql.py:457} INFO - Running statement", "Running statement"),
    ("[2023-09-26T13:15:29.054+0000] {taskinstance.py:1935} ERROR - Task failed with exception", "Task failed with exception"),
])
def test_prefixes_are_stripped(line: str, bare: str) -> None:
    assert strip_prefix(line) == bare


def test_plain_words_are_not_taken_for_a_prefix() -> None:
    assert strip_prefix("Subtask is running") == "Subtask is running"
    assert strip_prefix("INFO - Subtask is running") == "Subtask is running"


# Airflow 1.10 relays the task's traceback line by line; the reporter pasted from the middle of it.
_MID_TRACEBACK = """\
[2018-08-13 21:04:35,561] {base_task_runner.py:98} INFO - Subtask:   File "/usr/local/airflow/dags/ops/copy.py", line 82, in execute
[2018-08-13 21:04:35,561] {base_task_runner.py:98} INFO - Subtask:     dest.insert_rows(table=self.table, rows=cursor)
[2018-08-13 21:04:35,561] {base_task_runner.py:98} INFO - Subtask:   File "/usr/lib/python3.6/site-packages/airflow/hooks/dbapi_hook.py", line 225, in insert_rows
[2018-08-13 21:04:35,574] {base_task_runner.py:98} INFO - Subtask:     "Done loading. Loaded a total of {i} rows".format(**locals()))
[2018-08-13 21:04:35,574] {base_task_runner.py:98} INFO - Subtask: TypeError: 'NoneType' object is not iterable
[2018-08-13 21:04:39,716] {jobs.py:2521} INFO - Task exited with return code 1
"""


def test_a_log_that_starts_mid_traceback_still_has_its_final_exception() -> None:
    view = build(AIRFLOW, Evidence(log_text=_MID_TRACEBACK))
    assert view.final_exception == 4
    h = diagnose("airflow", _MID_TRACEBACK)
    assert h.category.value == "bad_code_or_bug", (h.signature, h.cause)
    assert any("TypeError" in line for line in h.evidence)


def test_frames_without_an_exception_line_are_not_a_failure() -> None:
    log = '  File "/opt/job.py", line 3, in <module>\n    main()\nprocessing batch 7\n'
    view = build(AIRFLOW, Evidence(log_text=log))
    assert view.final_exception in (None, 2)
    assert view.final_exception is None or not view.exception_chain or diagnose("airflow", log).confidence < 0.8
