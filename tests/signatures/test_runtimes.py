"""Runtime signatures: Python, JVM, Go and Node failures, and how tracebacks are read."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # https://github.com/spark-jobserver/spark-jobserver/issues/1161
    Case("java_heap", "k8s",
         "2019-02-25 20:44:36 ERROR JobManagerActor:606 - Got Throwable\njava.lang.OutOfMemoryError: Java heap space\n"
         "        at scala.collection.mutable.ResizableArray$class.ensureSize(ResizableArray.scala:103)",
         "oom", ("Java heap space",), ("kubectl describe pod",), 0.9),
    # https://github.com/website-local/mdn-local/issues/1144
    Case("node_heap", "cron",
         "<--- JS stacktrace --->\n\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n"
         "----- Native stack trace -----\n\n 1: 0xb8d11b node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]",
         "oom", ("heap",), (), 0.9),
    # https://github.com/bcicen/grmon/issues/8
    Case("go_nil_pointer", "k8s",
         "panic: runtime error: invalid memory address or nil pointer dereference\n"
         "[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x1385f7c]\n\ngoroutine 1 [running]:\n"
         "main.ReadRoutines(0xc000228000, 0xa1, 0x200, 0x10, 0xff, 0x0, 0x0, 0x0)\n\t/Users/me/go/src/github.com/bcicen/grmon/parse.go:76 +0x19c",
         "bad_code_or_bug", ("nil pointer",), (), 0.7, 0.79),
    Case("yarn_memory", "airflow",
         "ExecutorLostFailure (executor 7 exited caused by one of the running tasks) Reason: Container killed by YARN for exceeding "
         "memory limits. 11.0 GB of 11 GB physical memory used. Consider boosting spark.yarn.executor.memoryOverhead.",
         "oom", (), (), 0.85),
    Case("bad_alloc", "cron", "terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\nAborted (core dumped)",
         "oom", (), (), 0.85),
    Case("yarn_container_exit_137", "airflow", "Container killed on request. Exit code is 137\nContainer exited with a non-zero exit code 137",
         "oom", (), (), 0.6),
    Case("go_exec_signal_killed", "k8s", "Error: exporter failed: signal: killed", "oom", ("SIGKILL",), (), 0.7),
    Case("celery_worker_lost_sigkill", "airflow",
         "billiard.exceptions.WorkerLostError: Worker exited prematurely: signal 9 (SIGKILL) Job: 12.", "oom", (), (), 0.7),
    Case("python_requires", "cron", "ERROR: Package 'acme-etl' requires a different Python: 3.8.10 not in '>=3.10'",
         "dependency_version", ("3.8.10",), (), 0.85),
    Case("s3fs_file_not_found", "airflow", "FileNotFoundError: landing-bucket/incoming/orders/2024-05-01.csv", "data_input_missing",
         ("landing-bucket/incoming/orders/2024-05-01.csv",), (), 0.75),
    Case("python_memory_error", "cron",
         'Traceback (most recent call last):\n  File "/opt/etl/load.py", line 40, in <module>\n    df = pd.read_csv(path)\nMemoryError',
         "oom", (), (), 0.85),
    # In a container the image lacks the package; under cron see the test on cron's environment below.
    Case("module_not_found", "k8s",
         "Traceback (most recent call last):\n  File \"/opt/etl/load.py\", line 3, in <module>\n    import boto3\n"
         "ModuleNotFoundError: No module named 'boto3'", "dependency_version", ("boto3",), (), 0.8),
    Case("cannot_import_name", "k8s",
         "ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/usr/local/lib/python3.9/site-packages/markupsafe/__init__.py)",
         "dependency_version", ("markupsafe", "soft_unicode"), (), 0.8),
    Case("numpy_abi", "k8s", "ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C header, got 88 from PyObject",
         "dependency_version", ("binary",), (), 0.85),
    Case("java_class_version", "k8s",
         "Error: LinkageError occurred while loading main class com.acme.Report\n\tjava.lang.UnsupportedClassVersionError: com/acme/Report "
         "has been compiled by a more recent version of the Java Runtime (class file version 61.0), this version of the Java Runtime "
         "only recognizes class file versions up to 55.0", "dependency_version", ("newer Java",), (), 0.9),
    Case("glibc", "cron", "/opt/tools/exporter: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /opt/tools/exporter)",
         "dependency_version", ("2.34",), (), 0.85),
    Case("env_key_error", "k8s",
         "Traceback (most recent call last):\n  File \"/app/report.py\", line 12, in <module>\n"
         "    DB_URL = os.environ[\"REPORT_DB_URL\"]\n  File \"/usr/local/lib/python3.11/os.py\", line 679, in __getitem__\n"
         "    raise KeyError(key) from None\nKeyError: 'REPORT_DB_URL'",
         "missing_config_or_secret", ("REPORT_DB_URL",), ("kubectl describe pod",), 0.8),
    Case("plain_key_error_is_a_bug", "k8s",
         "Traceback (most recent call last):\n  File \"/app/report.py\", line 40, in build\n    total = row[\"amount_eur\"]\n"
         "KeyError: 'amount_eur'", "bad_code_or_bug", ("KeyError",), (), 0.5, 0.65),
    Case("unknown_exception", "airflow",
         "Traceback (most recent call last):\n  File \"/opt/dags/sales.py\", line 88, in load\n    check(df)\n"
         "sales.errors.ReconciliationMismatch: totals differ by 12.40", "bad_code_or_bug", ("ReconciliationMismatch",), (), 0.45, 0.6),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_runtime_signature(case: Case) -> None:
    check_case(case)


def test_the_last_exception_of_the_traceback_decides_not_the_first_error_line() -> None:
    log = ("2024-05-01 02:00:01 ERROR could not reach cache, continuing without it\n"
           "2024-05-01 02:00:09 INFO loaded 1200 rows\n"
           "Traceback (most recent call last):\n  File \"/app/job.py\", line 30, in main\n    send(total / count)\n"
           "ZeroDivisionError: division by zero")
    h = diagnose("cron", log)
    assert h.category.value == "bad_code_or_bug"
    assert "ZeroDivisionError" in h.cause


# https://github.com/DemocracyClub/WhoCanIVoteFor/issues/529: a chained traceback whose root is a deadlock
CHAINED = """Traceback (most recent call last):
  File "/var/www/wcivf/env/lib/python3.6/site-packages/django/db/backends/base/base.py", line 240, in _commit
    return self.connection.commit()
psycopg2.errors.DeadlockDetected: deadlock detected
DETAIL:  Process 11031 waits for ShareLock on transaction 14635008; blocked by process 11109.
Process 11109 waits for ShareLock on transaction 14634444; blocked by process 11031.
HINT:  See server log for query details.

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "manage.py", line 10, in <module>
    execute_from_command_line(sys.argv)
  File "/var/www/wcivf/env/lib/python3.6/site-packages/django/db/utils.py", line 89, in __exit__
    raise dj_exc_value.with_traceback(traceback) from exc_value
django.db.utils.OperationalError: deadlock detected"""


def test_a_chained_traceback_is_read_down_to_its_root() -> None:
    h = diagnose("cron", CHAINED)
    assert h.category.value == "overlap_concurrency"
    assert h.signature == "db_deadlock"


def test_an_unknown_exception_with_a_known_root_names_the_root() -> None:
    log = ("Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\nValueError: bad row 7\n\n"
           "During handling of the above exception, another exception occurred:\n\n"
           "Traceback (most recent call last):\n  File \"a.py\", line 9, in main\n    f()\nacme.JobFailed: load step failed")
    h = diagnose("cron", log)
    assert h.category.value == "bad_code_or_bug"
    assert "JobFailed" in h.cause and "ValueError: bad row 7" in h.cause


def test_a_wrapper_exception_is_not_a_code_bug() -> None:
    # The operator only reports that its child failed; without the child's reason, say "unclear".
    log = ("[2024-05-01] INFO - Command exited with return code 1\n"
           "Traceback (most recent call last):\n  File \"airflow/providers/standard/operators/bash.py\", line 225, in execute\n"
           "AirflowException: Bash command failed. The command returned a non-zero exit code 1.")
    h = diagnose("airflow", log)
    assert h.category.value == "other" and h.confidence <= 0.3
    log = ("Traceback (most recent call last):\n  File \"/opt/run.py\", line 9, in <module>\n"
           "subprocess.CalledProcessError: Command '['dbt', 'run']' returned non-zero exit status 2.")
    assert diagnose("cron", log).category.value == "other"


def test_json_not_serializable_is_a_code_bug() -> None:
    # https://github.com/apache/airflow/issues/13342 (title): the value's type is named in the cause
    h = diagnose("cron", "TypeError: Object of type 'DatetimeWithNanoseconds' is not JSON serializable")
    assert h.category.value == "bad_code_or_bug"
    assert "DatetimeWithNanoseconds" in h.cause
    assert 0.6 <= h.confidence < 0.8


@pytest.mark.parametrize("source,log,category,signature", [
    # https://github.com/cytomining/pycytominer/issues/250 (SQLAlchemy 2.0 released under an unpinned requirement)
    ("cron", "ObjectNotExecutableError: Not an executable object: 'select * from Per_Image'", "dependency_version", "library_api_removed"),
    # https://github.com/sqlalchemy/sqlalchemy/issues/9161 (title)
    ("airflow", "AttributeError: 'Engine' object has no attribute 'execute'", "dependency_version", "library_api_removed"),
    # https://github.com/feast-dev/feast/issues/2921
    ("airflow", "pyspark.sql.utils.AnalysisException: Path does not exist: file:/data", "data_input_missing", "spark_input_missing"),
    # https://github.com/microsoft/sqlworkshops/issues/137
    ("k8s", "2019-09-12 22:51:54,790 ERROR yarn.ApplicationMaster: User class threw exception: "
            "org.apache.spark.sql.AnalysisException: Path does not exist: NAMENODE/clickstream_data;",
     "data_input_missing", "spark_input_missing"),
    # CPython's subprocess wording ("Command '%s' timed out after %s seconds") for a run(..., timeout=3600)
    ("cron", "subprocess.TimeoutExpired: Command '['rsync', '-a', '/data', 'backup:/data']' timed out after 3600 seconds",
     "timeout_deadline", "python_subprocess_timeout"),
])
def test_runtime_phenomena(source: str, log: str, category: str, signature: str) -> None:
    h = diagnose(source, log)
    assert (h.category.value, h.signature) == (category, signature), h.cause
    assert h.confidence >= 0.75


def test_spark_names_the_missing_path() -> None:
    h = diagnose("airflow", "pyspark.sql.utils.AnalysisException: Path does not exist: file:/data")
    assert "file:/data" in h.cause


def test_import_error_under_cron_points_at_crons_environment_not_at_the_package():
    # The classic "works in my shell, fails from cron": another interpreter or sys.path runs the
    # script (environment mismatch, https://prodopsy.com/how-to-fix-modulenotfounderror-in-python/;
    # schedulers such as cron listed as the trigger in
    # https://samueltradingpro1216-ops.github.io/multi-agent-failure-patterns/06-dead-code-architecture/pattern-43/).
    from triage.engine.case_input import build_event_and_evidence
    from triage.engine.signatures import diagnose

    log = "Traceback (most recent call last):\n  File \"/srv/app/manage.py\", line 3, in <module>\n" \
          "    import django\nModuleNotFoundError: No module named 'django'"
    cron_event, cron_evidence = build_event_and_evidence("cron", "nightly", log, None, None)
    h = diagnose(cron_event, cron_evidence)
    assert h.category.value == "missing_config_or_secret" and h.confidence < 0.8
    assert "crontab" in h.command and "django" in h.cause
    # In a container image the same line means the package is missing from the image.
    pod_event, pod_evidence = build_event_and_evidence("kubernetes", "nightly", log, None, None)
    assert diagnose(pod_event, pod_evidence).category.value == "dependency_version"


# The failing line of the job's own code is what confirms a bug: the innermost traceback frame
# outside installed libraries, shown with `sed -n` on the host that ran it (never for a pod).
_AIRFLOW_TB = """[2024-05-01, 02:00:13 UTC] {taskinstance.py:2905} ERROR - Task failed with exception
Traceback (most recent call last):
  File "/home/airflow/.local/lib/python3.11/site-packages/airflow/models/taskinstance.py", line 465, in _execute_task
    result = _execute_callable(context=context, **execute_callable_kwargs)
  File "/opt/airflow/dags/sales_etl.py", line 88, in load_orders
    rows = transform(batch)
  File "/opt/airflow/dags/lib/transform.py", line 3, in transform
    return [r["amount"] * r["qty"] for r in batch]
  File "/home/airflow/.local/lib/python3.11/site-packages/pandas/core/series.py", line 1121, in __getitem__
    return self._get_value(key)
TypeError: unsupported operand type(s) for *: 'NoneType' and 'int'"""


def test_a_code_bug_is_confirmed_by_the_innermost_frame_of_the_jobs_own_code() -> None:
    h = diagnose("airflow", _AIRFLOW_TB)
    assert h.category.value == "bad_code_or_bug"
    # Line 3 of transform.py: the window starts at line 1, not below it.
    assert h.command == "sed -n '1,8p' /opt/airflow/dags/lib/transform.py"
    assert "own code" in h.command_reason


def test_a_code_bug_in_a_pod_is_not_read_with_sed_on_the_operators_machine() -> None:
    h = diagnose("k8s", _AIRFLOW_TB)
    assert h.category.value == "bad_code_or_bug"
    assert h.command and not h.command.startswith("sed ")


@pytest.mark.parametrize("frames", [
    # Only library frames: nothing of the job's own to show.
    '  File "/usr/lib/python3/dist-packages/requests/models.py", line 1021, in raise_for_status\n',
    # A relative path depends on the working directory the job had: not shown.
    '  File "etl.py", line 12, in <module>\n',
])
def test_no_code_window_without_an_absolute_frame_of_the_jobs_own(frames: str) -> None:
    h = diagnose("cron", "Traceback (most recent call last):\n" + frames + "    x = f()\nAttributeError: 'NoneType' object has no attribute 'get'")
    assert h.category.value == "bad_code_or_bug"
    assert h.command and not h.command.startswith("sed ")


def test_only_the_final_traceback_is_read_for_the_frame() -> None:
    log = ("Traceback (most recent call last):\n  File \"/opt/jobs/old.py\", line 5, in <module>\n    a()\n"
           "ValueError: first\n\nDuring handling of the above exception, another exception occurred:\n\n"
           "Traceback (most recent call last):\n  File \"/usr/lib/python3.11/json/decoder.py\", line 355, in raw_decode\n"
           "    raise JSONDecodeError\nNameError: name 'cfg' is not defined")
    h = diagnose("cron", log)
    assert h.category.value == "bad_code_or_bug"
    assert h.command and "old.py" not in h.command


@pytest.mark.parametrize("log,signature", [
    # PHP 7's TypeError wording (written for this test from PHP's messages)
    ("PHP Fatal error:  Uncaught TypeError: Argument 1 passed to App\\Repo::find() must be of the type int, string given, "
     "called in /var/www/app/cron/sync.php on line 41", "php_type_error"),
    # PHP 8's wording
    ("PHP Fatal error:  Uncaught TypeError: App\\Repo::find(): Argument #1 ($id) must be of type int, string given", "php_type_error"),
    ("PHP Fatal error:  Class 'Vendor\\Reports\\Cron\\Nightly' not found in /var/www/lib/ObjectManager.php on line 97",
     "php_class_not_found"),
])
def test_php_type_errors_and_missing_classes_are_the_codes(log: str, signature: str) -> None:
    h = diagnose("cron", log)
    assert (h.signature, h.category.value) == (signature, "bad_code_or_bug"), h.cause
    assert h.confidence < 0.8


@pytest.mark.parametrize("log,signature", [
    # the runtimes' own wordings for an unhandled error (written for this test)
    ("PHP Fatal error:  Uncaught Exception: export failed for shop 12 in /var/www/cron/export.php:88", "php_uncaught_exception"),
    ("app/jobs/sync.rb:12:in `run': undefined method `each' for nil:NilClass (NoMethodError)", "ruby_unhandled_error"),
    ("thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:10:5", "rust_panic"),
])
def test_unhandled_errors_of_other_runtimes_are_the_codes(log: str, signature: str) -> None:
    h = diagnose("cron", log)
    assert (h.signature, h.category.value) == (signature, "bad_code_or_bug"), h.cause
    assert h.confidence < 0.8


def test_a_specific_reading_outranks_the_generic_uncaught_php_error() -> None:
    h = diagnose("cron", "PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/db.php:5")
    assert h.category.value == "dependency_unavailable"
