"""Disk and input-data signatures, and how a missing path is classified."""

from __future__ import annotations

import pytest

from triage.engine.signatures.storage import classify_path
from tests.signatures.support import Case, check_case

CASES = [
    Case("tar_no_space", "cron", "tar: /backups/db.tar: Wrote only 4096 of 10240 bytes\n/backups/db.tar: No space left on device",
         "disk_full", ("/backups/db.tar",), ("df -h /backups",), 0.9),
    Case("python_no_space", "airflow", "OSError: [Errno 28] No space left on device: '/tmp/airflow/spill/part-0007.parquet'",
         "disk_full", ("/tmp/airflow/spill/part-0007.parquet",), ("df -h /tmp/airflow/spill",), 0.9),
    Case("go_no_space", "k8s", "write /data/cache/000123.sst: no space left on device", "disk_full", ("/data/cache/000123.sst",),
         ("kubectl describe pod",), 0.9),
    Case("pg_no_space", "cron", 'ERROR:  could not extend file "base/16384/24576.1": No space left on device', "disk_full", (), (), 0.9),
    Case("input_csv_missing", "airflow",
         "FileNotFoundError: [Errno 2] No such file or directory: '/data/incoming/orders_2024-05-01.csv'", "data_input_missing",
         ("/data/incoming/orders_2024-05-01.csv",), ("ls -l /data/incoming",), 0.8),
    Case("config_missing", "cron", "FileNotFoundError: [Errno 2] No such file or directory: '/etc/backup/backup.yaml'",
         "missing_config_or_secret", ("/etc/backup/backup.yaml",), (), 0.8),
    Case("script_missing", "cron", "python3: can't open file '/opt/jobs/nightly.py': [Errno 2] No such file or directory",
         "missing_config_or_secret", ("/opt/jobs/nightly.py",), (), 0.7, 0.79),
    # https://github.com/mozilla/bigquery-etl/pull/1162 (a script missing from the image)
    Case("entrypoint_script_missing", "airflow",
         "{logging_mixin.py:112} INFO - [2020-07-13 05:05:26,538] {pod_launcher.py:125} INFO - /app/script/entrypoint: line 38: "
         "/script/publish_public_data_json: No such file or directory",
         "missing_config_or_secret", ("/script/publish_public_data_json",), (), 0.7, 0.79),
    Case("spark_path_missing", "airflow",
         "pyspark.sql.utils.AnalysisException: [PATH_NOT_FOUND] Path does not exist: s3a://lake/raw/orders/dt=2024-05-01.",
         "data_input_missing", ("s3a://lake/raw/orders/dt=2024-05-01",), (), 0.8),
    Case("empty_csv", "cron", "pandas.errors.EmptyDataError: No columns to parse from file", "data_input_missing", (), (), 0.8),
    # https://github.com/backup/backup/issues/256 (mysqldump reports ENOSPC by its errno)
    Case("mysqldump_errno_28", "cron", "[2012/01/13 00:44:05][error]   mysqldump: Got errno 28 on write", "disk_full", (), ("df -h",), 0.9),
    # https://github.com/AlternC/AlternC/issues/242 (the server's disk full, seen by mysqldump)
    Case("mysql_error_28", "cron", "mysqldump: Couldn't execute 'show fields from `actions`': Got error 28 from storage engine (1030)",
         "disk_full", (), (), 0.9),
    Case("read_only_rootfs", "k8s", "OSError: [Errno 30] Read-only file system: '/app/cache'", "permissions_rbac", ("read-only",), (), 0.7),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_storage_signature(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("path,kind", [
    ("/data/incoming/x.csv", "data"), ("/srv/exports/", "data"), ("report.parquet", "data"),
    ("/etc/app/app.conf", "config"), ("/home/job/.aws/credentials", "config"), ("/run/secrets/db", "config"),
    ("/opt/jobs/run.sh", "program"), ("/usr/local/bin/tool", "program"), ("/var/tmp/xyz", "unknown"),
])
def test_missing_path_classification(path: str, kind: str) -> None:
    assert classify_path(path) == kind


@pytest.mark.parametrize("log", [
    # https://github.com/svcvit/Awesome-Dify-Workflow/issues/39 (the code returned the string "None" as the path)
    "No such file or directory: 'None'",
    # a None formatted into a directory of the path (an argument the caller stopped passing)
    "FileNotFoundError: [Errno 2] No such file or directory: 'sql/project/dataset/None/query.sql'",
    # an f-string that was never formatted, and JavaScript's undefined
    "FileNotFoundError: [Errno 2] No such file or directory: '/data/{ds}/orders.csv'",
    "Error: ENOENT: no such file or directory, open '/srv/exports/undefined.json'",
])
def test_a_missing_path_built_from_an_unset_value_is_the_codes_bug(log: str) -> None:
    h = check_case(Case("unset_path", "airflow", log, "bad_code_or_bug", ("never set",), (), 0.7, 0.79))
    assert h.signature == "input_missing"


@pytest.mark.parametrize("path", ["/srv/null_reports/x.csv", "/data/None_backup/x.csv", "/data/annotated/x.csv"])
def test_words_inside_a_name_are_not_unset_values(path: str) -> None:
    h = check_case(Case("real_input", "airflow", f"FileNotFoundError: [Errno 2] No such file or directory: '{path}'",
                        "data_input_missing", (), (), 0.8))
    assert "never set" not in h.cause
