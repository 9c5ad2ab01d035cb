"""Runtime signatures on real Spark driver logs from public reports. Each log is quoted from the URL above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # YARN killed the executor (143): https://github.com/spark-notebook/spark-notebook/issues/931
    Case("spark_executor_lost_143", "cron",
         "org.apache.spark.SparkException: Job aborted due to stage failure: Task 25 in stage 101.0 failed 4 times, most recent "
         "failure: Lost task 25.3 in stage 101.0 (TID 103322, bda1node07.bda.sg, executor 55): ExecutorLostFailure (executor 55 "
         "exited caused by one of the running tasks) Reason: Container marked as failed: container_e17_1508109435848_1637_01_000056 "
         "on host: bda1node07.bda.sg. Exit status: 143. Diagnostics: Container killed on request. Exit code is 143\n"
         "Container exited with a non-zero exit code 143\nKilled by external signal\nDriver stacktrace:\n"
         "\tat org.apache.spark.scheduler.DAGScheduler.org$apache$spark$scheduler$DAGScheduler$$failJobAndIndependentStages(DAGScheduler.scala:1435)",
         "oom", ("executor",), (), 0.6, 0.79, signature="spark_executor_lost"),
    # Exit 137 in an Airflow-run EMR job: https://github.com/mozilla/telemetry-airflow/pull/330
    Case("spark_executor_lost_137", "airflow",
         "    Caused by: org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 1.0 failed 4 times, most "
         "recent failure: Lost task 3.3 in stage 1.0 (TID 7243, ip-172-31-3-156.us-west-2.compute.internal, executor 5): "
         "ExecutorLostFailure (executor 5 exited caused by one of the running tasks) Reason: Container marked as failed: "
         "container_1532995648738_0001_01_000006 on host: ip-172-31-3-156.us-west-2.compute.internal. Exit status: 137. "
         "Diagnostics: Container killed on request. Exit code is 137\n    Container exited with a non-zero exit code 137\n"
         "    Killed by external signal", "oom", ("memory",), (), 0.75, signature="spark_executor_lost"),
    # Mesos: https://github.com/yahoo/CaffeOnSpark/issues/86
    Case("spark_rpc_disassociated", "cron",
         "16/06/16 15:47:26 ERROR TaskSetManager: Task 0 in stage 0.0 failed 4 times; aborting job\n"
         'Exception in thread "main" org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 in stage 0.0 failed '
         "4 times, most recent failure: Lost task 0.3 in stage 0.0 (TID 3, hkcloud-node1): ExecutorLostFailure (executor "
         "753a7274-173a-41bf-b800-0345adc29be0-S0 exited caused by one of the running tasks) Reason: Remote RPC client "
         "disassociated. Likely due to containers exceeding thresholds, or network issues. Check driver logs for WARN messages.",
         "oom", (), (), 0.6, 0.79),
    # An executor heartbeat is not an Airflow zombie: https://github.com/TresAmigosSD/SMV/pull/714
    Case("spark_executor_heartbeat", "cron",
         "17/05/05 18:44:25 ERROR TaskSchedulerImpl: Lost executor driver on localhost: Executor heartbeat timed out after 148976 ms\n"
         "17/05/05 18:44:25 ERROR TaskSetManager: Task 16 in stage 301.0 failed 1 times; aborting job\n"
         "[info]   org.apache.spark.SparkException: Job aborted due to stage failure: Task 16 in stage 301.0 failed 1 times, most "
         "recent failure: Lost task 16.0 in stage 301.0 (TID 8122, localhost): ExecutorLostFailure (executor driver lost)",
         "oom", ("Spark executor",), (), 0.6, 0.79, signature="spark_executor_lost"),
    # Malformed input read by pandas/pyarrow: the final exception is named, without false certainty.
    # https://github.com/ghsama/ConvTransformerTimeSeries/issues/9, https://github.com/Wadaboa/3d-bpp/issues/4
    Case("pandas_parser_error", "cron",
         "Traceback (most recent call last):\n"
         '  File "/Users/jmfrutos/github/ConvTransformerTimeSeries/data_prep.py", line 537, in main\n'
         "    Table = pd.read_csv(data_path, index_col=0, parse_dates=True)\n"
         "pandas.errors.ParserError: Error tokenizing data. C error: Expected 157 fields in line 4, saw 158",
         "bad_code_or_bug", ("ParserError",), (), 0.4, 0.7),
    Case("pyarrow_conversion", "cron",
         "Traceback (most recent call last):\n"
         "pyarrow.lib.ArrowInvalid: (\"Could not convert 'Total' with type str: tried to convert to int64\", "
         "'Conversion failed for column layer with type object')", "bad_code_or_bug", ("ArrowInvalid",), (), 0.4, 0.7),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_runtime_breadth(case: Case) -> None:
    check_case(case)
