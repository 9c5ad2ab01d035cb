"""The lean: when no signature is decisive, the category the failure's own words point at,
named in the "unclear" card's text as a hint; the category stays `other`."""

from __future__ import annotations

from tests.signatures.support import AIRFLOW, CRON, K8S, diagnose
from triage.engine.signatures.lean import lean
from triage.engine.signatures.logview import build
from triage.models import DECISIVE_CONFIDENCE, Evidence
from triage.slack.publisher import storm_key_of


def _lean(event, log, status=None):
    return lean(build(event, Evidence(log_text=log, status=status or {})))


def test_an_unknown_permission_error_is_named_as_a_hint_not_a_diagnosis() -> None:
    # Wording no signature knows, from a tool we have no signature for.
    log = "starting export\nwrote 120 rows\nexporter: refusing to write /srv/exports/today.csv: insufficient privileges for user etl\n"
    assert _lean(CRON, log).category.value == "permissions_rbac"
    h = diagnose("cron", log)
    assert h.category.value == "other" and h.signature is None
    assert h.confidence < DECISIVE_CONFIDENCE
    assert h.cause.startswith("Unclear")
    assert "read most like permissions rbac" in h.cause
    assert "exporter: refusing to write /srv/exports/today.csv: insufficient privileges for user etl" in h.evidence


def test_a_log_without_cues_abstains_as_before() -> None:
    h = diagnose("cron", "step 1 done\nstep 2 done\nexit status 3\n")
    assert h.category.value == "other"
    assert h.confidence < DECISIVE_CONFIDENCE


def test_two_kinds_of_words_equally_strong_give_no_lean() -> None:
    log = "uploader: remote end timed out\nuploader: permission denied on retry\n"
    assert _lean(CRON, log) is None


def test_the_later_line_weighs_more() -> None:
    log = "cleanup: lock file busy, skipping\n" + "processing chunk\n" * 3 + "writer: no space left on device\n"
    leaning = _lean(CRON, log)
    assert leaning is not None and leaning.category.value == "disk_full"


def test_a_missing_config_file_reads_as_setup_not_missing_input() -> None:
    leaning = _lean(CRON, "loader: cannot open /etc/loader/settings.toml: No such file or directory\n")
    assert leaning is not None and leaning.category.value == "missing_config_or_secret"
    leaning = _lean(CRON, "loader: cannot open /data/in/2024-05-01.csv: No such file or directory\n")
    assert leaning is not None and leaning.category.value == "data_input_missing"


def test_a_connect_timeout_is_the_service_not_the_jobs_deadline() -> None:
    leaning = _lean(AIRFLOW, "ERROR - Connection to warehouse.internal timed out after 30s\n")
    assert leaning is not None and leaning.category.value == "dependency_unavailable"


def test_status_facts_count_at_full_weight() -> None:
    leaning = _lean(K8S, "", {"message": "node had condition: [MemoryPressure]"})
    assert leaning is not None and leaning.category.value == "resource_quota_scheduling"


def test_a_signature_still_decides_over_the_lean() -> None:
    h = diagnose("cron", "tar: /backup/db.tar: Wrote only 4096 of 10240 bytes\n"
                         "OSError: [Errno 28] No space left on device: '/backup/db.tar'\n")
    assert h.signature is not None and h.confidence >= DECISIVE_CONFIDENCE


def test_a_hint_is_not_a_storm_key() -> None:
    h = diagnose("cron", "exporter: refusing to write /srv/exports/today.csv: insufficient privileges for user etl\n")
    assert "read most like permissions rbac" in h.cause
    assert storm_key_of(h) is None


def test_the_command_line_is_not_evidence() -> None:
    # The job's own command names a timeout; nothing in what happened does.
    assert _lean(CRON, "step 1 done\n", {"command": "/opt/backup.sh --timeout 300", "exit_code": 3}) is None
    assert _lean(CRON, "step 1 done\n", {"message": "backup timed out after 300s"}).category.value == "timeout_deadline"
