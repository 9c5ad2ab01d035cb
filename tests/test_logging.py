"""Service logs leave the process: what they carry is redacted like everything else."""

from __future__ import annotations

import io
import json
import logging

import pytest

from triage.observability import JsonFormatter, RedactingFormatter

SECRET = "s3cr3t-Pa55w0rd"


def _emit(formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    log = logging.getLogger("triage.test_logging")
    log.handlers[:] = [handler]
    log.propagate = False
    try:
        raise ConnectionError(f"could not reach postgresql://etl:{SECRET}@db.internal:5432/warehouse")
    except ConnectionError:
        log.exception("re-run of %s failed: token=%s", "job-1", "ghp_" + "A" * 36)
    return stream.getvalue()


@pytest.mark.parametrize("formatter", [JsonFormatter(), RedactingFormatter("%(levelname)s %(name)s %(message)s")],
                         ids=["json", "plain"])
def test_secrets_in_log_messages_and_tracebacks_are_redacted(formatter: logging.Formatter) -> None:
    out = _emit(formatter)
    assert SECRET not in out and "ghp_" + "A" * 36 not in out
    assert "re-run of job-1 failed" in out and "ConnectionError" in out  # the rest is kept
    if isinstance(formatter, JsonFormatter):
        record = json.loads(out)
        assert "REDACTED" in record["msg"] and "REDACTED" in record["exc"]
